"""Who fetches which bytes, and which bytes are on disk: shared by the workers.

The missing bytes are handed out as pieces, one HTTP request each, so that a
connection is reused (kept alive, its TCP window already open) from piece to
piece, and so that a connection added by the ramp simply asks for the next
piece. A piece is at most `max_piece` (16 MiB: one request per few seconds on
a slow path) and, with several connections, at most a share of what is left
unassigned — half of it divided by the connections — but never below
`min_piece` (1 MiB). Near the end
the pieces shrink, so all connections finish within about one small piece of
each other; and a connection that finds nothing left takes the second half
of the largest piece still in flight (its owner stops at the new end), down
to 2 × `min_piece`.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

from lcs_tui.download.ranges import ByteRange, RangeSet


@dataclass(eq=False)
class Segment:
    start: int
    cursor: int
    end: int

    @property
    def remaining(self) -> int:
        return max(0, self.end - self.cursor)


class Ledger:
    def __init__(
        self, size: int, done: RangeSet, *, min_piece: int, max_piece: int | None = None
    ) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._done = done.copy()
        self._min = max(1, min_piece)
        self._max = max(self._min, max_piece if max_piece is not None else size)
        #: Unassigned ranges, sorted and disjoint.
        self._pending: list[ByteRange] = done.missing(size)
        self._active: list[Segment] = []

    def next_segment(self, connections: int = 1) -> Segment | None:
        """The next piece to fetch for one of `connections` connections, or
        None when nothing is left to hand out (not even half of another's)."""
        with self._lock:
            segment = self._take(connections) if self._pending else self._steal()
            if segment is not None:
                self._active.append(segment)
            return segment

    def _take(self, connections: int) -> Segment:
        if connections <= 1:  # nobody to finish together with: big pieces
            size = self._max
        else:
            unassigned = sum(e - s for s, e in self._pending)
            size = max(self._min, min(self._max, unassigned // (2 * connections)))
        start, end = self._pending[0]
        cut = min(end, start + size)
        if end - cut < self._min:  # no sliver left behind on its own
            cut = end
        if cut == end:
            self._pending.pop(0)
        else:
            self._pending[0] = (cut, end)
        return Segment(start, start, cut)

    def _steal(self) -> Segment | None:
        victim = max(self._active, key=lambda s: s.remaining, default=None)
        if victim is None or victim.remaining < 2 * self._min:
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
        """The worker is done with `segment`; what it did not fetch goes back
        to be handed out again (a connection that failed or was stopped)."""
        with self._lock:
            if segment in self._active:
                self._active.remove(segment)
            if segment.cursor < segment.end:
                self._give_back(segment.cursor, segment.end)

    def _give_back(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self._pending, (start, end))
        self._pending.insert(index, (start, end))
        merged: list[ByteRange] = []
        for low, high in self._pending:
            if merged and low <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        self._pending = merged

    @property
    def unassigned(self) -> int:
        """Bytes no connection has been given yet."""
        with self._lock:
            return sum(e - s for s, e in self._pending)

    @property
    def finished(self) -> bool:
        with self._lock:
            return not self._pending and not self._active

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
