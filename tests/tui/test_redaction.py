"""What the app shows never holds the token or a signature, even when LCS echoes them.

Drives the real app on the demo simulator, with the backups endpoint
answering 400 and quoting the request's `Authorization` header and a SAS
link back. The app's error notification and its request log must show
neither; each test here fails with the bearer-token scrub or the signature
scrub of `redact_text` switched off.
"""

from __future__ import annotations

import httpx

from lcs_tui.tui.widgets.request_log import RequestLog
from tests.tui.support import demo_simulator, make_app, screen_text, wait_until

SIGNATURE = "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"


class Echo(httpx.AsyncBaseTransport):
    """The simulator, except that the backups list quotes the request back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.tokens: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/databasemovement/v1/databases/"):
            header = request.headers["Authorization"]
            self.tokens.append(header.removeprefix("Bearer "))
            body = f"Rejected: Authorization: {header}; link ?sv=1&sig={SIGNATURE}"
            return httpx.Response(400, text=body)
        return await self.inner.handle_async_request(request)


async def test_an_error_echoing_the_token_is_shown_without_it() -> None:
    sim = demo_simulator()
    echo = Echo(sim.async_transport())
    sim.async_transport = lambda: echo  # type: ignore[method-assign]
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:

        def notified() -> list[str]:
            return [n.message for n in app._notifications]

        await wait_until(
            pilot, lambda: any("HTTP 400" in m for m in notified()), what="the error notification"
        )
        await pilot.press("l")
        await pilot.pause()
        log = "\n".join(line.text for line in app.query_one(RequestLog).lines)
        shown = "\n".join([*notified(), screen_text(app), log])
    (message,) = [m for m in notified() if "HTTP 400" in m]
    assert "Rejected: Authorization: Bearer REDACTED" in message  # quoted, scrubbed
    assert echo.tokens and len(echo.tokens[0]) > 20
    assert echo.tokens[0] not in shown
    assert SIGNATURE not in shown
