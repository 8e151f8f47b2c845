"""Keeping a Power Platform workspace's data fresh enough for a job's steps — and no fresher.

The Power Platform side of upkeep.py, with the same rules: a step that
waits makes no call before its `look_again_at`; when it looks, it reads
only what it needs, each read spaced at least `MIN_SPACING` real seconds
from the last one of the same kind; right before a copy or restore starts,
the target's operation history is at most `FRESH` old, so the busy check
sees what Power Platform sees (§6: one lifecycle operation per environment
at a time; a start while one runs is refused with 409).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from lcs_tui.jobs.upkeep import (
    BACKUPS_MAX_AGE,
    ENVIRONMENTS_MAX_AGE,
    FRESH,
    MIN_SPACING,
    ReadTimes,
)

if TYPE_CHECKING:
    from lcs_tui.ppac.service import PowerPlatformService

#: Copy candidates change when environments do.
CANDIDATES_MAX_AGE = ENVIRONMENTS_MAX_AGE


class PpUpkeep(ReadTimes):
    """What this runner read of one Power Platform workspace, and when (monotonic)."""

    def __init__(
        self, service: PowerPlatformService, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(monotonic)
        self.service = service

    def loaded_now(self, histories: Iterable[str]) -> None:
        """The host has just loaded the environments and these histories."""
        self._fresh(["environments", *(f"history:{e}" for e in histories)])

    async def environments(self) -> None:
        if not self.service.all_environments or self._due("environments", ENVIRONMENTS_MAX_AGE):
            # Keep what the host shows (all environments, or the F&O ones).
            await self.service.load_environments(include_all=self.service.include_all)
            self._done("environments")

    async def history(self, environment_id: str, *, fresh: bool = False) -> None:
        what = f"history:{environment_id}"
        age = FRESH if fresh else MIN_SPACING
        if environment_id not in self.service.history or self._due(what, age):
            await self.service.load_history(environment_id)
            self._done(what)

    async def candidates(self, source_id: str) -> None:
        what = f"candidates:{source_id}"
        if source_id not in self.service.candidates or self._due(what, CANDIDATES_MAX_AGE):
            await self.service.load_copy_candidates(source_id)
            self._done(what)

    async def backups(self, environment_id: str, *, fresh: bool = False) -> None:
        """`fresh`: right before a restore (a backup made minutes ago must be seen)."""
        what = f"backups:{environment_id}"
        age = FRESH if fresh else BACKUPS_MAX_AGE
        if environment_id not in self.service.backups or self._due(what, age):
            await self.service.load_backups(environment_id)
            self._done(what)
