"""What no code path expected still ends in a message and a way on, never a stuck screen."""

from __future__ import annotations

from typing import Any

from lcs_tui.tui.screens.signin import ErrorDialog
from lcs_tui.tui.widgets.status_bar import StatusBar
from tests.tui.support import demo_simulator, loaded, make_app, screen_text, wait_until


def notices(app: Any) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_an_unexpected_failure_while_loading_is_said_and_retried() -> None:
    app = make_app(demo_simulator())
    real = app.service.load_environments
    calls = 0

    async def broken() -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the answer made no sense")
        return await real()

    app.service.load_environments = broken  # type: ignore[method-assign]
    app.current.loader.retry_delay = 0.01  # the retry follows at once (normally after 5 s)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot,
            lambda: any("Could not load the project" in n for n in notices(app)),
            what="the message",
        )
        assert "the answer made no sense" in "".join(notices(app))
        # Not stuck on the loading line: the panes are shown.
        await wait_until(pilot, lambda: "Loading project" not in screen_text(app), what="panes")
        await loaded(pilot)  # and the retry got there
        assert calls >= 2


async def test_an_unexpected_failure_while_signing_in_opens_the_error_dialog() -> None:
    app = make_app(demo_simulator())

    def broken() -> str:
        raise ValueError("surprise")

    app.workspace.sign_in_without_asking = broken  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, ErrorDialog)
                and "Sign-in failed unexpectedly (ValueError: surprise)" in screen_text(app)
            ),
            what="the dialog",
        )
        assert app.query_one(StatusBar).connection == "sign-in failed"


async def test_an_unexpected_failure_while_polling_is_said_and_polling_goes_on() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        real = app.service.poll
        calls = 0

        async def broken(op: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise KeyError("status")
            return await real(op)

        app.service.poll = broken  # type: ignore[method-assign]
        await wait_until(
            pilot, lambda: any("Unexpected error" in n for n in notices(app)), what="the notice"
        )
        await wait_until(pilot, lambda: calls >= 3, what="the next polls")


async def test_a_list_the_client_cut_short_is_said_on_screen() -> None:
    import json

    import httpx

    from lcs_tui.workspace import open_demo
    from tests.tui.support import BellCountingApp

    sim = demo_simulator()
    inner = sim.async_transport()

    class EndlessPages(httpx.AsyncBaseTransport):
        """LCS says "more pages follow" on every page of environments."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if "/environmentinfo/v1/detail/" not in request.url.path:
                return response
            body = json.loads(await response.aread())
            body["ResultHasMorePages"] = True
            return httpx.Response(200, content=json.dumps(body).encode())

    class Wrapped:
        def __getattr__(self, name: str) -> Any:
            return getattr(sim, name)

        def async_transport(self) -> httpx.AsyncBaseTransport:
            return EndlessPages()

    app = BellCountingApp(open_demo(simulator=Wrapped()))  # type: ignore[arg-type]
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await wait_until(
            pilot,
            lambda: any("more environments" in n for n in notices(app)),
            what="the warning",
        )
