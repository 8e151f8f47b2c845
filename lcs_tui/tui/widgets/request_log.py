"""The request log: every call the client made, redacted, with its activity id."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import RichLog

from lcs_tui.api import RequestEvent
from lcs_tui.untrusted import inert

MAX_LINES = 2000


def format_event(event: RequestEvent, at: datetime) -> Text:
    # The path holds ids and names, the activity id and the note come from
    # LCS's answer: all inert.
    stamp = f"{at:%H:%M:%S} "
    path = inert(event.path, limit=400)
    if event.kind == "wait":
        return Text.assemble(
            stamp,
            ("WAIT ", "bold yellow"),
            (inert(event.note or "", limit=200), "yellow"),
            f"  {event.method} {path}",
        )
    status = event.status
    colour = "green" if status == 200 else "yellow" if status in (401, 429) else "red"
    # What a user looks for first stays on the left: the path is the longest.
    text = Text.assemble(
        stamp,
        (f"{status if status is not None else '—':>3} ", colour),
        (f"{inert(event.activity_id or '—', limit=36):<36} ", "cyan"),
        f"{event.duration * 1000:>5.0f} ms  ",
        (f"{event.method:<4} ", "bold"),
        path,
    )
    if event.attempt > 1:
        text.append(f"  try {event.attempt}", style="yellow")
    if event.note:
        text.append(f"  {inert(event.note, limit=200)}", style="yellow")
    return text


class RequestLog(RichLog):
    DEFAULT_CSS = """
    RequestLog { height: 10; border: round $secondary; display: none; }
    RequestLog.visible { display: block; }
    """

    def __init__(self, **kwargs: object) -> None:
        # Wrapped: a narrow terminal must not cut off a path's end (its
        # query, an environment id).
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, **kwargs)  # type: ignore[arg-type]
        self.border_title = "Request log · times by this computer's clock (l to hide)"
        self.count = 0

    def record(self, event: RequestEvent, at: datetime) -> None:
        self.count += 1
        self.write(format_event(event, at))
