"""A loopback TCP relay that behaves like a long internet path: no root, no kernel modules.

    .venv/bin/python -m bench.netem --upstream 127.0.0.1:8443 --rtt-ms 40 --loss 0.0002
    {"port": 41234}            # then relays until stdin closes

Clients connect to the printed port instead of the server's; TLS passes
through untouched (the certificate names the host, not the port). What a
long path does to each TCP connection is applied to the bytes:

- **delay**: every byte waits half the round trip in each direction, and a
  new connection's first bytes wait one more round trip (TCP's handshake);
- **a TCP sender's rate**: slow start from 10 segments, growing by what it
  sends (doubling every round trip), up to the loss-bound rate of the Mathis
  model, MSS / RTT × 1.22 / √loss (about 3 MB/s at 40 ms and 0.02 %); after
  an idle time longer than the retransmission timeout, slow start again
  (Linux's tcp_slow_start_after_idle);
- **a shared bottleneck** (1 Gbit/s by default): the connections that sent in
  the last round trip share it equally (what TCP's fairness converges to), so
  no connection goes faster than its share.

Not modelled: the losses themselves (a retransmission's stall), queueing
delay at the bottleneck, receive windows (assumed large). The rates are
what the models say, so every client measured through the relay meets the
same path. One event loop schedules all deliveries from one heap, so that
Python's per-piece cost stays small next to the data rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import itertools
import json
import math
import socket
import sys
from dataclasses import dataclass, field

MSS = 1448
INITIAL_WINDOW = 10 * MSS
#: Pieces the sender's pacing is computed for (small enough to be smooth).
PIECE = 16 * 1024
#: How far ahead of real time a connection's pieces may be scheduled: bounds
#: what the relay holds per connection.
HORIZON = 0.02
#: Stop reading from a connection while this much waits to reach its client.
BACKLOG = 4 * 1024 * 1024


@dataclass
class PathModel:
    rtt: float
    loss: float
    #: Bytes per second of the shared bottleneck.
    bottleneck: float

    @property
    def one_way(self) -> float:
        return self.rtt / 2

    @property
    def loss_bound(self) -> float:
        """Bytes per second one TCP connection sustains (Mathis et al., 1997)."""
        if self.loss <= 0:
            return math.inf
        return MSS / self.rtt * 1.22 / math.sqrt(self.loss)

    @property
    def rto(self) -> float:
        return max(0.2, 2 * self.rtt)


@dataclass
class Sender:
    """One connection's server-to-client TCP sender, as far as rate goes."""

    model: PathModel
    cwnd: float = INITIAL_WINDOW
    next_free: float = 0.0
    last_sent: float = -math.inf

    def schedule(self, now: float, size: int, link: Link) -> float:
        """When `size` more bytes reach the client."""
        if now - self.last_sent > self.model.rto:
            self.cwnd = INITIAL_WINDOW  # slow start after idle
        share = link.share(now, id(self))
        rate = min(self.cwnd / self.model.rtt, self.model.loss_bound, share)
        sent = max(now, self.next_free)
        self.next_free = sent + size / rate
        self.last_sent = sent
        # Slow start: every byte acknowledged grows the window by a byte.
        self.cwnd = min(self.cwnd + size, self.model.loss_bound * self.model.rtt * 2)
        return self.next_free + self.model.one_way


@dataclass
class Link:
    rate: float
    #: How long a connection counts as sending after its last piece.
    window: float = 0.1
    _last: dict[int, float] = field(default_factory=dict)
    _active: int = 1
    _counted_at: float = -math.inf

    def share(self, now: float, sender: int) -> float:
        """The bottleneck's rate divided among the connections sending now."""
        self._last[sender] = now
        if now - self._counted_at > 0.01:  # recount a hundred times a second
            horizon = now - self.window
            self._last = {k: t for k, t in self._last.items() if t >= horizon}
            self._active = max(1, len(self._last))
            self._counted_at = now
        return self.rate / self._active


@dataclass(order=True)
class _Delivery:
    due: float
    order: int
    target: asyncio.WriteTransport = field(compare=False)
    data: bytes | None = field(compare=False)  # None: close after the data before


class Relay:
    def __init__(self, model: PathModel, upstream: tuple[str, int]) -> None:
        self.model = model
        self.upstream = upstream
        self.link = Link(model.bottleneck, window=max(0.05, 2 * model.rtt))
        self._heap: list[_Delivery] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self.connections = 0

    def deliver(self, due: float, target: asyncio.WriteTransport, data: bytes | None) -> None:
        heapq.heappush(self._heap, _Delivery(due, next(self._order), target, data))
        self._wake.set()

    async def run_deliveries(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            wait = self._heap[0].due - loop.time()
            if wait > 0.0005:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                continue
            now = loop.time() + 0.0005
            while self._heap and self._heap[0].due <= now:
                item = heapq.heappop(self._heap)
                if item.target.is_closing():
                    continue
                if item.data is None:
                    item.target.close()
                else:
                    item.target.write(item.data)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        for w in (writer, up_writer):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        down = asyncio.create_task(self._downstream(up_reader, writer))
        up = asyncio.create_task(self._upstream(reader, up_writer, accepted + self.model.rtt))
        await asyncio.wait({down, up}, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.wait({down, up}, timeout=self.model.rtt * 4 + 1)
        for task in (down, up):
            task.cancel()
        for w in (writer, up_writer):
            w.close()

    async def _upstream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, open_at: float
    ) -> None:
        """Client to server: the handshake's round trip, then half a round trip."""
        loop = asyncio.get_running_loop()
        transport = writer.transport
        while data := await reader.read(65536):
            self.deliver(max(loop.time(), open_at) + self.model.one_way, transport, data)
        self.deliver(max(loop.time(), open_at) + self.model.one_way, transport, None)

    async def _downstream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Server to client: paced like a TCP sender on this path, then delayed."""
        loop = asyncio.get_running_loop()
        sender = Sender(self.model)
        transport = writer.transport
        transport.set_write_buffer_limits(high=BACKLOG)
        due = loop.time()
        while data := await reader.read(65536):
            for offset in range(0, len(data), PIECE):
                piece = data[offset : offset + PIECE]
                due = sender.schedule(loop.time(), len(piece), self.link)
                self.deliver(due, transport, piece)
            ahead = sender.next_free - loop.time() - HORIZON
            if ahead > 0:
                await asyncio.sleep(ahead)
            try:
                await writer.drain()  # the client reads slower than the path delivers
            except ConnectionError:
                return
        self.deliver(max(due, loop.time()), transport, None)


async def serve(model: PathModel, upstream: tuple[str, int], port: int = 0) -> None:
    relay = Relay(model, upstream)
    server = await asyncio.start_server(relay.handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": bound, "loss_bound_bytes_s": model.loss_bound}), flush=True)
    deliveries = asyncio.create_task(relay.run_deliveries())
    loop = asyncio.get_running_loop()
    # Until stdin closes (the benchmark's parent ends it).
    await loop.run_in_executor(None, sys.stdin.read)
    deliveries.cancel()
    server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the real server")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round trip time (ms)")
    parser.add_argument("--loss", type=float, default=0.0002, help="packet loss (0.0002 = 0.02 %%)")
    parser.add_argument("--mbit", type=float, default=1000.0, help="bottleneck (Mbit/s)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    model = PathModel(args.rtt_ms / 1000, args.loss, args.mbit * 1e6 / 8)
    asyncio.run(serve(model, (host, int(port)), args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
