"""The progress line of `lcs-tui backups download` (stderr, on a terminal only)."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, TextIO

from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.download import DownloadProgress


class ProgressBar:
    """One line on a terminal, redrawn at most a few times a second."""

    REDRAW_EVERY = 0.2

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.title = ""
        self._drawn = False
        self._last = 0.0

    def update(self, progress: DownloadProgress) -> None:
        now = time.monotonic()
        if now - self._last < self.REDRAW_EVERY and not progress.state.finished:
            return
        self._last = now
        self._draw(render(self.title, progress, shutil.get_terminal_size().columns))

    def notice(self, text: str) -> None:
        self._clear()
        self.stream.write(inert(text) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False


def render(title: str, progress: DownloadProgress, width: int) -> str:
    """`name  [#####.....]  42%  1.2 GB / 2.9 GB  85 MB/s  ETA 21s  ×4`."""
    from lcs_tui.download import DownloadState, human_bytes, human_duration, human_rate

    fraction = progress.fraction
    percent = f"{fraction * 100:3.0f}%" if fraction is not None else "  ?%"
    total = human_bytes(progress.total) if progress.total is not None else "?"
    facts = [percent, f"{human_bytes(progress.done)} / {total}"]
    if progress.state is DownloadState.DOWNLOADING:
        facts.append(human_rate(progress.rate))
        facts.append(f"ETA {human_duration(progress.eta)}")
        if progress.wanted and progress.wanted != progress.connections:
            facts.append(f"×{progress.connections}/{progress.wanted}")
        elif progress.connections > 1:
            facts.append(f"×{progress.connections}")
    else:
        facts.append(progress.state.value)
    if progress.message:
        facts.append(inert(progress.message, limit=120))
    tail = "  ".join(facts)
    bar_width = max(0, min(30, width - len(tail) - len(title) - 8))
    bar = ""
    if bar_width >= 10 and fraction is not None:
        filled = int(bar_width * fraction)
        bar = "[" + "#" * filled + "." * (bar_width - filled) + "] "
    line = f"{title}  {bar}{tail}" if title else bar + tail
    return line[: max(0, width - 1)]
