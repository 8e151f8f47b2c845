"""The device login page: where a person types the code shown by the app.

Served at /devicelogin (on the loopback server that is the
`verification_uri` of the device code flow). The person enters the code and
a demo username and password; MFA is taken as done, which is the point of
the device code flow.
"""

from __future__ import annotations

from html import escape

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, Request, text_reply
from lcs_tui.simulator.world import World

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28em;margin:3em auto;color:#222}"
    "label{display:block;margin-top:1em}input{width:100%;padding:.4em;font-size:1em}"
    "button{margin-top:1.5em;padding:.5em 1.5em;font-size:1em}.note{color:#666;font-size:.9em}"
    ".error{color:#b00020}"
)


def _page(title: str, body: str, status: int = 200) -> Reply:
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return text_reply(html, "text/html; charset=utf-8", status)


def _form(code: str = "", username: str = demo.USERNAME, error: str = "") -> str:
    problem = f"<p class=error>{escape(error)}</p>" if error else ""
    return (
        f"{problem}<p>Enter the code shown by lcs-tui to sign in to the simulated "
        "Lifecycle Services.</p>"
        '<form method=post action="/devicelogin">'
        f'<label>Code <input name=code value="{escape(code)}" autofocus autocomplete=off></label>'
        f'<label>Username <input name=username value="{escape(username)}"></label>'
        "<label>Password <input name=password type=password></label>"
        "<button type=submit>Sign in</button></form>"
        f"<p class=note>Demo account: {escape(demo.USERNAME)} / {escape(demo.PASSWORD)}. "
        "This is the lcs-tui simulator, not Microsoft.</p>"
    )


def device_login(world: World, request: Request) -> Reply:
    if request.method == "GET":
        code = request.query_params().get("otc", "")
        return _page("Sign in (simulated)", _form(code))
    form = request.form()
    code = form.get("code", "").strip()
    username = form.get("username", "").strip()
    entry = world.tokens.device_by_user_code(code)
    if entry is None or world.now() >= entry.expires_at or entry.redeemed:
        return _page(
            "Sign in (simulated)",
            _form(code, username, "That code is not valid or has expired."),
            400,
        )
    user = world.directory.user(username)
    if user is None or form.get("password", "") != user.password:
        return _page(
            "Sign in (simulated)", _form(code, username, "Wrong username or password."), 400
        )
    entry.approved_by = user
    return _page(
        "You are signed in",
        f"<p>{escape(user.display_name)} signed in to <b>{escape(entry.app.display_name)}</b>. "
        "You can close this window and return to lcs-tui.</p>",
    )
