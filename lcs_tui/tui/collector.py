"""The cyclic garbage collector during start-up.

Opening the app creates a few hundred thousand objects that live as long as
the app: modules, classes, stylesheets, widgets. While they are being created
the collector keeps scanning them, again and again, for cycles that are not
there; on the benchmark machine that was about 25 ms of every start
(docs/benchmarks.md). So `run_tui` pauses the collector, and once the first
full screen is on the terminal the app collects once, *freezes* what is left
(`gc.freeze`: moved out of the collector's reach, so every later collection,
which may land in the middle of a key press, walks only what was created since)
and lets collection go on as usual.

Only a collector paused here is resumed here: an app run by the tests, with
the collector never paused, is left alone (freezing there would keep every
earlier test's objects alive).
"""

from __future__ import annotations

import gc

_paused_here = False

#: Seconds after the first full screen is drawn before the one collection.
#: Not "after the next refresh": the screen may look clean (its widgets have
#: not reported their changes yet) and run such a callback before the frame,
#: and the collection of everything start-up made (≈ 55 ms on the benchmark
#: machine) then delays the very frame it should follow. Textual composes a
#: frame within 1/60 s of a change; this leaves it time to be on the terminal.
AFTER_FIRST_SCREEN = 0.25


def pause_for_start_up() -> None:
    global _paused_here
    if gc.isenabled():
        gc.disable()
        _paused_here = True


def resume_after_start_up() -> None:
    """Collect once, freeze the survivors and resume. Idempotent."""
    global _paused_here
    if not _paused_here:
        return
    _paused_here = False
    gc.collect()
    gc.freeze()
    gc.enable()
