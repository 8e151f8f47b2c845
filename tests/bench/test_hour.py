"""The network benchmark's simulated hour (bench/hour.py): one poll per workspace per
interval, the clock moved only between intervals, and an end that stays an end.

The workspaces here are names whose polls finish when the test says so; the
order of their ticks is the test's, as the poll loops' order is the event
loop's in the benchmark.
"""

from __future__ import annotations

from bench.hour import SimulatedHour


class Polls:
    """Three workspaces ticking; `running` holds those whose poll has not finished."""

    def __init__(self, intervals: int) -> None:
        self.begun_at: list[int] = []  # polls counted when each interval began
        self.polls: list[str] = []
        self.running: set[str] = set()
        self.hour = SimulatedHour(
            ["a", "b", "c"], intervals, lambda: self.begun_at.append(len(self.polls))
        )

    def tick(self, name: str, *, finish: bool = True) -> bool:
        polled = self.hour.may_poll(name, busy=name in self.running, anyone_busy=bool(self.running))
        if polled:
            self.polls.append(name)
            if not finish:
                self.running.add(name)
        return polled

    def over(self) -> bool:
        return self.hour.over(anyone_busy=bool(self.running))


def test_each_workspace_polls_once_in_each_interval_and_the_hour_stays_over() -> None:
    run = Polls(intervals=3)
    for _ in range(4):  # one round more than the hour needs
        for name in ("a", "b", "c", "a"):  # a's second tick begins the next interval
            run.tick(name)
    assert run.begun_at == [0, 3, 6]
    assert sorted(run.polls) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert all(sorted(run.polls[i : i + 3]) == ["a", "b", "c"] for i in run.begun_at)
    # Ticks go on after the last interval (the poll loops run until the app
    # closes): nothing more is polled, and the hour is still over whenever the
    # benchmark looks (it was not, once the next tick came, and the 10 x 20
    # benchmark waited for an end it had missed).
    for _ in range(5):
        for name in ("c", "a", "b"):
            assert not run.tick(name)
            assert run.over()
    assert len(run.polls) == 9
    assert run.begun_at == [0, 3, 6]


def test_an_interval_begins_only_when_every_poll_of_the_last_has_finished() -> None:
    run = Polls(intervals=2)
    assert run.tick("a")
    assert run.tick("b", finish=False)  # b's poll is slow
    assert run.tick("c")
    # a is done and ticks again: not before b's poll ends, or b would be
    # counted in the next interval with a call of this one.
    assert not run.tick("a")
    assert not run.tick("b")  # b's own tick while its poll runs: skipped, as by the app
    assert run.hour.skipped == 1
    assert run.begun_at == [0]
    assert not run.over()
    run.running.clear()  # b's poll finishes
    assert run.tick("a")  # the second interval begins
    assert run.begun_at == [0, 3]
    assert run.hour.waiting_for() == ["b", "c"]
    assert run.tick("c") and run.tick("b")
    assert run.over()


def test_the_last_interval_is_over_only_when_its_last_poll_has_finished() -> None:
    run = Polls(intervals=1)
    assert run.tick("a") and run.tick("b")
    assert run.tick("c", finish=False)
    assert not run.over()
    assert not run.tick("a")
    run.running.clear()
    assert run.over()
    assert not run.tick("a")
    assert run.over()
