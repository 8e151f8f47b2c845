"""Keeping a workspace's loaded data fresh enough for the steps — and no fresher.

Waiting is cheap: a step that waits makes no call before its
`look_again_at`; when it looks, it reads only what it needs, and each read
is spaced at least `MIN_SPACING` real seconds from the last one of the same
kind (the history endpoint allows 6 calls per environment per 30 s and 6
per project per minute, shared with the app's own reading). Right before a
step starts an operation, the history of the environments involved must be
at most `FRESH` old, so the quota and busy checks see what LCS sees — the
same as `lcs-tui refresh` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcs_tui.service.project import ProjectService

#: Real seconds a history read stays fresh enough to start an operation on.
FRESH = 60.0
#: Shortest real time between two reads of the same thing.
MIN_SPACING = 60.0
#: Environments change rarely (deployment states do): re-read this often.
ENVIRONMENTS_MAX_AGE = 30 * 60.0
#: Backups: re-read this often while a step looks for one.
BACKUPS_MAX_AGE = 5 * 60.0


class ReadTimes:
    """When each thing ("environments", "history:ID", ...) was last read (monotonic).

    The bookkeeping both backends' upkeep share (this Upkeep, pp_upkeep.PpUpkeep).
    """

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self._read: dict[str, float] = {}
        #: How many reads each kind took: the benchmark and the tests count them.
        self.reads: dict[str, int] = {}

    def _fresh(self, whats: Iterable[str]) -> None:
        """The host read these just now (not counted: this runner did not)."""
        now = self.monotonic()
        for what in whats:
            self._read[what] = now

    def _due(self, what: str, max_age: float) -> bool:
        last = self._read.get(what)
        return last is None or self.monotonic() - last >= max_age

    def _done(self, what: str) -> None:
        self._read[what] = self.monotonic()
        kind = what.split(":", 1)[0]
        self.reads[kind] = self.reads.get(kind, 0) + 1


class Upkeep(ReadTimes):
    """What this runner read of one workspace, and when (real, monotonic time)."""

    def __init__(
        self, service: ProjectService, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(monotonic)
        self.service = service

    def loaded_now(self, histories: Iterable[str]) -> None:
        """The host (the TUI) has just loaded the project: environments,
        backups and these histories are fresh; reading them again would only
        spend the history endpoint's budget shared with the host."""
        self._fresh(["environments", "backups", *(f"history:{e}" for e in histories)])

    async def environments(self) -> None:
        if not self.service.environments or self._due("environments", ENVIRONMENTS_MAX_AGE):
            await self.service.load_environments()
            self._done("environments")

    async def history(self, environment_id: str, *, fresh: bool = False) -> None:
        what = f"history:{environment_id}"
        age = FRESH if fresh else MIN_SPACING
        if environment_id not in self.service.history or self._due(what, age):
            await self.service.load_recent_history(environment_id)
            self._done(what)

    async def backups(self, *, force: bool = False) -> None:
        if (force and self._due("backups", 0.0)) or self._due("backups", BACKUPS_MAX_AGE):
            await self.service.load_backups()
            self._done("backups")
