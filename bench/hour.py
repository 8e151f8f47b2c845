"""The simulated hour of the network benchmark: which workspace's tick polls, and when.

An interval begins (the simulated clock moves one step) when every
workspace has polled in the previous one and no poll is still running; in
it, each workspace's next tick polls once. After the last interval nothing
polls any more, and the hour stays over: the benchmark's waiter may look
at any later moment, however slow the machine (no Textual here, so the rule
is tested on its own, tests/bench/test_hour.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection


class SimulatedHour:
    def __init__(self, names: Collection[str], intervals: int, begin: Callable[[], None]) -> None:
        self.names = frozenset(names)
        self.intervals = intervals
        #: Moves the simulated clock one interval (and notes where the interval begins).
        self._begin = begin
        #: Intervals begun so far.
        self.begun = 0
        #: The workspaces whose poll of the current interval has started.
        self.polled: set[str] = set()
        #: Ticks that found their workspace's previous poll still running.
        self.skipped = 0

    def may_poll(self, name: str, *, busy: bool, anyone_busy: bool) -> bool:
        """Whether the tick of workspace `name` polls now; it begins an interval if it is due.

        `busy`: this workspace's previous poll still runs (the app skips the
        tick; so does the clock). `anyone_busy`: some workspace's does.
        """
        if busy:
            self.skipped += 1
            return False
        if name in self.polled:
            if len(self.polled) < len(self.names) or anyone_busy:
                return False  # the others have not finished this interval yet
            if self.begun >= self.intervals:
                # The hour is over. `polled` stays full, so `over` holds from
                # now on (it was cleared here once, and the hour never ended).
                return False
            self.polled.clear()
        if not self.polled:
            if self.begun >= self.intervals:
                return False
            self.begun += 1
            self._begin()
        self.polled.add(name)
        return True

    def over(self, *, anyone_busy: bool) -> bool:
        """Every interval begun, every workspace polled in the last, no poll running."""
        return self.begun >= self.intervals and self.polled == self.names and not anyone_busy

    def waiting_for(self) -> list[str]:
        """The workspaces that have not polled in the current interval (for a stall's message)."""
        return sorted(self.names - self.polled)
