"""The whole simulated state, behind one lock.

The LCS handlers, the sign-in handlers and the `Simulator` facade all work
on one `World`. Every handler runs with `world.lock` held (the loopback
server answers from several threads), except the blob body streaming, which
only reads immutable data.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lcs_tui.simulator import demo
from lcs_tui.simulator.clock import Clock
from lcs_tui.simulator.directory import Directory
from lcs_tui.simulator.exchange import LogEntry
from lcs_tui.simulator.faults import Faults
from lcs_tui.simulator.formats import same_id
from lcs_tui.simulator.lifecycle import COMPLETED, Interlude, OperationKind, Outcome, draw_plan
from lcs_tui.simulator.powerplatform.state import PowerPlatform, PpSettings
from lcs_tui.simulator.ratelimits import RateLimiter
from lcs_tui.simulator.records import Backup, Environment, HistoryEntry, Operation, Origin, Project
from lcs_tui.simulator.tokens import TokenStore

MIB = 1024 * 1024
#: The request log keeps at most this many entries (the oldest half goes).
REQUEST_LOG_LIMIT = 100_000


@dataclass(frozen=True)
class Settings:
    """Tunables of one simulator; see `Simulator.__init__` for their meaning."""

    seed: int = 0
    failure_rate: float = 0.0
    token_lifetime: timedelta = timedelta(hours=1)
    env_page_size: int = 4
    history_page_size: int = 10
    device_code_interval: int = 5
    device_code_lifetime: timedelta = timedelta(minutes=15)
    device_code_auto_approve_after: float | None = None
    sas_lifetime: timedelta = timedelta(days=1)
    md5_max_size: int = 256 * MIB
    blob_host: str = demo.BLOB_HOST
    start_duration: timedelta = timedelta(minutes=8)
    stop_duration: timedelta = timedelta(minutes=4)
    powerplatform: PpSettings = field(default_factory=PpSettings)


class World:
    def __init__(self, clock: Clock, settings: Settings, rate_time: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.settings = settings
        self._ids = random.Random(f"{settings.seed}/ids")
        self.directory = Directory()
        self.tokens = TokenStore()
        self.projects: dict[int, Project] = {}
        self.environments: list[Environment] = []
        self.backups: list[Backup] = []
        self.operations: list[Operation] = []
        self.history: list[HistoryEntry] = []
        self.limiter = RateLimiter(rate_time)
        self.faults = Faults(self.arm_unknown_status)
        self.request_log: list[LogEntry] = []
        #: The tenant's Power Platform side (its own generators: see state.py).
        self.powerplatform = PowerPlatform(
            settings.seed, settings.failure_rate, settings.powerplatform
        )
        self._interlude_windows: list[Interlude] = []
        # Signs the SAS links; fresh per simulator so links never outlive it.
        self.sas_key = secrets.token_bytes(32)

    def now(self) -> datetime:
        return self.clock.now()

    def new_guid(self) -> str:
        """A GUID from the seeded generator: same seed, same ids, same demo."""
        with self.lock:
            return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    # --- lookups ------------------------------------------------------------------

    def project(self, project_id: int) -> Project | None:
        return self.projects.get(project_id)

    def environment(self, project_id: int, environment_id: str) -> Environment | None:
        for env in self.environments:
            if env.project_id == project_id and same_id(env.environment_id, environment_id):
                return env
        return None

    def environment_by_id(self, environment_id: str) -> Environment | None:
        for env in self.environments:
            if same_id(env.environment_id, environment_id):
                return env
        return None

    def project_environments(self, project_id: int) -> list[Environment]:
        return [env for env in self.environments if env.project_id == project_id]

    def operations_charged_to(self, environment_id: str) -> list[Operation]:
        return [op for op in self.operations if same_id(op.environment_id, environment_id)]

    def running_operation_on(
        self, environment_id: str, *, reads_too: bool = False
    ) -> Operation | None:
        """An unfinished operation charged to the environment (a refresh
        overwriting it, an export of it); with `reads_too`, also a refresh
        that is copying from it."""
        now = self.now()
        for op in self.operations:
            involved = same_id(op.environment_id, environment_id) or (
                reads_too
                and op.kind == "refresh"
                and same_id(op.source_environment_id, environment_id)
            )
            if involved and op.started_at <= now and not op.finished(now):
                return op
        return None

    def project_backups(self, project_id: int) -> list[Backup]:
        self.settle_exports()
        return [b for b in self.backups if b.project_id == project_id]

    def backup_by_id(self, backup_id: str) -> Backup | None:
        self.settle_exports()
        for backup in self.backups:
            if backup.backup_id == backup_id:
                return backup
        return None

    # --- changes --------------------------------------------------------------------

    def start_operation(
        self,
        kind: OperationKind,
        *,
        project_id: int,
        source_environment_id: str,
        target_environment_id: str | None,
        backup_name: str | None,
        started_at: datetime,
        created_by: str,
        origin: Origin,
        activity_id: str | None = None,
        outcome: Outcome | None = None,
        duration: timedelta | None = None,
    ) -> Operation:
        # Numbered within its project: operations of one project never shift
        # the draws of another's (the demo's second project leaves the first
        # exactly as it was).
        sequence = sum(1 for op in self.operations if op.project_id == project_id)
        if outcome is None and origin == "api":
            outcome = self.faults.take_forced_failure()
        # Each operation draws from its own stream: its fate does not depend
        # on how many requests came before it.
        stream = "" if project_id == demo.PROJECT_ID else f"project/{project_id}/"
        rng = random.Random(f"{self.settings.seed}/{stream}operation/{sequence}")
        plan = draw_plan(kind, rng, self.settings.failure_rate, outcome, duration)
        op = Operation(
            sequence=sequence,
            activity_id=activity_id or self.new_guid(),
            kind=kind,
            project_id=project_id,
            source_environment_id=source_environment_id,
            target_environment_id=target_environment_id,
            backup_name=backup_name,
            started_at=started_at,
            plan=plan,
            created_by=created_by,
            origin=origin,
        )
        for window in self._interlude_windows:
            if window.start <= started_at < window.end:
                op.interludes.append(Interlude(started_at, window.length, window.word))
        self.operations.append(op)
        return op

    def arm_unknown_status(self, word: str, minutes: float) -> None:
        with self.lock:
            now = self.now()
            length = timedelta(minutes=minutes)
            self._interlude_windows.append(Interlude(now, length, word))
            for op in self.operations:
                if op.started_at <= now and not op.finished(now):
                    op.interludes.append(Interlude(now, length, word))

    def settle_exports(self) -> None:
        """Put the backup of every export that has completed into the asset library."""
        now = self.now()
        for op in self.operations:
            if op.kind != "export" or op.backup_id is not None or op.backup_name is None:
                continue
            status, completed = op.status(now)
            if status != COMPLETED or completed is None:
                continue
            rng = random.Random(f"{self.settings.seed}/backup/{op.activity_id}")
            backup = Backup(
                backup_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                project_id=op.project_id,
                name=op.backup_name,
                file_name=f"{op.backup_name}.bacpac",
                size=rng.randint(10 * MIB, 200 * MIB),
                created=completed,
                modified=completed,
                created_by=op.created_by,
                modified_by=op.created_by,
                description=f"Exported from {self._env_name(op.source_environment_id)}",
            )
            op.backup_id = backup.backup_id
            self.backups.append(backup)

    def _env_name(self, environment_id: str) -> str:
        env = self.environment_by_id(environment_id)
        return env.name if env else environment_id

    def log(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.request_log.append(LogEntry(method, path, status))
            # A demo left running for days must not grow without bound.
            if len(self.request_log) > REQUEST_LOG_LIMIT:
                del self.request_log[: REQUEST_LOG_LIMIT // 2]
