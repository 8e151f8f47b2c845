"""What a person asks of a job: run it now, pause, resume, cancel.

These only write the job's state (under its lock); whichever runner drives
the job — the TUI or `lcs-tui run`, in this process or another — acts on it
at its next tick. So the CLI can pause a job the TUI is running.

- run: start a run now (also for a job whose schedule is later or done);
- pause: no further step starts and no new run fires; an operation already
  running in LCS goes on (LCS cannot cancel a refresh) and is still followed;
- resume: undo pause;
- cancel: end the current run after its current step's LCS operation is
  left to run (it stays in the Operations pane and the journal); a download
  in progress stops, its `.part` stays. A recurring job's next run still fires.
"""

from __future__ import annotations

from dataclasses import replace

from lcs_tui.jobs.model import JobError
from lcs_tui.jobs.state import JobState, JobStateError, JobStateStore


def _change(states: JobStateStore, job: str, change: object) -> JobState:
    try:
        return states.update(job, change)  # type: ignore[arg-type]
    except JobStateError as exc:
        raise JobError(str(exc)) from None


def request_run(states: JobStateStore, job: str) -> JobState:
    def change(state: JobState) -> JobState:
        if state.run is not None and state.run.active:
            raise JobError(f"job {job} is running already (step {state.run.step + 1})")
        return replace(state, run_requested=True, paused=False)

    return _change(states, job, change)


def pause(states: JobStateStore, job: str) -> JobState:
    return _change(states, job, lambda s: replace(s, paused=True))


def resume(states: JobStateStore, job: str) -> JobState:
    return _change(states, job, lambda s: replace(s, paused=False))


def cancel(states: JobStateStore, job: str) -> JobState:
    def change(state: JobState) -> JobState:
        if state.run is None or not state.run.active:
            raise JobError(f"job {job} has no run going", "nothing to cancel")
        return replace(state, cancel_requested=True)

    return _change(states, job, change)
