"""Refresh, export, watch, start/stop: the flows that change something in LCS."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Button, Input, Select

from lcs_tui.simulator import ManualClock, demo
from lcs_tui.tui.screens.export import ExportDialog
from lcs_tui.tui.screens.refresh import RefreshConfirm, RefreshPicker
from lcs_tui.tui.screens.watch import WatchDialog
from lcs_tui.tui.widgets.environments import EnvironmentsTable
from lcs_tui.tui.widgets.operations import OperationsTable
from tests.tui.support import (
    cell_text,
    demo_simulator,
    highlight,
    loaded,
    make_app,
    screen_text,
    wait_until,
)


def notifications(app: object) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]  # type: ignore[attr-defined]


async def test_refresh_from_selection_through_typed_confirmation_to_completed() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    before = len(sim.operations())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.TEST_ENVIRONMENT_ID)
        await pilot.press("r")
        picker = app.screen
        assert isinstance(picker, RefreshPicker)
        # The highlighted sandbox is the target; production is the source.
        assert picker.query_one("#source", Select).value == demo.PROD_ENVIRONMENT_ID
        assert picker.query_one("#target", Select).value == demo.TEST_ENVIRONMENT_ID
        assert "all checks passed" in screen_text(app)
        await pilot.click("#continue")
        confirm = app.screen
        assert isinstance(confirm, RefreshConfirm)
        text = screen_text(app)
        for consequence in ("replaced", "goes offline", "cannot be cancelled", "24 hours"):
            assert consequence in text
        button = confirm.query_one("#confirm", Button)
        await pilot.press(*"CONTOSO-TES")
        assert button.disabled  # not yet the full name
        await pilot.press("enter")
        assert isinstance(app.screen, RefreshConfirm)  # Enter does not confirm either
        await wait_until(pilot, lambda: "must match exactly" in screen_text(app), what="why")
        await pilot.press("T")
        assert not button.disabled
        assert "must match exactly" not in screen_text(app)  # the complaint goes with the typo
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(sim.operations()) == before + 1, what="the refresh")
        started = sim.operations()[-1]
        assert started.kind == "refresh"
        assert started.target_environment_id == demo.TEST_ENVIRONMENT_ID
        ops = app.query_one(OperationsTable)
        op = next(
            o for o in app.service.operations.values() if o.activity_id == started.activity_id
        )
        await wait_until(pilot, lambda: op.key in ops.rows, what="the operation row")
        assert (
            cell_text(app.query_one(EnvironmentsTable), demo.TEST_ENVIRONMENT_ID, "quota")
            == "2/3 left"
        )
        # Hours pass on the simulator's clock; the background poll sees the end.
        assert isinstance(sim.clock, ManualClock)
        sim.clock.advance(timedelta(hours=4))
        await wait_until(
            pilot, lambda: cell_text(ops, op.key, "status") == "Completed", what="Completed"
        )
        # The notification is a message of its own: it lands a moment after the cell.
        await wait_until(
            pilot,
            lambda: any("completed" in n for n in notifications(app)),
            what="the completion notification",
        )
        assert app.bells >= 1


async def test_refresh_into_production_is_refused_before_anything_is_sent() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    before = len(sim.operations())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.UAT_ENVIRONMENT_ID)
        await pilot.press("r")
        picker = app.screen
        assert isinstance(picker, RefreshPicker)
        picker.query_one("#source", Select).value = demo.UAT_ENVIRONMENT_ID
        picker.query_one("#target", Select).value = demo.PROD_ENVIRONMENT_ID
        await pilot.pause()
        assert "CONTOSO-PROD is a production environment" in screen_text(app)
        assert picker.query_one("#continue", Button).disabled
        await pilot.click("#continue")
        assert isinstance(app.screen, RefreshPicker)
        await pilot.press("escape")
    assert len(sim.operations()) == before


async def test_quota_is_shown_and_enforced() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        quota = cell_text(app.query_one(EnvironmentsTable), demo.TRAIN_ENVIRONMENT_ID, "quota")
        assert quota.startswith("0 until ")
        await highlight(pilot, demo.TRAIN_ENVIRONMENT_ID)
        await pilot.press("r")
        assert "CONTOSO-TRAIN has no operations left" in screen_text(app)
        # ... and when that changes.
        frees = app.service.quota(demo.TRAIN_ENVIRONMENT_ID).next_frees_at  # type: ignore[union-attr]
        problems = str(app.screen.query_one("#problems").render())
        assert frees is not None and f"next one frees at {frees:%Y-%m-%d %H:%M} UTC" in problems
        assert app.screen.query_one("#continue", Button).disabled


async def test_export_name_is_validated_live() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.TEST_ENVIRONMENT_ID)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        name = dialog.query_one("#name", Input)
        confirm = dialog.query_one("#confirm", Button)
        assert name.value.startswith("contoso-test-")  # a sensible suggestion
        assert not confirm.disabled
        name.value = "my backup!"
        await pilot.pause()
        assert confirm.disabled
        assert "use only letters, digits" in screen_text(app)
        name.value = sim.backups()[0].name.upper()  # names clash regardless of case
        await pilot.pause()
        assert "already exists" in screen_text(app)
        name.value = "golden.bacpac"
        await pilot.pause()
        assert "leave out the .bacpac" in screen_text(app)
        name.value = "test-golden-1"
        await pilot.pause()
        assert not confirm.disabled
        await pilot.click("#confirm")
        await wait_until(
            pilot,
            lambda: any(
                o.kind == "export" and o.backup_name == "test-golden-1" for o in sim.operations()
            ),
            what="the export",
        )
        # When it completes, the new backup shows up in the list.
        assert isinstance(sim.clock, ManualClock)
        sim.clock.advance(timedelta(hours=2))
        await wait_until(
            pilot,
            lambda: any(b.name == "test-golden-1" for b in app.service.backups),
            what="the new backup",
        )


async def test_export_from_production_is_not_offered() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.PROD_ENVIRONMENT_ID)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        options = [str(label) for label, _ in dialog.query_one("#env", Select)._options]
        assert not any("CONTOSO-PROD" in o for o in options)
        assert dialog.query_one("#confirm", Button).disabled


async def test_failed_operation_notifies_with_its_activity_id() -> None:
    sim = demo_simulator()
    sim.faults.fail_next_operations(1)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        op = await app.service.start_export(demo.TEST_ENVIRONMENT_ID, "will-fail")
        app.view.show_operations()
        assert isinstance(sim.clock, ManualClock)
        sim.clock.advance(timedelta(hours=3))
        await wait_until(
            pilot,
            lambda: any("Operation failed" in n for n in notifications(app)),
            what="the failure notification",
        )
        message = next(n for n in notifications(app) if "Operation failed" in n)
        assert op.activity_id is not None and op.activity_id in message
        assert "history in the LCS portal" in message  # where the reason is
        assert app.bells >= 1


async def test_watch_an_operation_started_in_the_portal() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert isinstance(sim.clock, ManualClock)
        portal = sim.add_operation(
            "export",
            environment_id=demo.UAT_ENVIRONMENT_ID,
            started_at=sim.clock.now(),
            backup_name="from-portal",
            outcome="success",
            duration=timedelta(minutes=30),
        )
        await highlight(pilot, demo.UAT_ENVIRONMENT_ID)
        await pilot.press("w")
        dialog = app.screen
        assert isinstance(dialog, WatchDialog)
        await pilot.press(*"not-a-guid")
        await pilot.pause()
        assert "an activity id is a GUID" in screen_text(app)
        dialog.query_one("#activity", Input).value = portal.activity_id
        await pilot.pause()
        await pilot.press("enter")
        ops = app.query_one(OperationsTable)
        op = next(o for o in app.service.operations.values() if o.activity_id == portal.activity_id)
        sim.clock.advance(timedelta(hours=1))
        await wait_until(
            pilot,
            lambda: op.key in ops.rows and cell_text(ops, op.key, "status") == "Completed",
            what="Completed",
        )


async def test_stop_a_customer_managed_environment_after_confirming() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.DEV_ENVIRONMENT_ID)
        await pilot.press("t")
        await wait_until(pilot, lambda: "Stop CONTOSO-DEV01" in screen_text(app), what="dialog")
        await pilot.click("#confirm")
        await wait_until(
            pilot,
            lambda: any("requested" in n for n in notifications(app)),
            what="the stop request",
        )
        await highlight(pilot, demo.PROD_ENVIRONMENT_ID)
        await pilot.press("t")
        await pilot.pause()
        assert any("managed by Microsoft" in n for n in notifications(app))


async def test_read_only_hides_and_disables_every_change() -> None:
    sim = demo_simulator()
    app = make_app(sim, read_only=True)
    before = len(sim.operations())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Refresh" not in footer and "Export" not in footer
        assert "READ-ONLY" in screen_text(app)
        for key in ("r", "e", "t"):
            await pilot.press(key)
            assert app.screen is app.screen_stack[0], key
        # Each refused key says why nothing happened.
        said = [n for n in notifications(app) if "--read-only" in n]
        assert said == [
            f"Read-only: {what} is off: lcs-tui was started with --read-only. "
            "Start it without --read-only to change anything."
            for what in ("Refresh", "Export", "Start and stop")
        ]
    assert len(sim.operations()) == before


async def test_offline_is_shown_and_the_app_recovers_by_itself() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    # Signed in already (a cached token), then the network goes away.
    app.workspace.session.sign_in_with_password(demo.PASSWORD)
    sim.faults.offline = True
    async with app.run_test(size=(160, 48)) as pilot:
        app.current.loader.retry_delay = 0.2
        bar = app.query_one("#status")
        await wait_until(pilot, lambda: "offline" in bar.connection, what="offline state")
        await pilot.press("down", "question_mark")  # still responsive
        await pilot.press("escape")
        sim.faults.offline = False
        await wait_until(pilot, lambda: app.load_generation >= 1, what="recovery")
        assert bar.connection == "online"


async def test_throttling_is_shown_with_its_end_time_then_clears() -> None:
    sim = demo_simulator()
    sim.faults.throttle(1, retry_after=1)
    app = make_app(sim)
    seen: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        bar = app.query_one("#status")

        def watch() -> bool:
            seen.append(bar.connection)
            return app.load_generation >= 1

        await wait_until(pilot, watch, what="the load")
    assert any(s.startswith("throttled until") and s.endswith("UTC") for s in seen)
    assert seen[-1] == "online"


async def test_a_mistyped_activity_id_is_marked_not_found_and_blocks_nothing() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        quota_before = cell_text(envs, demo.UAT_ENVIRONMENT_ID, "quota")
        op = app.service.watch("11111111-2222-3333-4444-555555555555", demo.UAT_ENVIRONMENT_ID)
        app.view.show_operations()
        app.current.watcher.tick()
        ops = app.query_one(OperationsTable)
        await wait_until(
            pilot,
            lambda: op.key in ops.rows and cell_text(ops, op.key, "status") == "Not found",
            what="Not found",
        )
        assert demo.UAT_ENVIRONMENT_ID not in app.service.busy_environment_ids()
        # Said as what it is: an unknown id, not a failed operation of some kind.
        assert cell_text(ops, op.key, "what") == "operation on CONTOSO-UAT"
        # The row and the notification come from one status answer, but not in
        # one frame: wait for the notification too.
        await wait_until(
            pilot,
            lambda: any(
                n.startswith("Not found: LCS knows no such operation") for n in notifications(app)
            ),
            what="the notification",
        )
        assert not any("Operation failed" in n for n in notifications(app))
        app.view.show_environments()
        assert cell_text(envs, demo.UAT_ENVIRONMENT_ID, "quota") == quota_before
        assert not app.service.refresh_problems(demo.PROD_ENVIRONMENT_ID, demo.UAT_ENVIRONMENT_ID)
        # x in the Operations pane forgets it.
        ops.focus()
        ops.move_cursor(row=ops.get_row_index(op.key))
        await pilot.press("x")
        await wait_until(pilot, lambda: op.key not in ops.rows, what="the row to go")
        assert op.key not in app.service.operations


async def test_the_quota_counts_move_with_the_clock_without_a_reload() -> None:
    sim = demo_simulator()
    app = make_app(sim, poll_interval=3600)  # no poll or reload in between
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        assert cell_text(envs, demo.TRAIN_ENVIRONMENT_ID, "quota").startswith("0 until ")
        frees = app.service.quota(demo.TRAIN_ENVIRONMENT_ID).next_frees_at  # type: ignore[union-attr]
        assert frees is not None
        sim.clock.advance(frees - sim.clock.now() + timedelta(minutes=1))  # type: ignore[attr-defined]
        # The oldest operation is now 24 hours old: a slot is free again.
        await wait_until(
            pilot,
            lambda: cell_text(envs, demo.TRAIN_ENVIRONMENT_ID, "quota").endswith("/3 left"),
            what="the count to move",
        )
