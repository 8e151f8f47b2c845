"""The `Simulator` facade: build a world, serve it, drive and inspect it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from lcs_tui.simulator import demo as constants
from lcs_tui.simulator import signin
from lcs_tui.simulator.clock import Clock, ManualClock, ScaledClock, utc_now
from lcs_tui.simulator.directory import User
from lcs_tui.simulator.exchange import LogEntry
from lcs_tui.simulator.faults import Faults
from lcs_tui.simulator.lifecycle import OperationKind, Outcome
from lcs_tui.simulator.powerplatform.facade import PowerPlatformFacade
from lcs_tui.simulator.powerplatform.state import PpSettings
from lcs_tui.simulator.records import (
    MICROSOFT_MANAGED,
    SANDBOX,
    Backup,
    Environment,
    HistoryEntry,
    OperationInfo,
    Project,
)
from lcs_tui.simulator.service import Service
from lcs_tui.simulator.transports import SimAsyncTransport, SimSyncTransport
from lcs_tui.simulator.world import MIB, Settings, World

if TYPE_CHECKING:
    from lcs_tui.simulator.server import LoopbackServer

#: Where a `Simulator()` without an explicit clock starts.
DEFAULT_START = datetime(2026, 11, 20, 8, 0)


class Simulator(PowerPlatformFacade):
    """A faithful LCS + Entra ID sign-in simulator, with the tenant's Power Platform side.

    Keyword arguments (all optional):

    - `clock`: simulator time; default `ManualClock(DEFAULT_START)`.
    - `seed`: ids, operation durations and outcomes and the demo data derive
      from it; same seed, same story.
    - `failure_rate`: the share of operations that fail (half of those roll
      back); default 0.0. Per operation, seeded.
    - `token_lifetime`: access token lifetime in simulated time (default 1 h);
      `expires_in` reports it in real seconds at the clock's rate.
    - `rate_time`: the monotonic seconds the environment API's rate limits
      count on (default `time.monotonic`; inject a fake to share it with the
      client's limiter).
    - `env_page_size` / `history_page_size`: page sizes of the paged
      environment endpoints (defaults 4 and 10; LCS does not document them).
    - `device_code_interval`: the polling `interval` handed out (default 5 s;
      tests use 1).
    - `device_code_lifetime`: real time a device code stays valid (15 min).
    - `device_code_auto_approve_after`: real seconds after which a device code
      approves itself as `constants.USERNAME` (the demo); None (default): never.
    - `sas_lifetime`: simulated time a `FileLocation` link stays valid (1 day).
    - `md5_max_size`: blobs up to this size carry `Content-MD5` (256 MiB).
    - `blob_host`: host of the SAS links in-process
      (default `constants.BLOB_HOST`); the loopback server uses its own URL.
    - `pp_env_page_size` (10), `bap_env_page_size` (None: one page),
      `pp_page_size` (20: backups, operations and candidates without `limit`),
      `pp_next_link` ("@odata.nextlink" or "@odata.nextLink"),
      `pp_rate_limit` ((200, 60.0): calls per caller and API per window in
      `rate_time` seconds), `pp_retry_after` (30 simulated seconds): the
      Power Platform side (docs/simulator.md, "Power Platform").

    Without demo data the world has the demo tenant, apps and users, and
    one project (`constants.PROJECT_ID`, members: `constants.USERNAME` and
    `constants.MFA_USERNAME`) with no environments or backups yet.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        failure_rate: float = 0.0,
        token_lifetime: timedelta = timedelta(hours=1),
        rate_time: Callable[[], float] = time.monotonic,
        env_page_size: int = 4,
        history_page_size: int = 10,
        device_code_interval: int = 5,
        device_code_lifetime: timedelta = timedelta(minutes=15),
        device_code_auto_approve_after: float | None = None,
        sas_lifetime: timedelta = timedelta(days=1),
        md5_max_size: int = 256 * MIB,
        blob_host: str = constants.BLOB_HOST,
        pp_env_page_size: int = 10,
        bap_env_page_size: int | None = None,
        pp_page_size: int = 20,
        pp_next_link: str = "@odata.nextlink",
        pp_rate_limit: tuple[int, float] = (200, 60.0),
        pp_retry_after: int = 30,
    ) -> None:
        settings = Settings(
            seed=seed,
            failure_rate=failure_rate,
            token_lifetime=token_lifetime,
            env_page_size=env_page_size,
            history_page_size=history_page_size,
            device_code_interval=device_code_interval,
            device_code_lifetime=device_code_lifetime,
            device_code_auto_approve_after=device_code_auto_approve_after,
            sas_lifetime=sas_lifetime,
            md5_max_size=md5_max_size,
            blob_host=blob_host.rstrip("/"),
            powerplatform=PpSettings(
                env_page_size=pp_env_page_size,
                bap_page_size=bap_env_page_size,
                collection_page_size=pp_page_size,
                next_link_key=pp_next_link,
                rate_limit=pp_rate_limit,
                retry_after=pp_retry_after,
            ),
        )
        self._world = World(clock or ManualClock(DEFAULT_START), settings, rate_time)
        self._service = Service(self._world)
        self._world.projects[constants.PROJECT_ID] = Project(
            project_id=constants.PROJECT_ID,
            name=constants.PROJECT_NAME,
            organization_id=str(uuid.UUID("00000000-d365-4000-8000-00000000a11e")),
            members={constants.USERNAME.lower(), constants.MFA_USERNAME.lower()},
        )

    @classmethod
    def demo(
        cls,
        time_scale: float = 120.0,
        seed: int = 1,
        *,
        start: datetime | None = None,
        failure_rate: float = 0.1,
        fabrikam: bool = False,
        powerplatform: bool = False,
        **kwargs: Any,
    ) -> Simulator:
        """A seeded, realistic project on a `ScaledClock` (1 real s = `time_scale` sim s).

        `start` (naive UTC) defaults to now. With `fabrikam`, a second
        project (`constants.FABRIKAM_PROJECT_ID`) in the same tenant, the
        demo users members of both; Contoso's data and every later draw
        stay exactly as without it. With `powerplatform`, the tenant's
        Power Platform side (unified environments, the LCS ones linked,
        backups, operations; docs/simulator.md), seeded last from its own
        generators: the LCS side stays exactly as without it. Other keyword
        arguments go to `Simulator(...)`, e.g. `device_code_auto_approve_after=5`.
        """
        from lcs_tui.simulator.seed import seed_demo_project
        from lcs_tui.simulator.seed_fabrikam import seed_fabrikam_project
        from lcs_tui.simulator.seed_powerplatform import seed_powerplatform

        clock = kwargs.pop("clock", None) or ScaledClock(time_scale, start or utc_now())
        sim = cls(clock=clock, seed=seed, failure_rate=failure_rate, **kwargs)
        seed_demo_project(sim, seed)
        if fabrikam:
            seed_fabrikam_project(sim, seed)
        if powerplatform:
            seed_powerplatform(sim, seed)
        return sim

    # --- time, faults, logs ---------------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._world.clock

    @property
    def faults(self) -> Faults:
        return self._world.faults

    @property
    def request_log(self) -> list[LogEntry]:
        """(method, path, status) of every request the simulator answered, live
        (tests may `.clear()` it). Status 0: the service acted, the answer was
        dropped. Paths have no query string."""
        return self._world.request_log

    # --- serving ------------------------------------------------------------------------

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return SimAsyncTransport(self._service)

    def sync_transport(self) -> httpx.BaseTransport:
        return SimSyncTransport(self._service)

    @contextmanager
    def serve_https(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
        cert_dir: Path | None = None,
    ) -> Iterator[LoopbackServer]:
        """Serve everything over HTTPS on a loopback address until the block ends.

        The server's `base_url` is at once the API host, the authority host
        (`{base_url}/{tenant}`) and the blob host; trust `ca_file`. Port 0
        picks a free port. `log` receives one line per request. The
        certificates are generated in a temporary directory, or kept in
        `cert_dir` (reused while valid). Non-loopback hosts are refused.
        """
        # Imported here: the demo and the in-process tests never pay for TLS
        # certificate generation or http.server.
        from lcs_tui.simulator.server import LoopbackServer

        server = LoopbackServer(self._service, host, port, log, cert_dir)
        try:
            yield server
        finally:
            server.close()

    # --- inspection -------------------------------------------------------------------

    def operations(self, project_id: int | None = None) -> list[OperationInfo]:
        """Every operation ever started (API and seeded portal ones), status as of now;
        with `project_id`, only that project's."""
        with self._world.lock:
            now = self._world.now()
            return [
                OperationInfo.of(op, now)
                for op in self._world.operations
                if project_id is None or op.project_id == project_id
            ]

    def operation(self, activity_id: str) -> OperationInfo:
        for info in self.operations():
            if info.activity_id.lower() == activity_id.lower():
                return info
        raise KeyError(activity_id)

    def environments(self, project_id: int | None = None) -> list[Environment]:
        """The environments of every project, or of `project_id` (records: treat as
        read-only)."""
        with self._world.lock:
            return [
                env
                for env in self._world.environments
                if project_id is None or env.project_id == project_id
            ]

    def backups(self, project_id: int | None = None) -> list[Backup]:
        """Every backup in every project's asset library (or in `project_id`'s),
        finished exports included."""
        with self._world.lock:
            self._world.settle_exports()
            return [
                b for b in self._world.backups if project_id is None or b.project_id == project_id
            ]

    # --- building the world ---------------------------------------------------------------

    def add_environment(
        self,
        name: str,
        *,
        environment_type: str = SANDBOX,
        infrastructure: str = MICROSOFT_MANAGED,
        environment_id: str | None = None,
        project_id: int = constants.PROJECT_ID,
        stopped: bool = False,
        **details: Any,
    ) -> Environment:
        """Add an environment; returns its record. `environment_type` is
        "Production", "Sandbox", "DevTestDev"...; `infrastructure` is
        "MicrosoftManaged", "SelfService" or "CustomerManaged" (only those can
        start/stop; `stopped` sets the initial state). A new id comes without
        dashes when the environment count is even, with dashes when odd, as LCS
        mixes both. `details` sets any other `Environment` field."""
        with self._world.lock:
            if environment_id is None:
                guid = uuid.UUID(self._world.new_guid())
                environment_id = guid.hex if len(self._world.environments) % 2 == 0 else str(guid)
            slug = name.lower()
            env = Environment(
                environment_id=environment_id,
                name=name,
                project_id=project_id,
                environment_type=environment_type,
                infrastructure=infrastructure,
                endpoint_base_url=f"https://{slug}.sandbox.operations.dynamics.com/",
                deployed_on=self._world.now() - timedelta(days=200),
                initially_stopped=stopped,
            )
            for key, value in details.items():
                if not hasattr(env, key):
                    raise TypeError(f"Environment has no field {key!r}")
                setattr(env, key, value)
            self._world.environments.append(env)
            return env

    def add_backup(
        self,
        name: str,
        *,
        size: int = 20 * MIB,
        created: datetime | None = None,
        file_name: str | None = None,
        description: str | None = None,
        created_by: str = "Ana Admin (demo)",
        project_id: int = constants.PROJECT_ID,
        backup_id: str | None = None,
        content_md5: bool | None = None,
        link_origin: str | None = None,
    ) -> Backup:
        """Add a backup to a project's asset library (`size` in bytes). Its blob
        content is generated from its id and size. `content_md5` forces the
        Content-MD5 header on or off (default: on up to `md5_max_size`).
        `link_origin` ("http://host", "ftp://host", "https://other.example")
        replaces the blob host in its `FileLocation` (the path and SAS stay)."""
        with self._world.lock:
            moment = created or self._world.now()
            backup = Backup(
                backup_id=backup_id or self._world.new_guid(),
                project_id=project_id,
                name=name,
                file_name=file_name or f"{name}.bacpac",
                size=size,
                created=moment,
                modified=moment,
                created_by=created_by,
                modified_by=created_by,
                description=description,
                content_md5=content_md5,
                link_origin=link_origin,
            )
            self._world.backups.append(backup)
            return backup

    def add_operation(
        self,
        kind: OperationKind,
        *,
        environment_id: str,
        started_at: datetime,
        source_environment_id: str | None = None,
        backup_name: str | None = None,
        outcome: Outcome | None = None,
        duration: timedelta | None = None,
        created_by: str = "Ana Admin (demo)",
        project_id: int = constants.PROJECT_ID,
        activity_id: str | None = None,
    ) -> OperationInfo:
        """Record an operation as if started in the LCS portal at `started_at`.

        For a refresh `environment_id` is the target and `source_environment_id`
        is required; for an export it is the exported sandbox. It shows in
        history and counts against the quota like an API-started one.
        `outcome` ("success", "failure", "rollback") and `duration` (total,
        queue included) override the seeded draw. `activity_id` (default: from
        the seeded id generator) lets a seed keep its own ids.
        """
        if kind == "refresh":
            if source_environment_id is None:
                raise ValueError("a refresh needs source_environment_id")
            source, target = source_environment_id, environment_id
        else:
            source, target = environment_id, None
        with self._world.lock:
            op = self._world.start_operation(
                kind,
                project_id=project_id,
                source_environment_id=source,
                target_environment_id=target,
                backup_name=backup_name,
                started_at=started_at,
                created_by=created_by,
                origin="portal",
                activity_id=activity_id,
                outcome=outcome,
                duration=duration,
            )
            return OperationInfo.of(op, self._world.now())

    def add_history_entry(
        self,
        environment_id: str,
        *,
        name: str,
        type: str,
        type_display: str,
        started_at: datetime,
        ended_at: datetime | None,
        status: str,
        project_id: int = constants.PROJECT_ID,
        activity_id: str | None = None,
    ) -> HistoryEntry:
        """Add a fixed history line that is not a database operation (servicing,
        package deployment...). It does not count against the quota.
        `activity_id` defaults to one from the seeded id generator."""
        with self._world.lock:
            entry = HistoryEntry(
                name=name,
                type=type,
                type_display=type_display,
                started_at=started_at,
                ended_at=ended_at,
                status=status,
                activity_id=activity_id or self._world.new_guid(),
                environment_id=environment_id,
                project_id=project_id,
            )
            self._world.history.append(entry)
            return entry

    def add_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str | None = None,
        requires_mfa: bool = False,
        project_ids: tuple[int, ...] = (constants.PROJECT_ID,),
    ) -> None:
        """Add a user to the demo tenant and make them a member of `project_ids`."""
        with self._world.lock:
            oid = str(uuid.UUID(self._world.new_guid()))
            self._world.directory.add_user(
                User(username, password, display_name or username, oid, requires_mfa)
            )
            for project_id in project_ids:
                project = self._world.projects.get(project_id)
                if project is not None:
                    project.members.add(username.lower())

    def add_project(
        self,
        project_id: int,
        name: str,
        members: tuple[str, ...] = (constants.USERNAME,),
        *,
        organization_id: str | None = None,
    ) -> None:
        """Add another (empty) project the given users belong to.
        `organization_id` defaults to one from the seeded id generator."""
        with self._world.lock:
            self._world.projects[project_id] = Project(
                project_id=project_id,
                name=name,
                organization_id=organization_id or self._world.new_guid(),
                members={m.lower() for m in members},
            )

    # --- sign-in driving -------------------------------------------------------------------

    def approve_device_code(self, user_code: str, username: str = constants.USERNAME) -> None:
        """Approve a pending device code as `username`, as the person in the browser would."""
        with self._world.lock:
            signin.approve(self._world, user_code, username)

    def decline_device_code(self, user_code: str) -> None:
        """Decline a pending device code (the flow then ends with authorization_declined)."""
        with self._world.lock:
            entry = self._world.tokens.device_by_user_code(user_code)
            if entry is None:
                raise KeyError(user_code)
            entry.declined = True

    def pending_device_codes(self) -> list[str]:
        """User codes issued and neither approved, declined nor expired."""
        with self._world.lock:
            return self._world.tokens.pending_user_codes(self._world.now())

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on (refresh tokens still work)."""
        with self._world.lock:
            self._world.tokens.expire_all(self._world.now())

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far stops working (AADSTS50173)."""
        with self._world.lock:
            self._world.tokens.revoke_all_refresh()
