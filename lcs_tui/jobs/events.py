"""What the job runner tells: events for its hosts and notifications for the user.

Hosts subscribe to JobEvents (a job's new view, a notice such as a broken
file or a webhook that failed); a job's notifications go to its targets, or
to its profile's defaults (jobs.toml) when it names none. A listener's bug
never stops the runner, and a notice is said once, not on every tick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lcs_tui.jobs.model import Job
from lcs_tui.jobs.notify import Notification, NotificationCenter
from lcs_tui.jobs.state import JobState
from lcs_tui.jobs.store import JobStore
from lcs_tui.jobs.views import JobView, job_view

if TYPE_CHECKING:
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService
    from lcs_tui.workspace import Workspace


@dataclass(frozen=True)
class JobChanged:
    """A job's state changed (or its waiting reason did): redraw it."""

    job: str
    view: JobView


@dataclass(frozen=True)
class JobNotice:
    """Something to tell the user (a notification that could not be sent, a broken file)."""

    job: str | None
    text: str
    level: str = "warning"


JobEvent = JobChanged | JobNotice
Listener = Callable[[JobEvent], None]
Workspaces = Mapping[str, "Workspace"] | Callable[[], Mapping[str, "Workspace"]]


def view_service(ws: Workspace | None) -> ProjectService | PowerPlatformService | None:
    """The service whose loaded history gives a view its ETAs (either backend)."""
    if ws is None:
        return None
    return ws.ppac if ws.ppac is not None else ws.service


def view_of(job: Job, state: JobState, ws: Workspace | None) -> JobView:
    """The job as the jobs pane shows it, at its workspace's time (or now, without one)."""
    from lcs_tui.service.project import utc_now

    now = ws.now() if ws is not None else utc_now()
    return job_view(job, state, now=now, service=view_service(ws))


class Telling:
    """The runner's listeners and the notifications of its jobs."""

    def __init__(self, store: JobStore, notifier: NotificationCenter) -> None:
        self.store = store
        self.notifier = notifier
        self._listeners: list[Listener] = []
        self._said: set[str] = set()
        self._last_views: dict[str, JobView] = {}

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def notify(
        self, job: Job, event: str, note: Notification, *, always: bool = False
    ) -> None:
        targets, events = job.notify, job.notify_on
        if not targets:
            try:
                defaults = self.store.load().defaults_for(job.profile)
            except Exception:
                return
            targets, events = defaults.notify, defaults.notify_on
        if not always and event not in events:
            return
        for problem in await self.notifier.send(note, targets):
            self.say(job.name, problem, once=False)

    def emit_view(self, job: Job, state: JobState, ws: Workspace | None) -> None:
        if not self._listeners:
            return
        view = view_of(job, state, ws)
        if self._last_views.get(job.name) == view:
            return
        self._last_views[job.name] = view
        self.emit(JobChanged(job.name, view))

    def say(self, job: str | None, text: str, *, once: bool = True) -> None:
        if once:
            if text in self._said:
                return
            self._said.add(text)
        self.emit(JobNotice(job, text))

    def emit(self, event: JobEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the runner
                continue
