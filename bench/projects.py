"""Several demo-like projects on one simulator, for the workspace benchmarks.

The first project is the demo's Contoso (`Simulator.demo()`); every other one
is seeded here in Contoso's shape — seven environments (production, four
sandboxes, two customer-managed dev boxes), 37 backups (34 in the asset
library and three finished exports), the same dozen past operations, a
refresh running on the last sandbox and a few servicing lines in the
history — under its own names, ids and project id. So a workspace of any of
them loads the same calls and draws the same rows as Contoso's.

`add_watched` adds exports "started in the portal" that run for hours, so
that each workspace watches a given number of operations.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lcs_tui.simulator import Simulator, demo
from lcs_tui.simulator.demo import DemoProject
from lcs_tui.simulator.lifecycle import Outcome

#: Where the projects seeded here start (Contoso is demo.PROJECT_ID).
FIRST_PROJECT_ID = 3_100_000
SANDBOX_ROLES = ("uat", "test", "train", "perf")
_ROLES = ("prod", *SANDBOX_ROLES, "dev", "build")
_CONTOSO_IDS = {
    "prod": demo.PROD_ENVIRONMENT_ID,
    "uat": demo.UAT_ENVIRONMENT_ID,
    "test": demo.TEST_ENVIRONMENT_ID,
    "train": demo.TRAIN_ENVIRONMENT_ID,
    "perf": demo.PERF_ENVIRONMENT_ID,
    "dev": demo.DEV_ENVIRONMENT_ID,
    "build": demo.BUILD_ENVIRONMENT_ID,
}
_PEOPLE = ("Ana Admin (demo)", "Ben Builder (demo)", "Cleo Consultant (demo)")


@dataclass(frozen=True)
class BenchProject:
    """One project of the bench simulator and the ids its workspace sees."""

    demo: DemoProject
    #: Environment ids by role: prod, uat, test, train, perf, dev, build.
    environments: dict[str, str]

    @property
    def project_id(self) -> int:
        return self.demo.project_id

    @property
    def sandboxes(self) -> tuple[str, ...]:
        return tuple(self.environments[role] for role in SANDBOX_ROLES)


def contoso() -> BenchProject:
    return BenchProject(demo.CONTOSO, dict(_CONTOSO_IDS))


def simulator(count: int, **demo_kwargs: Any) -> tuple[Simulator, list[BenchProject]]:
    """`Simulator.demo(**demo_kwargs)` with `count` projects in Contoso's shape, Contoso first."""
    sim = Simulator.demo(**demo_kwargs)
    projects = [contoso()]
    for index in range(1, count):
        projects.append(seed_project(sim, index))
    return sim, projects


def seed_project(sim: Simulator, index: int) -> BenchProject:
    """Add project number `index` (1, 2, ...) in Contoso's shape; the demo user is a member."""
    project_id = FIRST_PROJECT_ID + index
    tag = f"PRJ{index:02d}"
    name = f"Project {index:02d} (benchmark)"
    sim.add_project(project_id, name, members=(demo.USERNAME, demo.MFA_USERNAME))
    ids = {role: _environment_id(project_id, n) for n, role in enumerate(_ROLES)}
    now = sim.clock.now()
    rng = random.Random(f"bench/{project_id}")
    _environments(sim, project_id, tag, ids, now)
    _operations(sim, project_id, ids, now)
    _history(sim, project_id, ids, now)
    _backups(sim, project_id, tag.lower(), now, rng)
    return BenchProject(DemoProject(tag.lower(), project_id, name), ids)


def add_watched(
    sim: Simulator,
    project: BenchProject,
    count: int,
    *,
    start: datetime | None = None,
    prefix: str = "bench-watch",
) -> None:
    """`count` exports started in the portal a few minutes before `start` (default: now),
    running for ten hours across the project's sandboxes: the app finds them
    running in the history and watches them, as it would for real."""
    moment = start or sim.clock.now()
    sandboxes = project.sandboxes
    for i in range(count):
        sim.add_operation(
            "export",
            environment_id=sandboxes[i % len(sandboxes)],
            started_at=moment - timedelta(minutes=5 + i),
            backup_name=f"{prefix}-{project.demo.profile}-{i:02d}",
            outcome="success",
            duration=timedelta(hours=10),
            project_id=project.project_id,
        )


def profiles(projects: Sequence[BenchProject]) -> list[DemoProject]:
    return [p.demo for p in projects]


# -- Contoso's shape (lcs_tui/simulator/seed.py), under other names -------------------------


def _environment_id(project_id: int, n: int) -> str:
    guid = uuid.UUID(int=(0xBE7C << 112) | (project_id << 32) | n, version=4)
    # LCS mixes both forms of environment ids; so does Contoso.
    return guid.hex if n % 2 == 0 else str(guid)


def _environments(
    sim: Simulator, project_id: int, tag: str, ids: dict[str, str], now: datetime
) -> None:
    tier2 = "Finance and Operations - Standard Acceptance Test"
    sim.add_environment(
        f"{tag}-PROD",
        environment_id=ids["prod"],
        project_id=project_id,
        environment_type="Production",
        topology="Finance and Operations - Production",
        deployed_on=datetime(2021, 8, 5, 23, 0),
        application_release_name="10.0.44",
    )
    for role in SANDBOX_ROLES:
        sim.add_environment(
            f"{tag}-{role.upper()}",
            environment_id=ids[role],
            project_id=project_id,
            topology=tier2,
            deployed_on=datetime(2022, 2, 1, 13, 5),
        )
    for role, stopped in (("dev", False), ("build", True)):
        sim.add_environment(
            f"{tag}-{role.upper()}01",
            environment_id=ids[role],
            project_id=project_id,
            environment_type="DevTestDev",
            infrastructure="CustomerManaged",
            stopped=stopped,
            topology="Finance and Operations - Develop",
            group=None,
            disaster_recovery_location=None,
            deployed_on=now - timedelta(days=41),
        )


def _operations(sim: Simulator, project_id: int, ids: dict[str, str], now: datetime) -> None:
    prod = ids["prod"]

    def refresh(target: str, source: str, hours: float, outcome: Outcome, minutes: float) -> None:
        sim.add_operation(
            "refresh",
            environment_id=ids[target],
            source_environment_id=source,
            started_at=now - timedelta(hours=hours),
            outcome=outcome,
            duration=timedelta(minutes=minutes),
            project_id=project_id,
        )

    def export(role: str, prefix: str, hours: float) -> None:
        started = now - timedelta(hours=hours)
        sim.add_operation(
            "export",
            environment_id=ids[role],
            started_at=started,
            backup_name=f"{prefix}-{started:%Y-%m-%d}",
            outcome="success",
            duration=timedelta(minutes=40),
            project_id=project_id,
        )

    # As Contoso: UAT two of three used, TEST free, TRAIN out of quota, PERF busy.
    refresh("uat", prod, 15 * 24 + 2, "success", 110)
    refresh("uat", prod, 8 * 24 + 5, "success", 95)
    export("uat", "uat-before-update", 8 * 24 + 1)
    refresh("uat", prod, 20, "success", 120)
    export("uat", "uat-golden", 3)
    refresh("test", ids["uat"], 6 * 24 + 4, "rollback", 80)
    refresh("test", ids["uat"], 6 * 24 - 2, "success", 100)
    export("test", "test-regression-baseline", 4 * 24)
    refresh("test", ids["uat"], 30, "success", 90)
    refresh("train", prod, 23, "success", 100)
    refresh("train", prod, 12, "failure", 60)
    refresh("train", prod, 2, "success", 90)
    refresh("perf", prod, 40 / 60, "success", 150)  # running now


def _history(sim: Simulator, project_id: int, ids: dict[str, str], now: datetime) -> None:
    for role, days, status in (("prod", 26, "Completed"), ("uat", 7, "Completed")):
        sim.add_history_entry(
            ids[role],
            name="Service update 10.0.45 (7.0.7606.107)",
            type="Servicing",
            type_display="Apply updates",
            started_at=now - timedelta(days=days, hours=3),
            ended_at=now - timedelta(days=days),
            status=status,
            project_id=project_id,
        )


def _backups(
    sim: Simulator, project_id: int, prefix: str, now: datetime, rng: random.Random
) -> None:
    moments = sorted((now - timedelta(days=rng.uniform(1.5, 150)) for _ in range(34)), reverse=True)
    for index, moment in enumerate(moments):
        sim.add_backup(
            f"{prefix}-backup-{moment:%Y-%m-%d}-{index:02d}",
            size=rng.randint(12, 190) * 1024 * 1024,
            created=moment,
            description="Golden configuration" if index % 3 == 0 else None,
            created_by=rng.choice(_PEOPLE),
            project_id=project_id,
        )
