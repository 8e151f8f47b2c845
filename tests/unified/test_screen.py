"""A Power Platform workspace in the app: environments, copy, backups, restore.

Against the in-process simulator's Power Platform side, on a manual clock:
what a user sees and does, and what is (and is not) sent.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Button, Input, Static

from lcs_tui.ppac.models import KIND_DATAVERSE
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.simulator import ManualClock
from lcs_tui.simulator import demo as d
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.signin import ErrorDialog
from lcs_tui.tui.unified.dialogs import BackupDialog, CopyPicker, RestorePicker, TypedConfirm
from lcs_tui.tui.unified.tables import UnifiedBackupsTable, UnifiedEnvironmentsTable
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.status_bar import StatusBar
from lcs_tui.workspace import open_demo_tenant
from tests.tui.support import wait_until
from tests.unified.support import (
    choose,
    highlight,
    posts,
    runtime,
    screen,
    tenant_app,
    tenant_loaded,
    tenant_sim,
)


def screen_text(app: LcsApp) -> str:
    """Every text the top screen (a dialog) shows."""
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


def mine(op: TrackedOperation) -> bool:
    """Started in this test (the demo tenant has copies found in its history too)."""
    return op.kind == "copy" and not op.discovered


async def test_the_tenant_lists_its_f_and_o_environments_unified_first_linked_marked() -> None:
    app, _, _ = tenant_app(tenant_sim())
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        table = screen(app).query_one(UnifiedEnvironmentsTable)
        pp = runtime(app).pp
        names = [pp.environments[str(k.value)].name for k in table.rows]
        assert names[0] == d.PP_UPE_ENVIRONMENT_NAME  # unified production first
        assert names.index(d.PP_UDE_ENVIRONMENT_NAME) < names.index(d.PROD_ENVIRONMENT_NAME)
        assert d.PP_DATAVERSE_ENVIRONMENT_NAME not in names  # no F&O: hidden
        kinds = {str(table.get_cell(k, "kind")) for k in table.rows}
        assert "LCS sandbox (linked)" in kinds and "unified developer (UDE)" in kinds
        bar = screen(app).query_one(StatusBar)
        assert bar.project == d.TENANT_DOMAIN and bar.project_word == "tenant"
        # a: every environment of the tenant, the Dataverse-only ones too.
        await pilot.press("a")
        await wait_until(
            pilot,
            lambda: any(e.kind == KIND_DATAVERSE for e in pp.environments.values())
            and len(table.rows) == len(pp.environments),
            what="every environment",
        )


async def test_a_copy_is_validated_confirmed_by_name_and_watched_to_succeeded() -> None:
    sim = tenant_sim()
    app, _, seen = tenant_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        source = await highlight(pilot, d.UAT_ENVIRONMENT_NAME)  # linked LCS sandbox
        target = runtime(app).pp.environment(d.PP_UDE_ENVIRONMENT_NAME)
        assert target is not None
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyPicker), what="the picker")
        picker = app.screen
        await choose(pilot, "#target", target.id)
        problems = str(picker.query_one("#problems", Static).render())
        assert "checks passed" in problems
        assert posts(seen) == []  # nothing sent while choosing
        picker.query_one("#continue", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirm")
        await pilot.pause()
        # Validate-only went first, and only that.
        (validated,) = posts(seen)
        assert "ValidateOnly=true" in validated and target.id in validated
        body = screen_text(app)
        assert "overwritten" in body and "admin mode" in body and "8 to 24 hours" in body
        typed = app.screen.query_one("#typed", Input)
        typed.value = "CONTOSO-UDE-AN"  # a near miss confirms nothing
        await pilot.press("enter")
        assert isinstance(app.screen, TypedConfirm) and len(posts(seen)) == 1
        typed.value = d.PP_UDE_ENVIRONMENT_NAME
        await pilot.press("enter")
        pp = runtime(app).pp
        await wait_until(
            pilot,
            lambda: any(mine(op) and op.activity_id for op in pp.operations.values()),
            what="the copy to start",
        )
        started = [p for p in posts(seen) if "ValidateOnly" not in p]
        assert len(started) == 1  # sent once
        op = next(op for op in pp.operations.values() if mine(op))
        assert op.source_environment_id == source and op.poll_environment_id == target.id
        ops = screen(app).query_one(OperationsTable)
        await wait_until(pilot, lambda: op.key in ops.rows, what="the operation row")
        # Through its stages on the simulator's clock, to Succeeded.
        clock = sim.clock
        assert isinstance(clock, ManualClock)
        notes: set[str] = set()
        for _ in range(40):
            clock.advance(timedelta(hours=1))
            runtime(app).watcher.tick()
            await wait_until(pilot, lambda: runtime(app).idle, what="the status round")
            await pilot.pause()
            notes.add(str(ops.get_cell(op.key, "note")))
            if pp.operations[op.key].finished:
                break
        assert pp.operations[op.key].status == "Succeeded"
        assert any("stage Run" in note for note in notes)
        await wait_until(
            pilot,
            lambda: str(ops.get_cell(op.key, "status")) == "Succeeded",
            what="Succeeded on screen",
        )
        assert len([p for p in posts(seen) if "ValidateOnly" not in p]) == 1


async def test_a_refused_direction_is_explained_and_nothing_is_sent() -> None:
    app, _, seen = tenant_app(tenant_sim())
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await highlight(pilot, d.PP_UDE_ENVIRONMENT_NAME)
        target = runtime(app).pp.environment(d.PP_USE_ENVIRONMENT_NAME)
        assert target is not None
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyPicker), what="the picker")
        await choose(pilot, "#target", target.id)
        problems = str(app.screen.query_one("#problems", Static).render())
        assert "✘" in problems and "UDE" in problems
        assert app.screen.query_one("#continue", Button).disabled
        # Production is never a target either, and says so.
        prod = runtime(app).pp.environment(d.PP_UPE_ENVIRONMENT_NAME)
        assert prod is not None
        await choose(pilot, "#target", prod.id)
        assert "production" in str(app.screen.query_one("#problems", Static).render()).lower()
        await pilot.press("escape")
        assert posts(seen) == []


async def test_a_manual_backup_is_made_then_restored_into_a_sandbox() -> None:
    app, _, seen = tenant_app(tenant_sim())
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        env_id = await highlight(pilot, d.PP_USE_ENVIRONMENT_NAME)
        pp = runtime(app).pp
        await wait_until(pilot, lambda: env_id in pp.backups, what="the backups")
        before = len(pp.backups[env_id])
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupDialog), what="dialog")
        app.screen.query_one("#label", Input).value = "before-the-release"
        await pilot.press("enter")
        table = screen(app).query_one(UnifiedBackupsTable)
        await wait_until(
            pilot,
            lambda: any(b.label == "before-the-release" for b in pp.backups.get(env_id, []))
            and len(table.rows) == before + 1,
            what="the new backup listed",
        )
        made = next(b for b in pp.backups[env_id] if b.label == "before-the-release")
        table.focus()
        table.move_cursor(row=table.get_row_index(made.id))
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RestorePicker), what="picker")
        # The backup's point and the environment itself as target are filled in.
        assert "checks passed" in str(app.screen.query_one("#problems", Static).render())
        app.screen.query_one("#continue", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirm")
        await pilot.pause()
        assert "before-the-release" in screen_text(app)
        app.screen.query_one("#typed", Input).value = d.PP_USE_ENVIRONMENT_NAME
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: any(op.kind == "restore" for op in pp.operations.values()),
            what="the restore",
        )
        restores = [p for p in posts(seen) if "restore" in p.lower()]
        assert len(restores) == 2 and "ValidateOnly=true" in restores[0]


async def test_a_system_backup_is_not_deleted_and_a_manual_one_only_when_confirmed() -> None:
    app, _, seen = tenant_app(tenant_sim())
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        env_id = await highlight(pilot, d.PP_UPE_ENVIRONMENT_NAME)
        pp = runtime(app).pp
        await wait_until(pilot, lambda: env_id in pp.backups, what="the backups")
        table = screen(app).query_one(UnifiedBackupsTable)
        await wait_until(pilot, lambda: len(table.rows) > 0, what="rows")
        system = next(b for b in pp.backups[env_id] if not b.is_manual)
        manual = next(b for b in pp.backups[env_id] if b.is_manual)
        table.focus()
        table.move_cursor(row=table.get_row_index(system.id))
        await pilot.press("delete")
        await pilot.pause()
        assert posts(seen) == []
        table.move_cursor(row=table.get_row_index(manual.id))
        await pilot.press("delete")
        await wait_until(pilot, lambda: app.screen.query("#confirm").first() is not None)
        await pilot.press("escape")  # cancelled: nothing deleted
        await pilot.pause()
        assert posts(seen) == []
        await pilot.press("delete")
        await wait_until(pilot, lambda: len(app.screen_stack) > 1, what="the question")
        app.screen.query_one("#confirm", Button).press()
        await wait_until(
            pilot,
            lambda: all(b.id != manual.id for b in pp.backups.get(env_id, [])),
            what="the backup gone",
        )
        (deleted,) = posts(seen)
        assert manual.id in deleted


async def test_read_only_offers_no_copy_and_says_why() -> None:
    app, _, seen = tenant_app(tenant_sim(), read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await highlight(pilot, d.UAT_ENVIRONMENT_NAME)
        for key in ("c", "r", "b"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, (CopyPicker, RestorePicker, BackupDialog))
        assert any("read-only" in n.message for n in app._notifications)
        assert posts(seen) == []


async def test_enter_on_a_linked_environment_shows_its_row_in_the_lcs_project() -> None:
    app, _, _ = tenant_app(tenant_sim(), with_lcs=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await highlight(pilot, d.TEST_ENVIRONMENT_NAME)
        lcs = app.runtimes["demo"]
        await wait_until(pilot, lambda: bool(lcs.service.environments), what="the LCS project")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.shown == "demo", what="the LCS workspace")
        await pilot.pause()
        from lcs_tui.tui.widgets.environments import EnvironmentsTable

        await wait_until(
            pilot,
            lambda: app.view.query_one(EnvironmentsTable).highlighted_id == d.TEST_ENVIRONMENT_ID,
            what="the row",
        )


async def test_the_overview_shows_the_tenants_running_operations() -> None:
    app, _, _ = tenant_app(tenant_sim(), with_lcs=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        pp = runtime(app).pp
        await wait_until(pilot, lambda: any(not o.finished for o in pp.operations.values()))
        # The LCS project, started in the background, has its environments too.
        lcs = app.runtimes["demo"]
        await wait_until(pilot, lambda: lcs.load_generation >= 1, what="the LCS project")
        await pilot.press("o")
        await pilot.pause()
        from lcs_tui.tui.screens.overview import OverviewScreen
        from lcs_tui.tui.widgets.tables import PaneTable

        assert isinstance(app.screen, OverviewScreen)
        table = app.screen.query_one(PaneTable)
        rows = [str(k.value) for k in table.rows]
        running = next(o for o in pp.operations.values() if not o.finished)
        assert f"unified\x1f{running.key}" in rows
        assert any(r.startswith("demo\x1f") for r in rows)


async def test_no_export_here_is_explained() -> None:
    app, _, _ = tenant_app(tenant_sim())
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert "bacpac" in screen_text(app) and "No export" in screen_text(app)
        assert not isinstance(app.screen, ErrorDialog)


async def test_hostile_names_and_labels_from_power_platform_are_shown_inertly() -> None:
    from tests.hostile import OSC52, assert_inert
    from tests.tui.support import screen_text as painted

    sim = tenant_sim()
    tenant = sim._world.powerplatform
    use = next(e for e in tenant.environments if e.display_name == d.PP_USE_ENVIRONMENT_NAME)
    use.display_name = f"UAT{OSC52}\u202e"
    for backup in tenant.backups:
        if backup.environment_id == use.environment_id:
            backup.label = f"golden{OSC52}"
    app, _, _ = tenant_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        env_id = await highlight(pilot, f"UAT{OSC52}\u202e")
        await wait_until(pilot, lambda: env_id in runtime(app).pp.backups, what="backups")
        await pilot.pause()
        text = painted(app)
        assert_inert(text)
        assert "UAT\\x1b]52;c;" in text  # seen as what it is, not obeyed
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RestorePicker), what="picker")
        await pilot.pause()
        assert_inert(painted(app))


async def test_a_copy_job_on_the_tenant_runs_in_the_app_and_its_copy_is_watched(
    tmp_path: Path,
) -> None:
    from lcs_tui.jobs import Job, JobStateStore, JobStore, Schedule
    from lcs_tui.jobs.model import Copy
    from lcs_tui.tui.widgets.jobs import JobsTable

    sim = tenant_sim()
    tenant = open_demo_tenant(sim)
    tenant.poll_interval = 0.05
    store = JobStore(tmp_path / "jobs.toml")
    store.add(
        Job(
            "monday-ude",
            "unified",
            (
                Copy(
                    d.UAT_ENVIRONMENT_NAME,
                    d.PP_UDE_ENVIRONMENT_NAME,
                    "transactionless",
                    confirmed=d.PP_UDE_ENVIRONMENT_NAME,
                ),
            ),
            Schedule.asap(),
        )
    )
    app = LcsApp(tenant, jobs=(store, JobStateStore(tmp_path / "state")))
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await wait_until(pilot, lambda: app.jobs is not None, what="the job runner")
        jobs = screen(app).query_one(JobsTable)
        await wait_until(pilot, lambda: "monday-ude" in jobs.rows, what="the job listed")
        pp = runtime(app).pp
        await wait_until(
            pilot, lambda: any(mine(op) and op.activity_id for op in pp.operations.values())
        )
        op = next(op for op in pp.operations.values() if mine(op))
        ops = screen(app).query_one(OperationsTable)
        await wait_until(pilot, lambda: op.key in ops.rows, what="the job's copy on screen")
        assert op.poll_environment_id == pp.environment(d.PP_UDE_ENVIRONMENT_NAME).id  # type: ignore[union-attr]


async def test_a_copy_can_be_saved_as_a_weekly_job_instead_of_started(tmp_path: Path) -> None:
    import tomllib
    from textual.widgets import Select

    from lcs_tui.jobs import JobStateStore, JobStore
    from lcs_tui.tui.screens.common import ConfirmDialog
    from lcs_tui.tui.screens.job_options import CRON, JobOptions

    sim = tenant_sim()
    tenant = open_demo_tenant(sim)
    tenant.poll_interval = 0.05
    seen: list[object] = []
    tenant.add_observer(seen.append)
    store = JobStore(tmp_path / "jobs.toml")
    app = LcsApp(tenant, jobs=(store, JobStateStore(tmp_path / "state")))
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        await wait_until(pilot, lambda: app.jobs is not None, what="the job runner")
        await highlight(pilot, d.PP_UPE_ENVIRONMENT_NAME)
        target = runtime(app).pp.environment(d.PP_UDE_ENVIRONMENT_NAME)
        assert target is not None
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyPicker), what="the picker")
        await choose(pilot, "#target", target.id)
        app.screen.query_one("#continue", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirm")
        await pilot.pause()
        confirm = app.screen
        options = confirm.query_one(JobOptions)
        options.collapsed = False
        confirm.query_one("#when", Select).value = CRON
        await pilot.pause()
        confirm.query_one("#when-text", Input).value = "0 6 * * MON Europe/Amsterdam"
        confirm.query_one("#typed", Input).value = d.PP_UDE_ENVIRONMENT_NAME
        await pilot.pause()
        assert str(confirm.query_one("#confirm", Button).label) == "Save the job"
        confirm.query_one("#confirm", Button).press()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the plan")
        await pilot.pause()
        plan = screen_text(app)
        assert "copy" in plan and d.PP_UDE_ENVIRONMENT_NAME in plan and "06:00" in plan
        app.screen.query_one("#confirm", Button).press()
        await wait_until(pilot, lambda: (tmp_path / "jobs.toml").exists(), what="jobs.toml")
        saved = tomllib.loads((tmp_path / "jobs.toml").read_text())
        text = str(saved)
        assert "'copy'" in text and d.PP_UDE_ENVIRONMENT_NAME in text and "0 6 * * MON" in text
        # Saved, not started: only the validate-only call went out.
        starts = [
            e.path  # type: ignore[attr-defined]
            for e in seen
            if e.method == "POST" and "ValidateOnly" not in e.path  # type: ignore[attr-defined]
        ]
        assert starts == []


async def test_a_copy_started_elsewhere_is_found_without_a_reload() -> None:
    """Started in the admin center (or by pac, or another lcs-tui) after the load:
    the next look at the histories finds it, watches it, marks its target busy."""
    sim = tenant_sim()
    app, _, _ = tenant_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await tenant_loaded(pilot)
        rt = runtime(app)
        target = rt.pp.environment(d.PP_UDE_ENVIRONMENT_NAME)
        source = rt.pp.environment(d.PP_USE_ENVIRONMENT_NAME)
        assert target is not None and source is not None
        assert target.id not in rt.pp.busy_environment_ids()
        started = sim.add_pp_operation(
            "Copy",
            environment_id=target.id,
            source_environment_id=source.id,
            started_at=sim.clock.now(),
        )
        await rt.look_around()
        ops = screen(app).query_one(OperationsTable)
        found = [op for op in rt.pp.operations.values() if op.activity_id == started.operation_id]
        assert len(found) == 1 and found[0].discovered
        await wait_until(pilot, lambda: found[0].key in ops.rows, what="its row")
        table = screen(app).query_one(UnifiedEnvironmentsTable)
        await wait_until(
            pilot, lambda: str(table.get_cell(target.id, "state")) == "busy", what="busy"
        )
