"""`lcs-tui login` / `logout` as users and scripts run them, against the
simulator served over loopback HTTPS (the CLI uses the real network stack)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from lcs_tui.secrets import KeyringStore
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo
from tests.auth.cli import Result, run
from tests.auth.keyrings import MemoryKeyring
from tests.auth.simhelp import START

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(clock=ManualClock(START), device_code_interval=1)


@pytest.fixture
def server(sim: Simulator) -> Iterator[LoopbackServer]:
    with sim.serve_https() as server:
        yield server


Cli = tuple[pytest.CaptureFixture[str], pytest.MonkeyPatch]


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> Cli:
    return capsys, monkeypatch


def lcs(cli: Cli, *argv: str, answers: str | None = None, stdin: str = "") -> Result:
    return run(cli[0], cli[1], *argv, answers=answers, stdin=stdin)


def add_profile(
    cli: Cli,
    server: LoopbackServer,
    name: str = "sim",
    method: str = "password",
    client_id: str = demo.CLIENT_ID,
    username: str = demo.USERNAME,
    *extra: str,
) -> None:
    result = lcs(
        cli, "profile", "add", name,
        "--tenant", demo.TENANT_DOMAIN, "--client-id", client_id,
        "--username", username, "--project-id", str(demo.PROJECT_ID),
        "--api-host", server.base_url, "--authority", f"{server.base_url}/{demo.TENANT_ID}",
        "--ca-bundle", str(server.ca_file), "--method", method, *extra,
    )  # fmt: skip
    assert result.code == 0, result.err


def test_password_login_from_the_environment(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server)
    cli[1].setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    result = lcs(cli, "login")
    assert result.code == 0, result.err
    assert result.out.startswith(f"signed in as {demo.USERNAME} (profile sim, project ")
    assert KeyringStore().get("sim", "password") == demo.PASSWORD
    assert KeyringStore().get("sim", "token-cache") is not None


def test_password_from_stdin_not_remembered(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server)
    result = lcs(cli, "login", "--password-stdin", "--no-remember", stdin=demo.PASSWORD + "\n")
    assert result.code == 0, result.err
    assert KeyringStore().get("sim", "password") is None


def test_password_prompt_in_a_terminal(
    cli: Cli, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_profile(cli, server)
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return demo.PASSWORD

    monkeypatch.setattr("getpass.getpass", getpass)
    result = lcs(cli, "login", answers="")
    assert result.code == 0, result.err
    assert prompts == [f"Password for {demo.USERNAME}: "]


def test_script_without_a_password_is_told_how_to_give_one(
    cli: Cli, server: LoopbackServer
) -> None:
    add_profile(cli, server)
    result = lcs(cli, "login")
    assert result.code == 2
    assert "LCS_TUI_PASSWORD" in result.err and "--password-stdin" in result.err


def test_wrong_password_exit_3_with_hint_and_no_echo(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server)
    cli[1].setenv("LCS_TUI_PASSWORD", "Wrong-Password-123")
    result = lcs(cli, "login")
    assert result.code == 3
    assert "Wrong user name or password" in result.err and "AADSTS50126" in result.err
    assert "lcs-tui login --profile sim" in result.err
    assert "Wrong-Password-123" not in result.out + result.err
    assert KeyringStore().get("sim", "password") is None


def test_mfa_account_is_sent_to_device_code(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server, "mfa", "password", demo.CLIENT_ID, demo.MFA_USERNAME)
    cli[1].setenv("LCS_TUI_PASSWORD", demo.MFA_PASSWORD)
    result = lcs(cli, "login", "--profile", "mfa")
    assert result.code == 3
    assert "multi-factor" in result.err and "device-code" in result.err


def test_password_and_client_secret(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server, "postman", "password+secret", demo.CONFIDENTIAL_CLIENT_ID)
    cli[1].setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    cli[1].setenv("LCS_TUI_CLIENT_SECRET", demo.CLIENT_SECRET)
    assert lcs(cli, "--profile", "postman", "login").code == 0
    assert KeyringStore().get("postman", "client-secret") == demo.CLIENT_SECRET
    cli[1].delenv("LCS_TUI_CLIENT_SECRET")
    again = lcs(cli, "login", "--profile", "postman")  # the stored secret is re-used
    assert again.code == 0, again.err


def test_device_code_login_prints_url_and_code_and_waits(
    cli: Cli, server: LoopbackServer, sim: Simulator
) -> None:
    add_profile(cli, server, "mfa", "device-code", demo.CLIENT_ID, demo.MFA_USERNAME)

    def approve_when_asked() -> None:
        for _ in range(100):
            codes = sim.pending_device_codes()
            if codes:
                sim.approve_device_code(codes[0], demo.MFA_USERNAME)
                return
            time.sleep(0.05)

    approver = threading.Thread(target=approve_when_asked)
    approver.start()
    result = lcs(cli, "login", "--profile", "mfa")
    approver.join()
    assert result.code == 0, result.err
    assert "enter the code" in result.err and "/devicelogin" in result.err
    assert result.out.startswith(f"signed in as {demo.MFA_USERNAME}")


def test_browser_login_without_a_browser(
    cli: Cli, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_profile(cli, server, "web", "browser")
    monkeypatch.setattr("lcs_tui.auth.session.browser_available", lambda: False)
    result = lcs(cli, "login", "--profile", "web")
    assert result.code == 3
    assert "No web browser" in result.err and "device-code" in result.err


def test_logout_forgets_tokens_then_secrets(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server)
    cli[1].setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    assert lcs(cli, "login").code == 0
    out = lcs(cli, "logout")
    assert out.code == 0 and "signed out of profile sim" in out.out
    assert KeyringStore().get("sim", "token-cache") is None
    assert KeyringStore().get("sim", "password") == demo.PASSWORD
    assert lcs(cli, "logout", "--forget-secrets").code == 0
    assert KeyringStore().get("sim", "password") is None


def test_session_store_says_the_sign_in_is_not_kept(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server, "sim", "password", demo.CLIENT_ID, demo.USERNAME,
                "--secret-store", "session")  # fmt: skip
    cli[1].setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    result = lcs(cli, "login")
    assert result.code == 0
    # What really happens: nothing is kept, the app asks again, scripts use the variable.
    assert "keeps nothing once a command ends" in result.err
    assert "lcs-tui signs you in again when it opens" in result.err
    assert "LCS_TUI_PASSWORD" in result.err
    assert "lcs-tui profile set sim --secret-store keyring" in result.err


def test_login_without_any_profile_is_a_config_error(cli: Cli) -> None:
    result = lcs(cli, "login")
    assert result.code == 4
    assert "no profile yet" in result.err and "lcs-tui profile add" in result.err


def test_profile_option_before_or_after_the_command(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server, "first")
    add_profile(cli, server, "second")
    cli[1].setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    assert "profile second" in lcs(cli, "--profile", "second", "login").out
    assert "profile second" in lcs(cli, "login", "--profile", "second").out
    assert "profile first" in lcs(cli, "login").out
