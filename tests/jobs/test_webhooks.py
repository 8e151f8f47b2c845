"""Webhooks to a loopback receiver: Teams, Slack and JSON payloads; the URL never shown."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lcs_tui.jobs.notify import FINISH, Notification, NotificationCenter, WebhookChannel
from lcs_tui.jobs.notify.webhook import WebhookError, check_url, store_url
from lcs_tui.secrets import MemoryStore

SECRET = "T0KEN-0f-the-channel-9d8e7f"


@dataclass
class Receiver:
    url: str
    bodies: list[Any] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            made[0].bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(made[0].status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    made.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks/{SECRET}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made[0]
    finally:
        server.shutdown()
        server.server_close()


def finished() -> Notification:
    return Notification.about(
        FINISH,
        "job golden-copy",
        "Completed",
        profile="contoso",
        duration=timedelta(hours=3, minutes=5),
        activity_id="55eb0000-0000-4000-8000-000000000002",
    )


def hooked(receiver: Receiver, kind: str) -> WebhookChannel:
    store = MemoryStore()
    store_url(store, "ops", receiver.url)
    return WebhookChannel("ops", kind, store, sleep=_no_wait)


async def _no_wait(seconds: float) -> None:
    return None


async def test_teams_gets_an_adaptive_card_with_the_facts(receiver: Receiver) -> None:
    assert await hooked(receiver, "teams").send(finished()) is None
    (body,) = receiver.bodies
    card = body["attachments"][0]["content"]
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "lcs-tui: job golden-copy — Completed"
    assert "took 3h05m" in texts
    assert "activity id 55eb0000-0000-4000-8000-000000000002" in texts


async def test_slack_text_cannot_mention_or_link(receiver: Receiver) -> None:
    note = Notification.about(FINISH, "export <!channel> & <https://x|click>", "Completed")
    assert await hooked(receiver, "slack").send(note) is None
    text = receiver.bodies[0]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp;" in text


async def test_generic_json_and_server_text_made_inert(receiver: Receiver) -> None:
    note = Notification.about(FINISH, "export UAT → evil\x1b]52;c;Zm9v\x07", "Completed",
                              activity_id="a1")  # fmt: skip
    assert await hooked(receiver, "json").send(note) is None
    body = receiver.bodies[0]
    assert body["source"] == "lcs-tui" and body["event"] == "finish"
    assert body["activity_id"] == "a1"
    assert "\x1b" not in json.dumps(body, ensure_ascii=False)
    assert "\x07" not in body["text"]


async def test_the_url_is_never_in_an_error_or_a_log(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = hooked(receiver, "json")
    receiver.status = 404
    problem = await channel.send(finished())
    assert problem == "webhook ops: HTTP 404"
    unreachable = MemoryStore()
    store_url(unreachable, "gone", f"http://127.0.0.1:9/hooks/{SECRET}")
    problem = await WebhookChannel("gone", "json", unreachable, sleep=_no_wait).send(finished())
    assert problem is not None and problem.startswith("webhook gone: could not be reached")
    assert SECRET not in problem
    receiver.status = 200
    assert await channel.send(finished()) is None
    assert "HTTP Request: POST" in caplog.text  # httpx did log its requests...
    assert SECRET not in caplog.text  # ...without the secret
    assert "<webhook URL>" in caplog.text


def test_only_https_except_loopback() -> None:
    check_url("https://example.webhook.office.com/webhookb2/x")
    check_url("http://127.0.0.1:8080/x")
    with pytest.raises(WebhookError) as caught:
        check_url(f"http://hooks.example.com/{SECRET}")
    assert SECRET not in str(caught.value)


async def test_no_stored_url_says_how_to_set_it() -> None:
    problem = await WebhookChannel("ops", "teams", MemoryStore()).send(finished())
    assert (
        problem
        == "webhook ops: no URL stored; set it with: lcs-tui job notify add ops --kind teams"
    )


async def test_desktop_falls_back_to_the_terminal_escape_only_on_a_terminal() -> None:
    from tests.jobs.support import FakeChannel

    refusing, terminal = FakeChannel("desktop notification failed: no bus"), FakeChannel()
    center = NotificationCenter(desktop=refusing, terminal=terminal)
    assert await center.send(finished(), ("desktop",)) == []
    assert len(terminal.got) == 1  # the fallback delivered it
    both_fail = NotificationCenter(desktop=refusing, terminal=FakeChannel("not a terminal"))
    assert await both_fail.send(finished(), ("desktop",)) == ["desktop notification failed: no bus"]


def test_osc_sequences_cannot_be_closed_early() -> None:
    from lcs_tui.jobs.notify.terminal import osc_sequence

    note = Notification.about(FINISH, "backup a;b\x07\x1b]0;x", "Completed")
    nine = osc_sequence(note, environ={"TERM": "xterm-256color"})
    assert nine.startswith("\x1b]9;") and nine.endswith("\x07")
    assert nine.count("\x07") == 1 and nine.count("\x1b") == 1
    vte = osc_sequence(note, environ={"VTE_VERSION": "7200"})
    assert vte.startswith("\x1b]777;notify;") and vte.count(";") == 3
