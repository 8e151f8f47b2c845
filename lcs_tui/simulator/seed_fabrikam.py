"""The demo's second project, Fabrikam: what `Simulator.demo(fabrikam=True)` adds.

A production environment and four sandboxes in their own situations (a
refresh running right now, a refresh that failed this morning, two of
three daily operations used, one free), a dozen backups and a few weeks of
history — in the same tenant as Contoso, the demo users members of both.

Everything random here (ids, times, sizes) comes from a generator of its
own, and the simulator numbers operations per project: seeding Fabrikam
after Contoso leaves Contoso's records, and every id and draw the simulator
makes for it later, exactly as without Fabrikam (tests and snapshots rely
on them).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lcs_tui.simulator import demo
from lcs_tui.simulator.lifecycle import Outcome
from lcs_tui.simulator.records import PRODUCTION
from lcs_tui.simulator.world import MIB

if TYPE_CHECKING:
    from lcs_tui.simulator.simulator import Simulator

PROJECT = demo.FABRIKAM_PROJECT_ID
BACKUP_COUNT = 12

_PEOPLE = (
    "Fiona Finance (demo)",
    "Gus Go-live (demo)",
    "Hana Helpdesk (demo)",
    "Dev Ops Pipeline (demo)",
)


class _Ids:
    """GUIDs from Fabrikam's own generator (never the world's shared one)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def _environments(sim: Simulator, now: datetime) -> None:
    common: dict[str, Any] = {
        "project_id": PROJECT,
        "application_build_version": "10.0.2177.52",
        "application_release_name": "10.0.45",
        "platform_release_name": "Update69",
        "platform_version": "7.0.7606.107",
        "cloud_storage_location": "North Europe",
        "disaster_recovery_location": "West Europe",
    }
    tier2 = "Finance and Operations - Standard Acceptance Test"
    sim.add_environment(
        demo.FAB_PROD_ENVIRONMENT_NAME,
        environment_id=demo.FAB_PROD_ENVIRONMENT_ID,
        environment_type=PRODUCTION,
        topology="Finance and Operations - Production",
        endpoint_base_url="https://fabrikam-prod.operations.dynamics.com/",
        deployed_on=datetime(2022, 4, 11, 6, 0),
        **common,
    )
    sandboxes = (
        (demo.FAB_UAT_ENVIRONMENT_NAME, demo.FAB_UAT_ENVIRONMENT_ID, datetime(2022, 1, 17)),
        (demo.FAB_TEST_ENVIRONMENT_NAME, demo.FAB_TEST_ENVIRONMENT_ID, datetime(2022, 1, 18)),
        (demo.FAB_TRAIN_ENVIRONMENT_NAME, demo.FAB_TRAIN_ENVIRONMENT_ID, datetime(2023, 9, 4)),
        (demo.FAB_STAGE_ENVIRONMENT_NAME, demo.FAB_STAGE_ENVIRONMENT_ID, now - timedelta(days=63)),
    )
    for name, env_id, deployed in sandboxes:
        sim.add_environment(
            name, environment_id=env_id, topology=tier2, deployed_on=deployed, **common
        )


def _operations(sim: Simulator, now: datetime, new_id: _Ids) -> None:
    prod, uat = demo.FAB_PROD_ENVIRONMENT_ID, demo.FAB_UAT_ENVIRONMENT_ID
    test, train = demo.FAB_TEST_ENVIRONMENT_ID, demo.FAB_TRAIN_ENVIRONMENT_ID
    stage = demo.FAB_STAGE_ENVIRONMENT_ID

    def refresh(
        target: str, source: str, hours_ago: float, outcome: Outcome, minutes: float = 0
    ) -> None:
        sim.add_operation(
            "refresh",
            environment_id=target,
            source_environment_id=source,
            started_at=now - timedelta(hours=hours_ago),
            outcome=outcome,
            duration=timedelta(minutes=minutes) if minutes else None,
            created_by=_PEOPLE[1],
            project_id=PROJECT,
            activity_id=new_id(),
        )

    def export(env: str, prefix: str, hours_ago: float, minutes: float = 0) -> None:
        started = now - timedelta(hours=hours_ago)
        sim.add_operation(
            "export",
            environment_id=env,
            started_at=started,
            backup_name=f"{prefix}-{started:%Y-%m-%d-%H%M}",
            outcome="success",
            duration=timedelta(minutes=minutes) if minutes else None,
            created_by=_PEOPLE[3],
            project_id=PROJECT,
            activity_id=new_id(),
        )

    # UAT: a refresh from production is running right now.
    refresh(uat, prod, 9 * 24 + 3, "success")
    refresh(uat, prod, 25 / 60, "success", minutes=150)
    # TEST: this morning's refresh failed (the overview's most urgent row).
    export(test, "fab-test-before-refresh", 2 * 24 + 6)
    refresh(test, uat, 5, "failure")
    # TRAIN: free; refreshed almost two weeks ago.
    refresh(train, prod, 12 * 24 + 1, "success")
    # STAGE: two of its three daily operations used.
    export(stage, "fab-stage-cutover", 10, minutes=45)
    export(stage, "fab-stage-cutover", 4, minutes=50)


def _history(sim: Simulator, now: datetime, new_id: _Ids) -> None:
    def entry(env: str, name: str, kind: tuple[str, str], days: float, hours: float) -> None:
        started = now - timedelta(days=days)
        sim.add_history_entry(
            env,
            name=name,
            type=kind[0],
            type_display=kind[1],
            started_at=started,
            ended_at=started + timedelta(hours=hours),
            status="Completed",
            project_id=PROJECT,
            activity_id=new_id(),
        )

    servicing = ("Servicing", "Apply updates")
    package = ("ApplyCustomization", "Apply deployable package")
    update = "Service update 10.0.45 (7.0.7606.107)"
    entry(demo.FAB_PROD_ENVIRONMENT_ID, update, servicing, 11, 2.5)
    entry(demo.FAB_UAT_ENVIRONMENT_ID, update, servicing, 14, 3)
    entry(demo.FAB_PROD_ENVIRONMENT_ID, "Deployable package FabrikamRetail-26.11", package, 3, 1.2)
    entry(demo.FAB_UAT_ENVIRONMENT_ID, "Deployable package FabrikamRetail-26.11", package, 4, 1)


def _backups(sim: Simulator, now: datetime, rng: random.Random, new_id: _Ids) -> None:
    moments = sorted(
        (now - timedelta(days=rng.uniform(1.5, 90)) for _ in range(BACKUP_COUNT)),
        reverse=True,
    )
    used: set[str] = set()
    for index, moment in enumerate(moments):
        day = f"{moment:%Y-%m-%d}"
        pattern = index % 4
        if pattern == 0:
            name, description = f"fab-prod-copy-{day}", "Production copy for the UAT cycle"
        elif pattern == 1:
            name, description = f"fab-uat-signoff-{day}", "UAT signed off"
        elif pattern == 2:
            name, description = f"fab-cutover-rehearsal-{index // 4 + 1}", "Go-live rehearsal"
        else:
            name, description = f"fab-train-reset-{day}", None
        if name in used:
            name = f"{name}-{index}"
        used.add(name)
        sim.add_backup(
            name,
            size=rng.randint(15 * MIB, 160 * MIB),
            created=moment,
            description=description,
            created_by=rng.choice(_PEOPLE),
            project_id=PROJECT,
            backup_id=new_id(),
        )


def seed_fabrikam_project(sim: Simulator, seed: int) -> None:
    """Add Fabrikam to a world that holds Contoso (call after `seed_demo_project`)."""
    now = sim.clock.now()
    rng = random.Random(f"{seed}/fabrikam")
    new_id = _Ids(random.Random(f"{seed}/fabrikam/ids"))
    sim.add_project(
        PROJECT,
        demo.FABRIKAM_PROJECT_NAME,
        members=(demo.USERNAME, demo.MFA_USERNAME),
        organization_id=new_id(),
    )
    _environments(sim, now)
    _operations(sim, now, new_id)
    _history(sim, now, new_id)
    _backups(sim, now, rng, new_id)
