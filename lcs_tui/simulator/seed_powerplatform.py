"""The tenant's Power Platform side: what `Simulator.demo(powerplatform=True)` adds.

Contoso in 2026 lives in both worlds. Its LCS environments appear in the
Power Platform admin center as linked environments (PROD, UAT and PERF with
the Power Platform integration, TEST and TRAIN without Dataverse yet, the
DEV01 dev box), and the unified future is being built beside them: a UPE,
unified sandboxes (one in administration mode after a restore, one
managed, one in the US), two UDEs (one free, one being copied into right
now), a plain Dataverse environment, the Default one, a trial and a Power
Platform developer environment. A failed copy yesterday, a restore stuck
for 26 hours, manual backups with labels, system backups every day.
With Fabrikam seeded, its LCS environments are linked too.

Seeded after the LCS projects, from generators of its own (the Power
Platform side's ids and operation draws, and "{seed}/powerplatform/demo"
here): every LCS record, id and later draw stays as without it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lcs_tui.simulator import demo
from lcs_tui.simulator.records import PRODUCTION, Environment

if TYPE_CHECKING:
    from lcs_tui.simulator.powerplatform.facade import EnvironmentKind
    from lcs_tui.simulator.simulator import Simulator

MIB_PER_GB = 1024.0
#: Unified environments' versions: the UPE on 10.0.45, the sandbox testing 10.0.46.
V45 = ("10.0.2177.52", "7.0.7606.107")
V46 = ("10.0.2251.31", "7.0.7690.44")
V44 = ("10.0.2095.164", "7.0.7521.165")
SECURITY_GROUP = "00000000-d365-4000-b000-00000000a5e1"


def _lcs_kind(env: Environment) -> EnvironmentKind:
    if env.environment_type == PRODUCTION:
        return "LcsProduction"
    url = (env.endpoint_base_url or "").lower()
    return "LcsDevbox" if "cloudax" in url or "axcloud" in url else "LcsSandbox"


def _linked(
    sim: Simulator,
    links: tuple[tuple[str, str, str], ...],
    project_id: int,
    integrated: set[str],
    azure_region: str,
    rng: random.Random,
    now: datetime,
) -> None:
    records = {env.environment_id: env for env in sim.environments(project_id)}
    for pp_id, lcs_id, name in links:
        lcs = records.get(lcs_id)
        if lcs is None:
            continue
        kind = _lcs_kind(lcs)
        sim.add_pp_environment(
            name,
            kind=kind,
            environment_id=pp_id,
            linked_environment_id=lcs_id,
            finops_url=lcs.endpoint_base_url,
            azure_region=azure_region,
            dataverse=name in integrated,
            application_version=lcs.application_build_version or V45[0],
            platform_version=lcs.platform_version or V45[1],
            created=lcs.deployed_on or now - timedelta(days=900),
            created_by="Ana Admin (demo)",
            database_mb=rng.uniform(0.8, 3.0) * MIB_PER_GB,
            file_mb=rng.uniform(0.2, 1.5) * MIB_PER_GB,
        )


def _unified(sim: Simulator, rng: random.Random, now: datetime) -> None:
    def days(n: float) -> datetime:
        return now - timedelta(days=n)

    unified: list[tuple[str, str, EnvironmentKind, tuple[str, str], float, dict[str, object]]] = [
        (demo.PP_UPE_ENVIRONMENT_ID, demo.PP_UPE_ENVIRONMENT_NAME, "UPE", V45, 150, {}),
        (demo.PP_USE_ENVIRONMENT_ID, demo.PP_USE_ENVIRONMENT_NAME, "USE", V46, 140, {}),
        (
            demo.PP_USE_ADMIN_MODE_ENVIRONMENT_ID,
            demo.PP_USE_ADMIN_MODE_ENVIRONMENT_NAME,
            "USE",
            V45,
            139,
            {},
        ),
        (
            demo.PP_USE_MANAGED_ENVIRONMENT_ID,
            demo.PP_USE_MANAGED_ENVIRONMENT_NAME,
            "USE",
            V45,
            60,
            {"managed": True},
        ),
        (
            demo.PP_USE_US_ENVIRONMENT_ID,
            demo.PP_USE_US_ENVIRONMENT_NAME,
            "USE",
            V45,
            45,
            {"geo": "unitedstates"},
        ),
        (demo.PP_UDE_ENVIRONMENT_ID, demo.PP_UDE_ENVIRONMENT_NAME, "UDE", V46, 40, {}),
        (demo.PP_UDE_BUSY_ENVIRONMENT_ID, demo.PP_UDE_BUSY_ENVIRONMENT_NAME, "UDE", V44, 35, {}),
    ]
    for env_id, name, kind, (app, platform), age, extra in unified:
        created = days(age)
        sim.add_pp_environment(
            name,
            kind=kind,
            environment_id=env_id,
            application_version=app,
            platform_version=platform,
            created=created,
            created_by="Ana Admin (demo)" if kind != "UDE" else "Ben Builder (demo)",
            security_group_id=SECURITY_GROUP,
            database_mb=rng.uniform(4.0, 12.0) * MIB_PER_GB,
            file_mb=rng.uniform(1.0, 4.0) * MIB_PER_GB,
            **extra,  # type: ignore[arg-type]
        )
        sim.add_pp_operation(
            "Provision",
            environment_id=env_id,
            started_at=created,
            outcome="success",
            duration=timedelta(minutes=rng.uniform(70, 110)),
            created_by="Ana Admin (demo)",
        )


def _plain(sim: Simulator, rng: random.Random, now: datetime) -> None:
    plain: list[tuple[str, str, EnvironmentKind, float, set[str], dict[str, object]]] = [
        (
            demo.PP_DEFAULT_ENVIRONMENT_ID,
            demo.PP_DEFAULT_ENVIRONMENT_NAME,
            "Default",
            1100,
            set(),
            {},
        ),
        (
            demo.PP_DATAVERSE_ENVIRONMENT_ID,
            demo.PP_DATAVERSE_ENVIRONMENT_NAME,
            "Dataverse",
            700,
            set(),
            {"environment_type": PRODUCTION, "retention_days": 7},
        ),
        (
            demo.PP_TRIAL_ENVIRONMENT_ID,
            demo.PP_TRIAL_ENVIRONMENT_NAME,
            "Trial",
            10,
            {demo.NOT_IN_PROJECT_USERNAME.lower()},
            {},
        ),
        (
            demo.PP_DEVELOPER_ENVIRONMENT_ID,
            demo.PP_DEVELOPER_ENVIRONMENT_NAME,
            "Developer",
            20,
            set(),
            {},
        ),
    ]
    for env_id, name, kind, age, makers, extra in plain:
        sim.add_pp_environment(
            name,
            kind=kind,
            environment_id=env_id,
            created=now - timedelta(days=age),
            domain_name="contoso" if kind == "Default" else None,
            makers=makers,
            database_mb=rng.uniform(0.4, 2.0) * MIB_PER_GB,
            file_mb=rng.uniform(0.1, 0.8) * MIB_PER_GB,
            **extra,  # type: ignore[arg-type]
        )


def _backups(sim: Simulator, now: datetime) -> None:
    def ago(days: float, hours: float = 0.0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    labels = (
        (demo.PP_UPE_ENVIRONMENT_ID, "fy25-audit", ago(33), "Cleo Consultant (demo)"),
        (demo.PP_UPE_ENVIRONMENT_ID, "before-go-live", ago(25), "Ana Admin (demo)"),
        (demo.PP_UPE_ENVIRONMENT_ID, "month-end-close-2026-10", ago(20), "Cleo Consultant (demo)"),
        (demo.PP_UPE_ENVIRONMENT_ID, "pre-release-2026.11", ago(6), "Dev Ops Pipeline (demo)"),
        (demo.PP_USE_ENVIRONMENT_ID, "before-10.0.46", ago(9), "Ana Admin (demo)"),
        (demo.PP_USE_ENVIRONMENT_ID, "before-data-fix", ago(5), "Cleo Consultant (demo)"),
        (demo.PP_USE_ENVIRONMENT_ID, "uat-signoff-10.0.46", ago(2), "Ana Admin (demo)"),
        (demo.PP_USE_ADMIN_MODE_ENVIRONMENT_ID, "test-baseline", ago(3, 1), "Ben Builder (demo)"),
        (demo.PP_UDE_ENVIRONMENT_ID, "ana-before-refresh", ago(3, 3), "Ana Admin (demo)"),
        (
            demo.PP_LCS_PROD_ENVIRONMENT_ID,
            "dualwrite-before-mapping-change",
            ago(12),
            "Cleo Consultant (demo)",
        ),
        (demo.PP_LCS_UAT_ENVIRONMENT_ID, "uat-dataverse-golden", ago(4), "Ana Admin (demo)"),
    )
    for env_id, label, point, who in labels:
        sim.add_pp_backup(env_id, label, point=point, created_by=who)


def _operations(sim: Simulator, now: datetime) -> None:
    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    ana, ben = demo.PP_UDE_ENVIRONMENT_ID, demo.PP_UDE_BUSY_ENVIRONMENT_ID
    # ANA: refreshed from the LCS UAT three days ago (then admin mode turned off).
    sim.add_pp_operation(
        "Copy",
        environment_id=ana,
        source_environment_id=demo.PP_LCS_UAT_ENVIRONMENT_ID,
        started_at=ago(74),
        outcome="success",
        duration=timedelta(hours=4, minutes=12),
        created_by="Ana Admin (demo)",
    )
    sim.set_pp_admin_mode(ana, False)
    # BEN: copied from the UPE ten days ago; a copy from the unified UAT runs now.
    sim.add_pp_operation(
        "Copy",
        environment_id=ben,
        source_environment_id=demo.PP_UPE_ENVIRONMENT_ID,
        started_at=ago(240),
        outcome="success",
        duration=timedelta(hours=3, minutes=5),
        created_by="Ben Builder (demo)",
    )
    sim.set_pp_admin_mode(ben, False)
    sim.add_pp_operation(
        "Copy",
        environment_id=ben,
        source_environment_id=demo.PP_USE_ENVIRONMENT_ID,
        started_at=ago(95 / 60),
        outcome="success",
        duration=timedelta(hours=5),
        created_by="Ben Builder (demo)",
    )
    # U-UAT: yesterday's copy from the UPE failed in its Run stage.
    sim.add_pp_operation(
        "Copy",
        environment_id=demo.PP_USE_ENVIRONMENT_ID,
        source_environment_id=demo.PP_UPE_ENVIRONMENT_ID,
        started_at=ago(30),
        outcome="failure",
        duration=timedelta(hours=6),
        created_by="Dev Ops Pipeline (demo)",
    )
    # U-TEST: restored to its baseline two days ago, still in administration mode.
    baseline = now - timedelta(days=3, hours=1)
    sim.add_pp_operation(
        "Restore",
        environment_id=demo.PP_USE_ADMIN_MODE_ENVIRONMENT_ID,
        source_environment_id=demo.PP_USE_ADMIN_MODE_ENVIRONMENT_ID,
        started_at=ago(48),
        restore_point=baseline,
        outcome="success",
        duration=timedelta(hours=3),
        created_by="Ben Builder (demo)",
    )
    # US-UAT: a restore stuck for 26 hours (it ends after 40).
    sim.add_pp_operation(
        "Restore",
        environment_id=demo.PP_USE_US_ENVIRONMENT_ID,
        source_environment_id=demo.PP_USE_US_ENVIRONMENT_ID,
        started_at=ago(26),
        restore_point=ago(30),
        outcome="success",
        duration=timedelta(hours=40),
        created_by="Cleo Consultant (demo)",
    )


def seed_powerplatform(sim: Simulator, seed: int) -> None:
    """Add the tenant's Power Platform side (call after the LCS projects' seeding)."""
    now = sim.clock.now()
    rng = random.Random(f"{seed}/powerplatform/demo")
    _linked(
        sim,
        demo.PP_LCS_LINKS,
        demo.PROJECT_ID,
        {
            demo.PROD_ENVIRONMENT_NAME,
            demo.UAT_ENVIRONMENT_NAME,
            demo.PERF_ENVIRONMENT_NAME,
            demo.DEV_ENVIRONMENT_NAME,
        },
        "westeurope",
        rng,
        now,
    )
    _unified(sim, rng, now)
    _plain(sim, rng, now)
    _linked(
        sim,
        demo.PP_FABRIKAM_LINKS,
        demo.FABRIKAM_PROJECT_ID,
        {demo.FAB_PROD_ENVIRONMENT_NAME, demo.FAB_UAT_ENVIRONMENT_NAME},
        "northeurope",
        rng,
        now,
    )
    _backups(sim, now)
    _operations(sim, now)
