"""Who fetches which bytes, and which bytes are on disk: shared by the workers.

The missing ranges are cut into about one segment per connection. A worker
that runs out of segments takes the second half of the largest one still in
flight (its owner stops at the new end), so all connections stay busy until
the last megabytes instead of one slow segment finishing alone.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from lcs_tui.download.ranges import RangeSet, split


@dataclass(eq=False)
class Segment:
    start: int
    cursor: int
    end: int

    @property
    def remaining(self) -> int:
        return max(0, self.end - self.cursor)


class Ledger:
    def __init__(self, size: int, done: RangeSet, *, pieces: int, min_split: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._done = done.copy()
        self._min_split = min_split
        self._pending = deque(
            Segment(s, s, e) for s, e in split(done.missing(size), pieces, minimum=min_split)
        )
        self._active: list[Segment] = []

    def next_segment(self) -> Segment | None:
        with self._lock:
            segment = self._pending.popleft() if self._pending else self._steal()
            if segment is not None:
                self._active.append(segment)
            return segment

    def _steal(self) -> Segment | None:
        victim = max(self._active, key=lambda s: s.remaining, default=None)
        if victim is None or victim.remaining < 2 * self._min_split:
            return None
        middle = victim.cursor + victim.remaining // 2
        taken = Segment(middle, middle, victim.end)
        victim.end = middle
        return taken

    def end_of(self, segment: Segment) -> int:
        """Where `segment` stops now (it shrinks when another worker takes half)."""
        with self._lock:
            return segment.end

    def record(self, segment: Segment, count: int) -> None:
        """`count` bytes at the segment's cursor are written to the file."""
        with self._lock:
            self._done.add(segment.cursor, segment.cursor + count)
            segment.cursor += count

    def rewind(self, segment: Segment) -> None:
        """Without `Range` a retry starts from the segment's start again."""
        with self._lock:
            self._done = RangeSet(r for r in self._done if r[1] <= segment.start)
            segment.cursor = segment.start

    def release(self, segment: Segment) -> None:
        with self._lock:
            if segment in self._active:
                self._active.remove(segment)

    @property
    def done_bytes(self) -> int:
        with self._lock:
            return self._done.total

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._active)

    def snapshot(self) -> RangeSet:
        with self._lock:
            return self._done.copy()
