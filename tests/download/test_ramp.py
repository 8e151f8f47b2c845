"""The connection count, on scripted paths and a fake clock (no timing, no network).

A path is a function: connections working → total bytes per second. A new
connection starts working a few round trips after it is asked for (TCP and
TLS handshakes), as on a real path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lcs_tui.download.ramp import Fixed, Phase, Ramp, RampSettings

MB = 1_000_000
Path = Callable[[int], float]


def latency_bound(per_connection: float, bottleneck: float) -> Path:
    """Each connection is held back by RTT and loss; the link caps the total."""
    return lambda n: min(n * per_connection, bottleneck)


def flat(rate: float) -> Path:
    """Loopback: the CPU is the limit, however many connections."""
    return lambda n: rate if n else 0.0


@dataclass
class Drive:
    ramp: Ramp
    path: Path
    rtt: float = 0.04
    #: Seconds a connection needs before it receives (handshakes).
    startup: float = 0.12
    dt: float = 0.05
    now: float = 0.0
    received: float = 0.0
    started: list[float] = field(default_factory=list)
    history: list[tuple[float, int]] = field(default_factory=list)

    def run(self, seconds: float, *, starved: bool = False) -> int:
        end = self.now + seconds
        while self.now < end:
            working = sum(1 for t in self.started if self.now - t >= self.startup)
            target = self.ramp.observe(
                self.now, int(self.received), working=working, starved=starved, rtt=self.rtt
            )
            # The engine's part: start the missing ones, retire the newest extra ones.
            del self.started[target:]
            while len(self.started) < target:
                self.started.append(self.now)
            if not self.history or self.history[-1][1] != target:
                self.history.append((round(self.now, 2), target))
            self.received += self.path(working) * self.dt
            self.now += self.dt
        return self.ramp.target

    def when_reached(self, count: int) -> float:
        return next(t for t, n in self.history if n >= count)


def drive(path: Path, **settings: object) -> Drive:
    return Drive(Ramp(RampSettings(**settings), 0.0), path)  # type: ignore[arg-type]


def test_it_doubles_up_to_the_cap_while_every_connection_adds() -> None:
    # 40 ms, 0.02 % loss: about 3 MB/s per connection; a 1 Gbit/s link.
    d = drive(latency_bound(3 * MB, 125 * MB))
    assert d.run(10.0) == 32
    assert [n for _, n in d.history] == [4, 8, 16, 32]
    assert d.when_reached(32) < 4.0  # seconds: small next to a 10-200 GB download
    assert d.ramp.phase is Phase.HOLDING


def test_it_stops_at_the_count_that_fills_the_bottleneck() -> None:
    d = drive(latency_bound(3 * MB, 30 * MB))
    assert d.run(20.0) == 16  # 8 → 16 still rose (+25 %); 16 → 32 did not: back to 16
    assert [n for _, n in d.history] == [4, 8, 16, 32, 16]


def test_on_loopback_it_keeps_the_first_count_and_tries_again_later() -> None:
    d = drive(flat(900 * MB))
    d.rtt, d.startup = 0.0001, 0.0
    assert d.run(10.0) == 4
    assert [n for _, n in d.history] == [4, 8, 4]
    d.run(60.0)  # tried again after 30 s, then waits 60 s
    assert [n for _, n in d.history] == [4, 8, 4, 8, 4]


def test_a_longer_round_trip_waits_longer_before_judging() -> None:
    quick, slow = drive(latency_bound(3 * MB, 125 * MB)), drive(latency_bound(MB, 125 * MB))
    slow.rtt, slow.startup = 0.1, 0.3
    quick.run(10.0)
    slow.run(10.0)
    assert slow.when_reached(8) > quick.when_reached(8)
    assert slow.ramp.target == 32


def test_a_503_halves_the_count_and_no_step_up_comes_until_the_cooldown() -> None:
    d = drive(latency_bound(3 * MB, 125 * MB))
    d.run(10.0)
    assert d.ramp.throttled(d.now) == 16
    for _ in range(15):  # the other connections' 503s of the same burst
        d.ramp.throttled(d.now + 0.01)
    assert d.ramp.target == 16
    d.run(19.0)
    assert d.ramp.target == 16  # held through the 20 s cooldown
    d.run(10.0)
    assert d.ramp.target == 32  # measured again, and it still helps


def test_repeated_503s_stay_lower_for_longer() -> None:
    d = drive(latency_bound(3 * MB, 125 * MB))
    d.run(10.0)
    d.ramp.throttled(d.now)  # 16
    d.run(5.0)
    d.ramp.throttled(d.now)  # 8, and the cooldown doubles to 40 s
    assert d.ramp.target == 8
    d.run(35.0)
    assert d.ramp.target == 8
    d.run(15.0)
    assert d.ramp.target > 8


def test_a_failing_connection_takes_a_quarter_off() -> None:
    d = drive(latency_bound(3 * MB, 125 * MB))
    d.run(10.0)
    assert d.ramp.connection_failed(d.now) == 24
    assert d.ramp.connection_failed(d.now + 5.0) == 18


def test_no_step_is_tried_while_connections_run_out_of_work() -> None:
    d = drive(latency_bound(3 * MB, 125 * MB))
    d.run(0.5)
    d.run(10.0, starved=True)  # the end of a download: rates say nothing
    assert d.ramp.target == 4


def test_the_cap_and_the_first_count_are_the_settings() -> None:
    d = drive(latency_bound(3 * MB, 1000 * MB), initial=2, cap=12)
    assert d.run(10.0) == 12
    assert [n for _, n in d.history] == [2, 4, 8, 12]


def test_a_fixed_count_never_moves() -> None:
    fixed = Fixed(7)
    assert fixed.observe(0.0, 0, working=0) == 7
    assert fixed.throttled(1.0) == 7 and fixed.connection_failed(2.0) == 7


def test_a_gain_that_is_only_noise_is_measured_again_and_dropped() -> None:
    # Loopback: the rate is the CPU's. During the first window at 8 a
    # neighbour goes quiet and the rate looks 30 % better; in the next, not.
    d = drive(lambda n: 0.0)
    d.rtt, d.startup = 0.0001, 0.0
    d.path = lambda n: (1170 * MB if 0.9 <= d.now < 1.75 else 900 * MB) if n else 0.0
    d.run(10.0)
    assert [n for _, n in d.history] == [4, 8, 4]
    assert d.ramp.target == 4


def test_a_real_small_gain_is_kept_after_the_second_look() -> None:
    d = drive(latency_bound(12 * MB, 125 * MB))  # 10 ms: 8 → 16 gains +25 %
    d.rtt, d.startup = 0.01, 0.03
    assert d.run(15.0) == 16
