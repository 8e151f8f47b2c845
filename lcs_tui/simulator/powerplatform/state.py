"""The Power Platform part of the world: the tenant's environments, backups, operations.

Lives in `World.powerplatform` and is only touched with `world.lock` held.
It draws from random generators of its own (ids, operation plans, system
backup times), never the world's: seeding or serving the Power Platform
side leaves every LCS id and draw exactly as without it.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from lcs_tui.simulator import demo
from lcs_tui.simulator.formats import same_id
from lcs_tui.simulator.powerplatform.records import (
    PpBackup,
    PpBackupInfo,
    PpEnvironment,
    PpOperation,
    Principal,
    Requester,
)
from lcs_tui.simulator.powerplatform.stages import SUCCEEDED, PlanKind, StagePlan, draw_plan

SYSTEM = Requester("System", "System", "00000000-0000-0000-0000-000000000000")


@dataclass(frozen=True)
class PpSettings:
    """Tunables of the Power Platform side; see `Simulator.__init__`."""

    #: Page size of the Power Platform API's environment list (`@odata.nextlink`).
    env_page_size: int = 10
    #: Page size of BAP's environment list; None: one page, as every client assumes.
    bap_page_size: int | None = None
    #: Page size of `collection` + `continuationToken` lists without `limit`.
    collection_page_size: int = 20
    #: How the environment list spells its next link: "@odata.nextlink" (the
    #: reference page's spelling) or "@odata.nextLink".
    next_link_key: str = "@odata.nextlink"
    #: Calls per caller and API per window (seconds) before 429: generous
    #: enough for a demo watching a few operations at its fast Retry-After.
    rate_limit: tuple[int, float] = (200, 60.0)
    #: `Retry-After` of an operation start and poll, in simulated seconds.
    retry_after: int = 30


class PpLogEntry(NamedTuple):
    """One line of `Simulator.pp_request_log`: a call to the Power Platform side."""

    method: str
    #: "powerplatform", "bap" or "dataverse".
    api: str
    #: Without the query string.
    path: str
    #: 0: the service acted, the answer was dropped.
    status: int
    #: The `x-ms-correlation-id` the answer carried ("" if none).
    correlation_id: str


class PowerPlatform:
    """The state. Not thread-safe: the caller holds the world lock."""

    def __init__(self, seed: int, failure_rate: float, settings: PpSettings) -> None:
        self.seed = seed
        self.failure_rate = failure_rate
        self.settings = settings
        self._ids = random.Random(f"{seed}/powerplatform/ids")
        self._correlation = random.Random(f"{seed}/powerplatform/correlation")
        self.environments: list[PpEnvironment] = []
        self.backups: list[PpBackup] = []
        self.operations: list[PpOperation] = []
        #: Users (lower-cased usernames) with the Power Platform administrator role.
        self.admins: set[str] = {demo.USERNAME.lower(), demo.MFA_USERNAME.lower()}
        #: Client ids registered as admin management applications (BAP's list).
        self.admin_applications: set[str] = {demo.SPN_CLIENT_ID.lower()}
        #: Client ids with Power Platform Contributor (or Owner) at tenant scope.
        self.rbac_contributors: set[str] = {demo.RBAC_SPN_CLIENT_ID.lower()}
        #: Database capacity the tenant has left, in GB (copy and restore need 1).
        self.free_capacity_gb = 42.5
        self.request_log: list[PpLogEntry] = []

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def correlation_id(self) -> str:
        return str(uuid.UUID(int=self._correlation.getrandbits(128), version=4))

    # --- who may do what ----------------------------------------------------------

    def is_admin(self, principal: Principal) -> bool:
        """Tenant-wide admin rights on the Power Platform API: a Power Platform
        admin user, or a service principal that is registered or has a
        tenant-scope RBAC role (BAP needs the registration: `bap_allowed`)."""
        if principal.kind == "User":
            return principal.name in self.admins
        return principal.client_id.lower() in self.admin_applications or (
            principal.client_id.lower() in self.rbac_contributors
        )

    def bap_allowed(self, principal: Principal) -> bool:
        if principal.kind == "User":
            return True
        return principal.client_id.lower() in self.admin_applications

    def visible(self, principal: Principal, env: PpEnvironment) -> bool:
        if self.is_admin(principal):
            return True
        return env.environment_type == "Default" or principal.name in env.makers

    # --- lookups --------------------------------------------------------------------

    def environment(self, environment_id: str) -> PpEnvironment | None:
        for env in self.environments:
            if same_id(env.environment_id, environment_id):
                return env
        return None

    def operation(self, operation_id: str) -> PpOperation | None:
        for op in self.operations:
            if same_id(op.operation_id, operation_id):
                return op
        return None

    def running_operation_on(self, env: PpEnvironment, now: datetime) -> PpOperation | None:
        """An unfinished operation changing the environment (one lifecycle
        operation per environment at a time, PPAC-API.md §6)."""
        for op in self.operations:
            if (
                not op.validate_only
                and same_id(op.environment_id, env.environment_id)
                and op.started_at <= now
                and not op.finished(now)
            ):
                return op
        return None

    def history(self, env: PpEnvironment, now: datetime) -> list[PpOperation]:
        """The environment's operations (it is their target), newest first."""
        ops = [
            op
            for op in self.operations
            if not op.validate_only
            and same_id(op.environment_id, env.environment_id)
            and op.started_at <= now
        ]
        return sorted(ops, key=lambda op: (op.started_at, op.sequence), reverse=True)

    # --- backups ----------------------------------------------------------------------

    def backups_of(self, env: PpEnvironment, now: datetime) -> list[PpBackupInfo]:
        """Manual backups not expired, and the daily system backups within
        retention, newest first."""
        listed = [
            PpBackupInfo(
                b.backup_id,
                b.environment_id,
                b.label,
                b.point,
                b.expires,
                b.created_by,
                system=False,
            )
            for b in self.backups
            if same_id(b.environment_id, env.environment_id) and b.point <= now < b.expires
        ]
        listed += self.system_backups(env, now)
        return sorted(listed, key=lambda b: b.point, reverse=True)

    def system_backups(self, env: PpEnvironment, now: datetime) -> list[PpBackupInfo]:
        """One system backup a day at an hour of the environment's own, for the
        retention period (generated: a pure function of now)."""
        if env.retention_days <= 0 or not env.has_dataverse:
            return []
        digest = hashlib.sha256(f"{self.seed}/{env.environment_id}".encode()).digest()
        offset = timedelta(minutes=60 + digest[0] * 2)  # between 01:00 and 09:30
        retention = timedelta(days=env.retention_days)
        day = (now - retention).replace(hour=0, minute=0, second=0, microsecond=0)
        found = []
        while day <= now:
            point = day + offset
            if now - retention <= point <= now and point >= env.created:
                backup_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{env.environment_id}/{point}"))
                found.append(
                    PpBackupInfo(
                        backup_id,
                        env.environment_id,
                        None,
                        point,
                        point + retention,
                        SYSTEM,
                        system=True,
                    )
                )
            day += timedelta(days=1)
        return found

    def restore_window(self, env: PpEnvironment, now: datetime) -> tuple[datetime, datetime] | None:
        """The earliest and latest point the environment can be restored to, or None."""
        if env.retention_days <= 0 or not env.has_dataverse:
            return None
        return max(now - timedelta(days=env.retention_days), env.created), now

    # --- operations ---------------------------------------------------------------------

    def draw(
        self,
        kind: PlanKind,
        *,
        fail: bool | None = None,
        duration: timedelta | None = None,
    ) -> tuple[int, StagePlan]:
        """The next operation's number and plan. Each operation draws from a
        stream of its own, so its fate does not depend on the requests before it."""
        sequence = len(self.operations)
        rng = random.Random(f"{self.seed}/powerplatform/operation/{sequence}")
        return sequence, draw_plan(kind, rng, self.failure_rate, fail=fail, duration=duration)

    def settle(self, now: datetime) -> None:
        """Apply what every operation that has succeeded by now did to its target."""
        for op in self.operations:
            if op.applied or op.validate_only or op.name not in ("Copy", "Restore"):
                continue
            if not op.finished(now):
                continue
            op.applied = True
            if op.state(now).status != SUCCEEDED:
                continue
            target = self.environment(op.environment_id)
            source = self.environment(op.source_environment_id or "")
            if target is None:
                continue
            if source is not None and source is not target:
                target.dataverse_version = source.dataverse_version
                if source.finops is not None and target.finops is not None:
                    target.finops.application_version = source.finops.application_version
                    target.finops.platform_version = source.finops.platform_version
            # Copied and restored environments end in administration mode
            # (PPAC-API.md §3.4, §4.3); an Everything copy also turns
            # background operations off.
            target.admin_mode = True
            if op.name == "Copy" and op.copy_type == "Full":
                target.background_operations = False
            if op.new_display_name:
                target.display_name = op.new_display_name
            if op.new_security_group_id:
                target.security_group_id = op.new_security_group_id

    def log(self, entry: PpLogEntry) -> None:
        self.request_log.append(entry)
        if len(self.request_log) > 100_000:
            del self.request_log[:50_000]
