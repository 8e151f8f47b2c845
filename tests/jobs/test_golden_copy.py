"""A golden copy (refresh PROD→UAT, export UAT, download it) runs through, in-process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lcs_tui.jobs import (
    PREVIOUS,
    Download,
    Export,
    Job,
    JobStateStore,
    Refresh,
    Schedule,
    add_job,
    plan_job,
)
from tests.jobs.support import (
    EXPORT_PATH,
    PROD,
    REFRESH_PATH,
    UAT,
    Bench,
    bench,
    md5_of,
    posts,
    served_md5,
    simulator,
)


def golden(folder: Path) -> Job:
    return Job(
        "golden-copy",
        "contoso",
        (
            Refresh(PROD, UAT),
            Export(UAT, "uat-golden-{yyyy}{mm}{dd}"),
            Download(PREVIOUS, str(folder)),
        ),
        Schedule.asap(),
        notify=("desktop",),
    )


async def create(b: Bench, job: Job) -> None:
    await b.service.load_environments()
    await b.service.load_backups()
    plan = plan_job(job, b.service, now=b.service.now())
    add_job(b.runner.store, plan, typed=set(plan.must_type))


async def test_golden_copy_runs_to_completed(tmp_path: Path) -> None:
    sim = simulator()
    folder = tmp_path / "backups"
    folder.mkdir()
    b = bench(sim, tmp_path)
    await create(b, golden(folder))
    await b.tick()
    assert posts(sim, REFRESH_PATH) == 1
    for _ in range(200):
        state = JobStateStore(tmp_path / "state" / "jobs").read("golden-copy")
        if state.run is not None and not state.run.active:
            break
        await b.advance(timedelta(minutes=10))
    state = JobStateStore(tmp_path / "state" / "jobs").read("golden-copy")
    assert state.run is not None
    assert state.run.status == "completed", state.run
    assert posts(sim, REFRESH_PATH) == 1
    assert posts(sim, EXPORT_PATH) == 1
    name = state.run.steps[1].backup_name
    assert name == "uat-golden-20261120"
    path = Path(state.run.steps[2].path or "")
    assert md5_of(path) == served_md5(sim, name)
    titles = [n.title for n in b.desktop.got]
    assert any("Completed" in t for t in titles), titles
    await b.aclose()
