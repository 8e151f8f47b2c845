"""Choosing what to open: the configured profile, or a first-run screen.

With no profile yet, a small screen offers to set one up (a form that writes
the profile file, never a secret) or to try the demo.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Select, Static

from lcs_tui.tui import collector
from lcs_tui.tui.format import safe
from lcs_tui.untrusted import inert
from lcs_tui.workspace import Workspace

if TYPE_CHECKING:
    from lcs_tui.config import Profile

WELCOME = """\
lcs-tui shows a Lifecycle Services project's environments and database
backups, starts refreshes and exports safely, and watches them live.

No profile is set up yet. A profile names the LCS project, the geography,
your Entra ID tenant and the app registration used to sign in (see
docs/sign-in.md for the app registration you need).
"""


def choose_workspace(profile_name: str | None, *, read_only: bool) -> Workspace | None:
    from lcs_tui.config import ConfigError, load_config
    from lcs_tui.workspace import open_demo, open_profile

    try:
        config = load_config()
    except ConfigError as exc:
        print(inert(f"lcs-tui: {exc}", newlines=True), file=sys.stderr)
        return None
    if config.profiles:
        try:
            profile = config.get(profile_name)
        except ConfigError as exc:
            print(inert(f"lcs-tui: {exc}", newlines=True), file=sys.stderr)
            return None
        return open_profile(profile, read_only=read_only)
    if profile_name:
        print(
            inert(f"lcs-tui: no profile named {profile_name!r}; run `lcs-tui profile add`"),
            file=sys.stderr,
        )
        return None
    # A form the user may take minutes over is not start-up (collector.py).
    collector.resume_after_start_up()
    choice = FirstRunApp().run()
    if choice == "demo":
        return open_demo(read_only=read_only)
    if choice:
        return open_profile(load_config().get(choice), read_only=read_only)
    return None


class FirstRunApp(App[str]):
    """Returns "demo", the name of the profile it saved, or None."""

    TITLE = "lcs-tui — first run"
    CSS = """
    Screen { align: center middle; }
    #box { width: 90; max-width: 100%; height: auto; max-height: 100%;
           border: thick $primary; padding: 1 2; }
    #form { display: none; height: auto; max-height: 30; }
    #box.form #form { display: block; }
    #box.form #choices, #box.form #welcome { display: none; }
    .title { text-style: bold; margin-bottom: 1; }
    .field-label { margin-top: 1; }
    #problems { color: $error; height: auto; }
    .buttons { height: auto; margin-top: 1; }
    .buttons Button { margin-right: 2; }
    """
    BINDINGS = [("escape", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        from lcs_tui.config import GEOGRAPHIES, SECRET_STORES, SIGN_IN_METHODS

        with Vertical(id="box"):
            yield Label("Welcome to lcs-tui", classes="title")
            yield Static(WELCOME, id="welcome")
            with Horizontal(id="choices", classes="buttons"):
                yield Button("Try the demo", id="demo", variant="primary")
                yield Button("Set up a profile", id="setup")
                yield Button("Quit", id="quit")
            with VerticalScroll(id="form"):
                for key, label, placeholder in (
                    ("name", "Profile name", "default"),
                    ("project_id", "LCS project id (a number)", "1234567"),
                    ("tenant", "Tenant (domain or id)", "contoso.onmicrosoft.com"),
                    (
                        "client_id",
                        "Application (client) id of your app registration",
                        "00000000-0000-0000-0000-000000000000",
                    ),
                    ("username", "Username", "ana@contoso.com"),
                ):
                    yield Label(label, classes="field-label")
                    yield Input(
                        placeholder=placeholder, id=key, value="default" if key == "name" else ""
                    )
                yield Label("Geography", classes="field-label")
                yield Select(
                    [(g.label, g.key) for g in GEOGRAPHIES.values()],
                    id="geography",
                    value="global",
                    allow_blank=False,
                )
                yield Label("Sign-in method", classes="field-label")
                yield Select(
                    [(label, key) for key, label in SIGN_IN_METHODS.items()],
                    id="method",
                    value="device-code",
                    allow_blank=False,
                )
                yield Label("Where to keep secrets", classes="field-label")
                yield Select(
                    [(label, key) for key, label in SECRET_STORES.items()],
                    id="store",
                    value="keyring",
                    allow_blank=False,
                )
                yield Static(id="keyring-state")
                yield Static(id="problems")
                with Horizontal(classes="buttons"):
                    yield Button("Save and open", id="save", variant="primary")
                    yield Button("Back", id="back")
        yield Footer()

    @on(Button.Pressed, "#demo")
    def _demo(self) -> None:
        self.exit("demo")

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.exit(None)

    @on(Button.Pressed, "#setup")
    def _setup(self) -> None:
        self.query_one("#box").add_class("form")
        self.query_one("#name", Input).focus()
        self.check_keyring()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.query_one("#box").remove_class("form")

    @work(thread=True, exit_on_error=False)
    def check_keyring(self) -> None:
        from lcs_tui.secrets import detect_keyring

        status = detect_keyring()
        self.call_from_thread(self._keyring_checked, status.usable, status.message)

    def _keyring_checked(self, usable: bool, message: str) -> None:
        self.query_one("#keyring-state", Static).update(
            Text(message, style="green" if usable else "yellow")
        )
        if not usable:
            self.query_one("#store", Select).value = "session"

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        from lcs_tui.config import ProfileError, make_profile

        values: dict[str, Any] = {
            key: self.query_one(f"#{key}", Input).value.strip()
            for key in ("name", "project_id", "tenant", "client_id", "username")
        }
        problems = self.query_one("#problems", Static)
        if not values["project_id"].isdigit():
            problems.update("The project id is the number in the LCS project's URL.")
            return
        try:
            profile = make_profile(
                name=values["name"] or "default",
                tenant=values["tenant"],
                client_id=values["client_id"],
                username=values["username"] or None,
                project_id=int(values["project_id"]),
                geography=str(self.query_one("#geography", Select).value),
                sign_in_method=str(self.query_one("#method", Select).value),
                secret_store=str(self.query_one("#store", Select).value),
            )
        except ProfileError as exc:
            problems.update(safe(f"{exc.key}: {exc.message}", limit=400))
            return
        self.query_one("#save", Button).disabled = True  # one write at a time
        self.write_profile(profile)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def write_profile(self, profile: Profile) -> None:
        """Reading and writing the profiles file is disk work: not on the event loop."""
        from lcs_tui.config import ConfigError, ProfileError, load_config, save_config

        try:
            save_config(load_config().with_profile(profile, make_default=True))
        except ProfileError as exc:
            self.call_from_thread(self._not_saved, safe(f"{exc.key}: {exc.message}", limit=400))
            return
        except ConfigError as exc:
            self.call_from_thread(self._not_saved, safe(str(exc), limit=400))
            return
        except OSError as exc:  # disk full, a folder that cannot be written
            where = exc.filename or "the profiles file"
            self.call_from_thread(
                self._not_saved, safe(f"Could not save {where}: {exc.strerror or exc}", limit=400)
            )
            return
        self.call_from_thread(self.exit, profile.name)

    def _not_saved(self, problem: Text) -> None:
        self.query_one("#problems", Static).update(problem)
        self.query_one("#save", Button).disabled = False
