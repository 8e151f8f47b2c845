"""Jobs in the TUI: made from the refresh dialog, listed, paused, cancelled, run.

Against the in-process simulator on its manual clock; the app's runner
ticks on the workspace's (test) poll interval, and every wait is for a
condition, never for time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import tomllib
from textual.widgets import Button, Checkbox, Input, Select

from lcs_tui.api.ratelimit import RateLimiter
from lcs_tui.jobs import Download, Export, Job, JobStateStore, JobStore, Refresh, Schedule
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.startup import demo_jobs
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.common import ConfirmDialog, TextPage
from lcs_tui.tui.screens.job_options import JobOptions
from lcs_tui.tui.screens.overview import OverviewScreen
from lcs_tui.tui.screens.refresh import RefreshConfirm, RefreshPicker
from lcs_tui.tui.widgets.jobs import JobsPanel, JobsTable
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.tables import PaneTable
from lcs_tui.workspace import Workspace, open_demo
from tests.recovery.support import FakeTime
from tests.tui.support import (
    cell_text,
    demo_simulator,
    highlight,
    loaded,
    screen_text,
    wait_until,
)

SIZE = (160, 48)


class Rig:
    """A demo simulator whose rate limits, the client's pacing and the job
    runner's spacing of reads all run on one fake monotonic clock: a wait
    for pacing passes at once (the fake sleep moves the clock), so nothing
    here waits on real time."""

    def __init__(self) -> None:
        self.time = FakeTime()
        self.sim = demo_simulator(rate_time=self.time.monotonic)

    def limiter(self) -> RateLimiter:
        return RateLimiter(clock=self.time.monotonic, sleep=self.time.sleep)

    def app(self, folder: Path, *, read_only: bool = False, project: object = None) -> LcsApp:
        workspace = open_demo(
            simulator=self.sim,
            read_only=read_only,
            limiter=self.limiter(),
            project=project,  # type: ignore[arg-type]
        )
        workspace.poll_interval = 0.05
        store, states = JobStore(folder / "jobs.toml"), JobStateStore(folder / "state")
        return self.hosting((store, states), workspace)

    def hosting(self, jobs: tuple[JobStore, JobStateStore], workspace: Workspace) -> LcsApp:
        app = LcsApp(workspace, jobs=jobs)
        app.jobs_monotonic = self.time.monotonic
        return app

    def advance(self, by: timedelta) -> None:
        """Hours pass: on the simulator's clock, and for pacing too."""
        assert isinstance(self.sim.clock, ManualClock)
        self.sim.clock.advance(by)
        self.time.now += by.total_seconds()


def api_operations(sim: Simulator, kind: str, env_id: str) -> list[str]:
    return [
        op.activity_id
        for op in sim.operations()
        if op.origin == "api" and op.kind == kind and op.environment_id == env_id
    ]


def jobs_text(app: LcsApp) -> str:
    table = app.view.query_one(JobsTable)
    return "\n".join(" | ".join(str(cell) for cell in table.get_row(key)) for key in table.rows)


def seed(folder: Path, job: Job) -> None:
    JobStore(folder / "jobs.toml").add(job)


async def test_a_refresh_made_a_job_then_export_runs_step_by_step(tmp_path: Path) -> None:
    rig = Rig()
    sim = rig.sim
    app = rig.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.view.query_one(JobsPanel).has_class("empty")  # no job: no pane
        await highlight(pilot, demo.TEST_ENVIRONMENT_ID)
        await pilot.press("r")
        assert isinstance(app.screen, RefreshPicker)
        await pilot.click("#continue")
        confirm = app.screen
        assert isinstance(confirm, RefreshConfirm)
        options = confirm.query_one(JobOptions)
        assert options.collapsed  # a plain refresh looks as it always did
        options.collapsed = False
        await pilot.pause()
        confirm.query_one("#then-export", Checkbox).value = True
        await pilot.pause()
        button = confirm.query_one("#confirm", Button)
        assert str(button.label) == "Save the job"
        confirm.query_one("#typed", Input).value = "CONTOSO-TEST"
        await pilot.pause()
        assert not button.disabled
        await pilot.click("#confirm")
        # What the job will do, in full, before it is saved.
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the plan")
        text = screen_text(app)
        assert "refresh-contoso-test" in text
        assert "refresh CONTOSO-TEST from CONTOSO-PROD" in text
        assert "export CONTOSO-TEST" in text and "contoso-test-golden-{date}" in text
        assert api_operations(sim, "refresh", demo.TEST_ENVIRONMENT_ID) == []  # nothing sent yet
        await pilot.click("#confirm")

        # Saved, with the typed name as its confirmation, and started at once.
        saved = tomllib.loads((tmp_path / "jobs.toml").read_text())
        steps = saved["jobs"]["refresh-contoso-test"]["steps"]
        assert [step["do"] for step in steps] == ["refresh", "export"]
        assert steps[0]["confirmed"] == "CONTOSO-TEST"  # as typed in the dialog
        await wait_until(
            pilot,
            lambda: len(api_operations(sim, "refresh", demo.TEST_ENVIRONMENT_ID)) == 1,
            what="the job's refresh",
        )
        await wait_until(pilot, lambda: "running (1/2)" in jobs_text(app), what="the pane")
        assert "Jobs (1 under way)" in str(app.view.query_one(JobsPanel).border_title)
        # The refresh is one more operation, with an ETA from TEST's past refreshes.
        await wait_until(
            pilot,
            lambda: "ETA" in screen_text(app).split("Operations", 1)[-1],
            what="the ETA in the operations pane",
        )

        rig.advance(timedelta(hours=4))
        await wait_until(
            pilot,
            lambda: len(api_operations(sim, "export", demo.TEST_ENVIRONMENT_ID)) == 1,
            what="the job's export",
        )
        await wait_until(pilot, lambda: "(2/2)" in jobs_text(app), what="step 2 shown")
        rig.advance(timedelta(hours=2))
        await wait_until(pilot, lambda: "completed" in jobs_text(app), what="the job done")
    # Each step's POST went once.
    assert len(api_operations(sim, "refresh", demo.TEST_ENVIRONMENT_ID)) == 1
    assert len(api_operations(sim, "export", demo.TEST_ENVIRONMENT_ID)) == 1


async def test_a_used_up_quota_offers_a_job_that_waits_for_it(tmp_path: Path) -> None:
    rig = Rig()
    sim = rig.sim
    app = rig.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.service.quota(demo.TRAIN_ENVIRONMENT_ID).left == 0
        await highlight(pilot, demo.TRAIN_ENVIRONMENT_ID)
        await pilot.press("r")
        picker = app.screen
        assert isinstance(picker, RefreshPicker)
        assert "it can go ahead as a job that waits" in screen_text(app)
        button = picker.query_one("#continue", Button)
        assert not button.disabled and "as a job" in str(button.label)
        await pilot.click("#continue")
        confirm = app.screen
        assert isinstance(confirm, RefreshConfirm)
        options = confirm.query_one(JobOptions)
        assert not options.collapsed  # only as a job: the options are open
        when = options.query_one("#when", Select)
        assert when.value == "asap"
        assert "now" not in [value for _, value in when._options]  # it cannot start now
        confirm.query_one("#typed", Input).value = "CONTOSO-TRAIN"
        await pilot.pause()
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the plan")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: "quota frees at" in jobs_text(app), what="waiting")
        assert api_operations(sim, "refresh", demo.TRAIN_ENVIRONMENT_ID) == []
        # The quota frees; within a tick the refresh goes.
        rig.advance(timedelta(hours=2))
        await wait_until(
            pilot,
            lambda: len(api_operations(sim, "refresh", demo.TRAIN_ENVIRONMENT_ID)) == 1,
            what="the refresh once the quota freed",
        )


async def test_pause_resume_run_now_and_cancel_from_the_pane(tmp_path: Path) -> None:
    rig = Rig()
    sim = rig.sim
    # Far in the future: nothing runs until the user says so.
    later = Schedule.once(rig.sim.clock.now() + timedelta(days=30))
    seed(
        tmp_path,
        Job(
            "uat-export",
            "demo",
            (Export("CONTOSO-UAT", "uat-{date}"),),
            later,
        ),
    )
    states = JobStateStore(tmp_path / "state")
    app = rig.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "uat-export" in jobs_text(app), what="the job listed")
        assert "scheduled" in jobs_text(app)
        app.view.query_one(JobsTable).focus()
        await pilot.press("space")
        await wait_until(pilot, lambda: states.read("uat-export").paused, what="paused")
        await wait_until(pilot, lambda: "paused" in jobs_text(app), what="shown paused")
        await pilot.press("space")
        await wait_until(pilot, lambda: not states.read("uat-export").paused, what="resumed")
        await pilot.press("enter")
        assert isinstance(app.screen, TextPage)
        assert "export CONTOSO-UAT as uat-{date}" in screen_text(app)
        assert "Schedule:" in screen_text(app) and "\\n" not in screen_text(app)  # lines, not "\n"
        await pilot.press("escape")
        await pilot.press("n")
        await wait_until(
            pilot,
            lambda: len(api_operations(sim, "export", demo.UAT_ENVIRONMENT_ID)) == 1,
            what="the run started now",
        )
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "goes on" in screen_text(app)  # what cancelling does not stop
        await pilot.click("#confirm")
        await wait_until(
            pilot,
            lambda: (
                (run := states.read("uat-export").run) is not None and run.status == "cancelled"
            ),
            what="the run cancelled",
        )
        await wait_until(pilot, lambda: "last run cancelled" in jobs_text(app), what="shown")
    # The export it started is not sent again, and still watched as an operation.
    assert len(api_operations(sim, "export", demo.UAT_ENVIRONMENT_ID)) == 1


async def test_read_only_runs_no_job_that_changes_lcs(tmp_path: Path) -> None:
    rig = Rig()
    sim = rig.sim
    seed(
        tmp_path,
        Job("train", "demo", (Refresh("CONTOSO-PROD", "CONTOSO-TEST", "CONTOSO-TEST"),)),
    )
    app = rig.app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "train" in jobs_text(app), what="the job listed")
        assert app.jobs is not None
        await app.jobs.tick()
        app.view.query_one(JobsTable).focus()
        await pilot.press("n")
        await wait_until(
            pilot,
            lambda: any("read-only" in n.message for n in app._notifications),
            what="the read-only notice",
        )
        await app.jobs.tick()
        await pilot.pause()
    assert api_operations(sim, "refresh", demo.TEST_ENVIRONMENT_ID) == []


def test_the_demos_golden_copy_downloads_into_a_folder_that_exists() -> None:
    store, _states = demo_jobs()
    download = store.get("golden-copy").steps[2]
    # A download step refuses a folder that does not exist: the demo's job failed there.
    assert isinstance(download, Download) and Path(download.folder).is_dir()


async def test_the_demo_shows_its_golden_copy_job() -> None:
    rig = Rig()
    store, states = demo_jobs()
    job = store.get("golden-copy")
    assert [step.kind for step in job.steps] == ["refresh", "export", "download"]
    workspace = open_demo(simulator=rig.sim, project=demo.CONTOSO, limiter=rig.limiter())
    workspace.poll_interval = 0.05
    app = rig.hosting((store, states), workspace)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "golden-copy" in screen_text(app), what="the job on screen")
        await wait_until(pilot, lambda: "running (1/3)" in jobs_text(app), what="it runs")
        assert "refresh CONTOSO-PROD → CONTOSO-TEST" in jobs_text(app)
        assert "weekly-train" in jobs_text(app) and "next run" in jobs_text(app)
        table = app.view.query_one(OperationsTable)
        await wait_until(
            pilot,
            lambda: any(
                "CONTOSO-TEST" in cell_text(table, key.value, "what") for key in table.rows
            ),
            what="its refresh in the operations pane",
        )


async def test_the_overview_lists_jobs_by_urgency_and_enter_jumps_to_the_job(
    tmp_path: Path,
) -> None:
    rig = Rig()
    later = Schedule.once(rig.sim.clock.now() + timedelta(days=30))
    seed(tmp_path, Job("uat-export", "demo", (Export("CONTOSO-UAT", "uat-{date}"),), later))
    app = rig.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "uat-export" in jobs_text(app), what="the job listed")
        app.action_overview()
        await pilot.pause()
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        await wait_until(pilot, lambda: "job uat-export" in screen_text(app), what="its row")
        table = overview.query_one(PaneTable)
        key = "demo\x1fuat-export"
        assert key in table.rows
        # Scheduled, not under way: below the running refresh of CONTOSO-PERF.
        keys = [row.value for row in table.rows]
        running = next(k for k in keys if cell_text(table, k, "urgency") == "running")
        assert keys.index(running) < keys.index(key)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.view, what="back on the workspace")
        await pilot.pause()
        assert app.view.query_one(JobsTable).has_focus
