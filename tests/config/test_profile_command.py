"""`lcs-tui profile ...` as a new user and as a script would use it."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import fail

from lcs_tui.config import GEOGRAPHIES, load_config
from lcs_tui.secrets import KeyringStore
from tests.auth.cli import run
from tests.auth.keyrings import MemoryKeyring

FLAGS = (
    "--tenant", "contoso.onmicrosoft.com",
    "--client-id", "aaaaaaaa-0000-0000-0000-000000000001",
    "--username", "ana@contoso.com",
    "--project-id", "1234567",
    "--geography", "eu",
    "--method", "password",
)  # fmt: skip


@pytest.fixture
def no_keyring() -> object:
    previous = keyring.core._keyring_backend
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.core._keyring_backend = previous


def test_script_adds_a_profile_with_flags_only(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    result = run(capsys, monkeypatch, "profile", "add", "contoso-eu", *FLAGS)
    assert result.code == 0, result.err
    assert "next: lcs-tui login --profile contoso-eu" in result.out
    config = load_config()
    profile = config.get()  # the first profile became the default
    assert profile.name == "contoso-eu"
    assert profile.api_host == "https://lcsapi.eu.lcs.dynamics.com"
    assert profile.secret_store == "keyring"


def test_script_missing_values_is_a_usage_error_naming_them(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    result = run(capsys, monkeypatch, "profile", "add", "p", "--tenant", "t")
    assert result.code == 2
    for flag in ("--client-id", "--project-id", "--geography or --api-host", "--method"):
        assert flag in result.err
    assert not load_config().profiles


def test_new_user_is_asked_for_everything(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    answers = "\n".join(
        [
            "contoso-fr",  # name
            "contoso.onmicrosoft.com",  # tenant
            "aaaaaaaa-0000-0000-0000-000000000001",  # client id
            "7654321",  # project id
            "3",  # geography: fr (third in the list)
            "3",  # method: device-code
            "",  # user name (optional for device code)
            "",  # proxy
            "",  # CA bundle
        ]
    )
    result = run(capsys, monkeypatch, "profile", "add", answers=answers + "\n")
    assert result.code == 0, result.err
    assert "Geography" in result.err and "South Africa" in result.err
    profile = load_config().get("contoso-fr")
    assert (profile.geography, profile.project_id) == ("fr", 7654321)
    assert profile.sign_in_method == "device-code"
    assert profile.username is None


def test_custom_api_host_for_the_simulator(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    result = run(
        capsys, monkeypatch, "profile", "add", "sim",
        "--tenant", "contoso.onmicrosoft.com", "--client-id", "c1", "--project-id", "1",
        "--api-host", "https://127.0.0.1:8443",
        "--authority", "https://127.0.0.1:8443/contoso.onmicrosoft.com",
        "--method", "device-code", "--ca-bundle", str(ca),
    )  # fmt: skip
    assert result.code == 0, result.err
    profile = load_config().get("sim")
    assert profile.geography == "custom"
    assert profile.scope == "https://127.0.0.1:8443//.default"
    assert profile.ca_bundle == str(ca.resolve())


def test_replacing_a_profile_needs_replace(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    assert run(capsys, monkeypatch, "profile", "add", "p", *FLAGS).code == 0
    again = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS)
    assert again.code == 2 and "--replace" in again.err
    replaced = run(
        capsys, monkeypatch, "profile", "add", "p", *FLAGS[:-1], "device-code", "--replace"
    )
    assert replaced.code == 0
    assert load_config().get("p").sign_in_method == "device-code"


def test_without_a_keyring_a_script_must_choose(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    result = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS)
    assert result.code == 2
    assert "No usable system keyring" in result.err
    assert "--secret-store session" in result.err and "--secret-store file" in result.err

    chosen = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS, "--secret-store", "file")
    assert chosen.code == 0
    assert "UNENCRYPTED" in chosen.err
    assert load_config().get("p").secret_store == "file"


def test_without_a_keyring_a_user_is_offered_session_or_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    result = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS, answers="1\n")
    assert result.code == 0, result.err
    assert "No usable system keyring" in result.err
    assert "UNENCRYPTED" in result.err  # the file choice is labelled as such
    assert load_config().get("p").secret_store == "session"


def test_asking_for_the_keyring_without_one_is_a_config_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    result = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS, "--secret-store", "keyring")
    assert result.code == 4
    assert "no usable system keyring" in result.err


def test_list_and_show_never_print_secrets(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    run(capsys, monkeypatch, "profile", "add", "a", *FLAGS)
    run(capsys, monkeypatch, "profile", "add", "b", *FLAGS[:-1], "password+secret")
    store = KeyringStore()
    store.set("a", "password", "pw-visible-nowhere")
    store.set("b", "client-secret", "secret-visible-nowhere")
    store.set("b", "token-cache", '{"RefreshToken": "rt-visible-nowhere"}')

    listed = run(capsys, monkeypatch, "profile", "list")
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "GEOGRAPHY", "PROJECT"]
    assert lines[1].startswith("* a ") and lines[2].startswith("  b ")

    shown = run(capsys, monkeypatch, "--profile", "b", "profile", "show")
    assert "secret_stored:    yes" in shown.out
    assert "signed_in:        yes" in shown.out
    as_json = json.loads(run(capsys, monkeypatch, "profile", "show", "a", "--json").out)
    assert as_json["password_stored"] is True and as_json["default"] is True

    everything = "".join(
        r.out + r.err
        for r in (
            listed,
            shown,
            run(capsys, monkeypatch, "profile", "list", "--json"),
            run(capsys, monkeypatch, "profile", "show", "a"),
        )
    )
    for secret in ("pw-visible-nowhere", "secret-visible-nowhere", "rt-visible-nowhere"):
        assert secret not in everything


def test_remove_takes_the_secrets_along(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    run(capsys, monkeypatch, "profile", "add", "a", *FLAGS)
    run(capsys, monkeypatch, "profile", "add", "b", *FLAGS)
    KeyringStore().set("a", "password", "pw")
    KeyringStore().set("a", "token-cache", "x" * 5000)
    result = run(capsys, monkeypatch, "profile", "remove", "a")
    assert result.code == 0, result.err
    assert not any(user.startswith("a/") for _, user in memory_keyring.entries)
    assert "default profile: b" in result.out
    assert load_config().default == "b"


def test_default_shows_and_sets(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    run(capsys, monkeypatch, "profile", "add", "a", *FLAGS)
    run(capsys, monkeypatch, "profile", "add", "b", *FLAGS)
    assert run(capsys, monkeypatch, "profile", "default").out.strip() == "a"
    assert run(capsys, monkeypatch, "profile", "default", "b").code == 0
    assert load_config().default == "b"
    unknown = run(capsys, monkeypatch, "profile", "default", "zzz")
    assert unknown.code == 4 and "known profiles: a, b" in unknown.err


def test_broken_config_file_is_reported_with_exit_code_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = load_config().path
    path.parent.mkdir(parents=True)
    path.write_text(
        '[profiles.p]\ntenant = "t"\nproject_id = "x"\nclient_id = "c"\n'
        'sign_in_method = "device-code"\n'
    )
    result = run(capsys, monkeypatch, "profile", "list")
    assert result.code == 4
    assert str(path) in result.err and "line 3" in result.err and "'project_id'" in result.err


def test_answers_are_checked_as_given_and_a_custom_host_asks_for_its_authority(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    answers = "\n".join(
        [
            "sim",  # name
            "contoso.onmicrosoft.com",  # tenant
            "not-a-guid",  # client id: refused at once...
            "aaaaaaaa-0000-0000-0000-000000000001",  # ...and asked again
            "abc",  # project id: refused at once...
            "1234567",  # ...and asked again
            str(len(GEOGRAPHIES) + 1),  # geography: another API host
            "127.0.0.1:8443",  # refused: not https://
            "https://127.0.0.1:8443",
            "",  # authority: the default offered for a loopback host
            "1",  # method: password
            "ana@contoso.com",  # user name
            "",  # proxy
            "",  # CA bundle
        ]
    )
    result = run(capsys, monkeypatch, "profile", "add", answers=answers + "\n")
    assert result.code == 0, result.err
    assert "looks like 00000000-" in result.err
    assert "number in the LCS project's address" in result.err
    assert "full https:// address" in result.err
    profile = load_config().get("sim")
    assert profile.project_id == 1234567
    assert profile.api_host == "https://127.0.0.1:8443"
    assert profile.authority == "https://127.0.0.1:8443/contoso.onmicrosoft.com"


# ------------------------------------------------------------------ set-up as it really is


def test_every_flag_given_in_a_terminal_asks_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    # A terminal with no answers at all: any question would end the input.
    result = run(capsys, monkeypatch, "profile", "add", "p", *FLAGS, answers="")
    assert result.code == 0, result.err
    assert "proxy" not in result.err.lower() and "CA bundle" not in result.err
    assert load_config().get("p").proxy is None


def test_the_readme_names_the_questions_in_the_order_they_come(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(x for x in readme.splitlines() if "lcs-tui profile add " in x and "# asks" in x)
    said = [word.strip() for word in line.split("# asks for", 1)[1].split(",")]
    prompts = {
        "name": "Profile name",
        "tenant": "Tenant",
        "app id": "Application (client) id",
        "project id": "LCS project id",
        "geography": "Geography",
        "method": "Sign-in method",
        "user": "User name",
    }
    answers = ["p", "contoso.onmicrosoft.com", "aaaaaaaa-0000-0000-0000-000000000001",
               "1234567", "1", "1", "ana@contoso.com", "", ""]  # fmt: skip
    result = run(capsys, monkeypatch, "profile", "add", answers="\n".join(answers) + "\n")
    assert result.code == 0, result.err
    positions = [result.err.index(prompts[word]) for word in said]
    assert positions == sorted(positions), said


@pytest.mark.parametrize(
    ("method", "says"),
    [
        ("password", "the app asks for the password when it opens, every time"),
        ("device-code", "scripting commands cannot sign in with this profile"),
    ],
)
def test_a_session_store_profile_says_what_happens_next(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    method: str,
    says: str,
) -> None:
    flags = [*FLAGS[:-1], method, "--secret-store", "session"]
    result = run(capsys, monkeypatch, "profile", "add", "p", *flags)
    assert result.code == 0, result.err
    assert "lcs-tui login" not in result.out  # login would keep nothing
    assert says in result.out
    if method == "password":
        assert "LCS_TUI_PASSWORD" in result.out


def test_profile_set_changes_only_the_method(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    assert (
        run(capsys, monkeypatch, "profile", "add", "p", *FLAGS, "--proxy", "https://px:3128").code
        == 0
    )
    before = load_config().get("p")
    result = run(capsys, monkeypatch, "profile", "set", "p", "--sign-in-method", "device-code")
    assert result.code == 0, result.err
    assert "sign_in_method password -> device-code" in result.out
    assert "next: lcs-tui login --profile p" in result.out
    after = load_config().get("p")
    assert after.sign_in_method == "device-code"
    assert after == before.__class__(**{**before.__dict__, "sign_in_method": "device-code"})
    cleared = run(capsys, monkeypatch, "profile", "set", "--profile", "p", "--proxy", "")
    assert cleared.code == 0 and load_config().get("p").proxy is None


def test_profile_set_follows_a_new_geography_and_refuses_nonsense(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    assert run(capsys, monkeypatch, "profile", "add", "p", *FLAGS).code == 0
    moved = run(capsys, monkeypatch, "profile", "set", "p", "--geography", "fr")
    assert moved.code == 0, moved.err
    profile = load_config().get("p")
    assert profile.api_host == GEOGRAPHIES["fr"].api_host
    assert profile.authority == GEOGRAPHIES["fr"].authority_for("contoso.onmicrosoft.com")
    nothing = run(capsys, monkeypatch, "profile", "set", "p")
    assert nothing.code == 2 and "nothing to change" in nothing.err
    wrong = run(capsys, monkeypatch, "profile", "set", "p", "--username", "")
    assert wrong.code == 2 and "needs a username" in wrong.err
    assert load_config().get("p").username == "ana@contoso.com"  # unchanged


def test_moving_to_another_secret_store_leaves_nothing_behind(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    assert run(capsys, monkeypatch, "profile", "add", "p", *FLAGS).code == 0
    KeyringStore().set("p", "password", "hunter2")
    result = run(capsys, monkeypatch, "profile", "set", "p", "--secret-store", "session")
    assert result.code == 0, result.err
    assert KeyringStore().get("p", "password") is None
    assert "the app asks for the password when it opens" in result.out
