"""Sets of byte ranges: what part of a blob is on disk, what is still missing.

Ranges are half-open `(start, end)` pairs. The set keeps them sorted and
merged, so a download that advanced chunk by chunk is a handful of ranges,
not one entry per chunk.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

ByteRange = tuple[int, int]


class RangeSet:
    def __init__(self, ranges: Iterable[ByteRange] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in ranges:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        # Every range touching or overlapping [start, end) is merged into it.
        low = bisect.bisect_left(self._ends, start)
        high = bisect.bisect_right(self._starts, end)
        if low < high:
            start = min(start, self._starts[low])
            end = max(end, self._ends[high - 1])
        self._starts[low:high] = [start]
        self._ends[low:high] = [end]

    def clip(self, limit: int) -> RangeSet:
        """The part of the set below `limit`."""
        return RangeSet((s, min(e, limit)) for s, e in self if s < limit)

    def missing(self, size: int) -> list[ByteRange]:
        """The gaps in [0, size)."""
        gaps: list[ByteRange] = []
        position = 0
        for start, end in self:
            if start >= size:
                break
            if start > position:
                gaps.append((position, start))
            position = max(position, end)
        if position < size:
            gaps.append((position, size))
        return gaps

    def covers(self, size: int) -> bool:
        return not self.missing(size)

    @property
    def total(self) -> int:
        return sum(e - s for s, e in self)

    def copy(self) -> RangeSet:
        clone = RangeSet()
        clone._starts, clone._ends = list(self._starts), list(self._ends)
        return clone

    def as_list(self) -> list[list[int]]:
        return [[s, e] for s, e in self]

    def __iter__(self) -> Iterator[ByteRange]:
        return iter(zip(self._starts, self._ends, strict=True))

    def __len__(self) -> int:
        return len(self._starts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RangeSet) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"RangeSet({list(self)!r})"
