"""The demo project: what `Simulator.demo()` puts in the world.

A production environment, four sandboxes in different situations (one with
two of its three daily operations used, one out of quota for another hour,
one busy with a refresh right now, one free), two customer-managed dev
boxes (one running, one stopped), about three dozen backups and a few weeks
of history. Everything is placed relative to the clock's start, so the demo
always looks current.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lcs_tui.simulator import demo
from lcs_tui.simulator.lifecycle import Outcome
from lcs_tui.simulator.records import CUSTOMER_MANAGED, PRODUCTION
from lcs_tui.simulator.world import MIB

if TYPE_CHECKING:
    from lcs_tui.simulator.simulator import Simulator

_PEOPLE = (
    "Ana Admin (demo)",
    "Ben Builder (demo)",
    "Cleo Consultant (demo)",
    "Dev Ops Pipeline (demo)",
)


def _environments(sim: Simulator, now: datetime) -> None:
    tier2 = "Finance and Operations - Standard Acceptance Test"
    common: dict[str, Any] = {
        "application_build_version": "10.0.2177.52",
        "application_release_name": "10.0.45",
        "platform_release_name": "Update69",
        "platform_version": "7.0.7606.107",
    }
    sim.add_environment(
        demo.PROD_ENVIRONMENT_NAME,
        environment_id=demo.PROD_ENVIRONMENT_ID,
        environment_type=PRODUCTION,
        topology="Finance and Operations - Production",
        endpoint_base_url="https://contoso-prod.operations.dynamics.com/",
        deployed_on=datetime(2021, 8, 5, 23, 0),
        application_build_version="10.0.2095.164",
        application_release_name="10.0.44",
        platform_release_name="Update68",
        platform_version="7.0.7521.165",
    )
    sim.add_environment(
        demo.UAT_ENVIRONMENT_NAME,
        environment_id=demo.UAT_ENVIRONMENT_ID,
        topology=tier2,
        deployed_on=datetime(2021, 6, 14, 9, 30),
        **common,
    )
    sim.add_environment(
        demo.TEST_ENVIRONMENT_NAME,
        environment_id=demo.TEST_ENVIRONMENT_ID,
        topology=tier2,
        deployed_on=datetime(2022, 2, 1, 13, 5),
        application_build_version="10.0.2095.164",
        application_release_name="10.0.44",
        platform_release_name="Update68",
        platform_version="7.0.7521.165",
    )
    sim.add_environment(
        demo.TRAIN_ENVIRONMENT_NAME,
        environment_id=demo.TRAIN_ENVIRONMENT_ID,
        topology=tier2,
        deployed_on=datetime(2023, 3, 20, 7, 45),
        **common,
    )
    sim.add_environment(
        demo.PERF_ENVIRONMENT_NAME,
        environment_id=demo.PERF_ENVIRONMENT_ID,
        topology="Finance and Operations - Premier Acceptance Test",
        deployed_on=datetime(2024, 1, 9, 16, 20),
        disaster_recovery_location=None,
        **common,
    )
    dev_box: dict[str, Any] = {
        "environment_type": "DevTestDev",
        "infrastructure": CUSTOMER_MANAGED,
        "group": None,
        "disaster_recovery_location": None,
        "cloud_storage_location": "West Europe",
    }
    sim.add_environment(
        demo.DEV_ENVIRONMENT_NAME,
        environment_id=demo.DEV_ENVIRONMENT_ID,
        topology="Finance and Operations - Develop",
        endpoint_base_url="https://contoso-dev01.cloudax.dynamics.com/",
        deployed_on=now - timedelta(days=41, hours=3),
        **dev_box,
        **common,
    )
    sim.add_environment(
        demo.BUILD_ENVIRONMENT_NAME,
        environment_id=demo.BUILD_ENVIRONMENT_ID,
        topology="Finance and Operations - Build and Test",
        endpoint_base_url="https://contoso-build.cloudax.dynamics.com/",
        deployed_on=now - timedelta(days=97, hours=5),
        stopped=True,
        application_release_name=None,
        application_build_version=None,
        **dev_box,
    )


def _operations(sim: Simulator, now: datetime) -> None:
    prod, uat, test = demo.PROD_ENVIRONMENT_ID, demo.UAT_ENVIRONMENT_ID, demo.TEST_ENVIRONMENT_ID
    train, perf = demo.TRAIN_ENVIRONMENT_ID, demo.PERF_ENVIRONMENT_ID

    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    def refresh(
        target: str, source: str, hours_ago: float, outcome: Outcome, minutes: float = 0
    ) -> None:
        sim.add_operation(
            "refresh",
            environment_id=target,
            source_environment_id=source,
            started_at=ago(hours_ago),
            outcome=outcome,
            duration=timedelta(minutes=minutes) if minutes else None,
        )

    def export(env: str, prefix: str, hours_ago: float, minutes: float = 0) -> None:
        started = ago(hours_ago)
        sim.add_operation(
            "export",
            environment_id=env,
            started_at=started,
            backup_name=f"{prefix}-{started:%Y-%m-%d}",
            outcome="success",
            duration=timedelta(minutes=minutes) if minutes else None,
        )

    # UAT: two of its three daily operations used.
    refresh(uat, prod, 15 * 24 + 2, "success")
    refresh(uat, prod, 8 * 24 + 5, "success")
    export(uat, "uat-before-update", 8 * 24 + 1)
    refresh(uat, prod, 20, "success", minutes=120)
    export(uat, "uat-golden", 3, minutes=40)
    # TEST: free, with a rolled-back refresh last week.
    refresh(test, uat, 6 * 24 + 4, "rollback")
    refresh(test, uat, 6 * 24 - 2, "success")
    export(test, "test-regression-baseline", 4 * 24)
    refresh(test, uat, 30, "success")
    # TRAIN: three operations in 24 hours; the quota frees in an hour.
    refresh(train, prod, 23, "success")
    refresh(train, prod, 12, "failure")
    refresh(train, prod, 2, "success", minutes=90)
    # PERF: a refresh from production is running right now.
    refresh(perf, prod, 40 / 60, "success", minutes=150)


def _history(sim: Simulator, now: datetime) -> None:
    def d(days: float, hours: float = 0.0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    sim.add_history_entry(
        demo.PROD_ENVIRONMENT_ID,
        name="Service update 10.0.44 (7.0.7521.165)",
        type="Servicing",
        type_display="Apply updates",
        started_at=d(26, 6),
        ended_at=d(26, 3.5),
        status="Completed",
    )
    sim.add_history_entry(
        demo.PROD_ENVIRONMENT_ID,
        name="Deployable package ContosoRelease-2026.11.1",
        type="ApplyCustomization",
        type_display="Apply deployable package",
        started_at=d(5, 10),
        ended_at=d(5, 8.75),
        status="Completed",
    )
    sim.add_history_entry(
        demo.UAT_ENVIRONMENT_ID,
        name="Service update 10.0.45 (7.0.7606.107)",
        type="Servicing",
        type_display="Apply updates",
        started_at=d(7, 9),
        ended_at=d(7, 6),
        status="Completed",
    )
    sim.add_history_entry(
        demo.TRAIN_ENVIRONMENT_ID,
        name="Service update 10.0.45 (7.0.7606.107)",
        type="Servicing",
        type_display="Apply updates",
        started_at=d(6, 9),
        ended_at=d(6, 8),
        status="Failed",
    )
    sim.add_history_entry(
        demo.TRAIN_ENVIRONMENT_ID,
        name="Service update 10.0.45 (7.0.7606.107) - resume",
        type="Servicing",
        type_display="Apply updates",
        started_at=d(6, 7),
        ended_at=d(6, 5),
        status="Completed",
    )
    sim.add_history_entry(
        demo.DEV_ENVIRONMENT_ID,
        name="Deploy environment",
        type="Deploy",
        type_display="Deploy",
        started_at=d(41, 5),
        ended_at=d(41, 3),
        status="Completed",
    )


def _backups(sim: Simulator, now: datetime, rng: random.Random) -> None:
    moments = sorted(
        (now - timedelta(days=rng.uniform(1.5, 150)) for _ in range(34)),
        reverse=True,
    )
    used: set[str] = set()
    for index, moment in enumerate(moments):
        day = f"{moment:%Y-%m-%d}"
        pattern = index % 6
        if pattern == 0:
            name, description = f"prod-copy-{day}", "Production copy taken through a sandbox"
        elif pattern == 1:
            name, description = f"uat-golden-{day}", "Golden configuration for UAT sign-off"
        elif pattern == 2:
            name, description = f"test-baseline-v{40 - index}", None
        elif pattern == 3:
            name, description = f"migration-dryrun-{index // 6 + 1}", "Data migration dry run"
        elif pattern == 4:
            name, description = f"train-reset-{day}", "Training reset point"
        else:
            name, description = f"perf-before-load-test-{day}", None
        if name in used:
            name = f"{name}-{index}"
        used.add(name)
        # Some older backups were uploaded by hand under another file name.
        file_name = f"AxDB_{moment:%Y%m%d_%H%M}.bacpac" if index % 7 == 6 else None
        sim.add_backup(
            name,
            size=rng.randint(12 * MIB, 190 * MIB),
            created=moment,
            file_name=file_name,
            description=description,
            created_by=rng.choice(_PEOPLE),
        )


def seed_demo_project(sim: Simulator, seed: int) -> None:
    now = sim.clock.now()
    rng = random.Random(f"{seed}/demo")
    _environments(sim, now)
    _operations(sim, now)
    _history(sim, now)
    _backups(sim, now, rng)
