"""Every sign-in method against the simulator's Entra ID, then LCS accepts the token."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import msal.application
import msal.token_cache
import pytest

from lcs_tui.auth import (
    Session,
    SignInCancelled,
    SignInError,
    SignInRequired,
    explain_api_401,
)
from lcs_tui.secrets import KeyringStore, MemoryStore, SecretStoreError
from lcs_tui.simulator import ManualClock, Simulator, demo
from tests.auth.keyrings import MemoryKeyring
from tests.auth.simhelp import START, ShiftedTime, backups_status, lcs_answer, profile, session

# ROPC is the documented LCS flow; MSAL's nudge away from it is not news here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> Simulator:
    return Simulator(clock=clock, device_code_interval=1)


@pytest.fixture
def msal_time(monkeypatch: pytest.MonkeyPatch) -> ShiftedTime:
    """MSAL's own notion of now, so tests can let hours pass for its token cache."""
    shifted = ShiftedTime()
    monkeypatch.setattr(msal.application, "time", shifted)
    monkeypatch.setattr(msal.token_cache, "time", shifted)
    return shifted


# ---------------------------------------------------------------- the methods


def test_password_sign_in(sim: Simulator) -> None:
    store = MemoryStore()
    s = session(sim, store=store)
    account = s.sign_in_with_password(demo.PASSWORD)
    assert account.username == demo.USERNAME
    assert s.account is not None and s.account.username == demo.USERNAME
    assert backups_status(sim, s.acquire_token()) == 200
    assert store.get("contoso", "password") == demo.PASSWORD  # remembered, as asked
    assert store.get("contoso", "token-cache") is not None


def test_password_not_remembered_and_old_one_removed(sim: Simulator) -> None:
    store = MemoryStore()
    store.set("contoso", "password", "an-old-password")
    s = session(sim, store=store)
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    assert store.get("contoso", "password") is None
    assert store.get("contoso", "token-cache") is not None  # tokens are still kept


def test_password_plus_client_secret_sign_in(sim: Simulator) -> None:
    store = MemoryStore()
    prof = profile(client_id=demo.CONFIDENTIAL_CLIENT_ID, sign_in_method="password+secret")
    s = session(sim, prof, store)
    account = s.sign_in_with_password(demo.PASSWORD, demo.CLIENT_SECRET)
    assert account.username == demo.USERNAME
    assert backups_status(sim, s.acquire_token()) == 200
    assert store.get("contoso", "client-secret") == demo.CLIENT_SECRET
    # A confidential client needs its secret to renew, too:
    sim.expire_tokens()
    assert backups_status(sim, s.acquire_token(force_refresh=True)) == 200


def test_stored_password_and_secret_are_used_when_none_is_given(sim: Simulator) -> None:
    store = MemoryStore()
    store.set("contoso", "password", demo.PASSWORD)
    store.set("contoso", "client-secret", demo.CLIENT_SECRET)
    prof = profile(client_id=demo.CONFIDENTIAL_CLIENT_ID, sign_in_method="password+secret")
    assert session(sim, prof, store).sign_in_with_password().username == demo.USERNAME


def test_device_code_sign_in_works_for_an_mfa_account(sim: Simulator) -> None:
    s = session(sim, profile(sign_in_method="device-code", username=None))
    flow = s.start_device_flow()
    assert flow.user_code in flow.message and flow.verification_uri in flow.message
    assert flow.expires_at.timestamp() > time.time() + 60
    sim.approve_device_code(flow.user_code, demo.MFA_USERNAME)
    account = s.finish_device_flow(flow)
    assert account.username == demo.MFA_USERNAME
    assert backups_status(sim, s.acquire_token()) == 200


def test_device_code_wait_can_be_cancelled_from_another_thread(sim: Simulator) -> None:
    s = session(sim, profile(sign_in_method="device-code"))
    flow = s.start_device_flow()
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(SignInCancelled):
        s.finish_device_flow(flow, cancel)
    # Well before the code expires (15 minutes): the wait ended on the cancel.
    assert time.monotonic() - started < 120
    assert s.account is None


def test_declined_device_code(sim: Simulator) -> None:
    s = session(sim, profile(sign_in_method="device-code"))
    flow = s.start_device_flow()
    sim.decline_device_code(flow.user_code)
    with pytest.raises(SignInError) as caught:
        s.finish_device_flow(flow)
    assert "declined" in caught.value.message


def test_device_code_is_refused_for_a_confidential_profile(sim: Simulator) -> None:
    prof = profile(client_id=demo.CONFIDENTIAL_CLIENT_ID, sign_in_method="password+secret")
    with pytest.raises(SignInError) as caught:
        session(sim, prof).start_device_flow()
    assert "public client" in caught.value.message


def test_browser_sign_in_without_a_browser_points_to_device_code(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lcs_tui.auth.session.browser_available", lambda: False)
    with pytest.raises(SignInError) as caught:
        session(sim, profile(sign_in_method="browser")).sign_in_with_browser()
    assert "No web browser" in caught.value.message
    assert caught.value.hint is not None and "device-code" in caught.value.hint


# -------------------------------------------------------- silent and renewal


def test_a_new_session_reuses_the_saved_sign_in(sim: Simulator) -> None:
    store = MemoryStore()
    first = session(sim, store=store)
    token = (first.sign_in_with_password(demo.PASSWORD), first.acquire_token())[1]
    store.delete("contoso", "password")  # only the token cache is left
    again = session(sim, store=store)  # the app restarted
    assert again.account is not None and again.account.username == demo.USERNAME
    assert again.acquire_token() == token


def test_never_signed_in_needs_sign_in_without_network(sim: Simulator) -> None:
    for method in ("password", "device-code"):
        s = session(sim, profile(sign_in_method=method))
        with pytest.raises(SignInRequired) as caught:
            s.acquire_token()
        assert "lcs-tui login --profile contoso" in (caught.value.hint or "")
    assert sim.request_log == []


def test_401_then_force_refresh_renews_with_the_refresh_token(sim: Simulator) -> None:
    s = session(sim)
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    old = s.acquire_token()
    sim.expire_tokens()
    assert backups_status(sim, old) == 401
    assert s.acquire_token() == old  # MSAL cannot know; the API client's 401 tells it
    new = s.acquire_token(force_refresh=True)
    assert new != old
    assert backups_status(sim, new) == 200


def test_a_24_hour_watch_never_asks_to_sign_in(
    sim: Simulator, clock: ManualClock, msal_time: ShiftedTime
) -> None:
    store = MemoryStore()
    s = session(sim, store=store)
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    tokens = set()
    for _ in range(2 * 24):
        clock.advance(timedelta(minutes=30))
        msal_time.offset += 30 * 60
        token = s.acquire_token()
        assert backups_status(sim, token) == 200
        tokens.add(token)
    assert len(tokens) >= 20  # renewed silently about every hour


def test_revoked_refresh_token_falls_back_to_the_stored_password(sim: Simulator) -> None:
    s = session(sim)
    s.sign_in_with_password(demo.PASSWORD)  # remembered
    sim.revoke_refresh_tokens()
    sim.expire_tokens()
    assert backups_status(sim, s.acquire_token(force_refresh=True)) == 200


def test_revoked_refresh_token_without_password_requires_sign_in(sim: Simulator) -> None:
    s = session(sim)
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    sim.revoke_refresh_tokens()
    with pytest.raises(SignInRequired) as caught:
        s.acquire_token(force_refresh=True)
    assert caught.value.code == "AADSTS50173"


def test_concurrent_renewals_from_worker_threads(sim: Simulator) -> None:
    s = session(sim)
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    sim.expire_tokens()
    results: list[str] = []
    errors: list[BaseException] = []

    def renew() -> None:
        try:
            results.append(s.acquire_token(force_refresh=True))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=renew) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(backups_status(sim, token) == 200 for token in results)
    assert len(results) == 8


# ------------------------------------------------------------------ sign-out


def test_sign_out_forgets_tokens_and_optionally_secrets(sim: Simulator) -> None:
    store = MemoryStore()
    s = session(sim, store=store)
    s.sign_in_with_password(demo.PASSWORD)
    s.sign_out()
    assert store.get("contoso", "token-cache") is None
    assert s.account is None
    assert store.get("contoso", "password") == demo.PASSWORD
    # With only the stored password left, a silent sign-in still works:
    assert backups_status(sim, s.acquire_token()) == 200
    s.sign_out(forget_secrets=True)
    assert store.get("contoso", "password") is None
    with pytest.raises(SignInRequired):
        session(sim, store=store).acquire_token()


# -------------------------------------------------- errors from the simulator


@pytest.mark.parametrize(
    ("overrides", "password", "secret", "code"),
    [
        ({}, "not-the-password", None, "AADSTS50126"),
        ({"username": demo.MFA_USERNAME}, demo.MFA_PASSWORD, None, "AADSTS50076"),
        ({"client_id": demo.NO_CONSENT_CLIENT_ID}, demo.PASSWORD, None, "AADSTS65001"),
        ({"client_id": demo.NO_PUBLIC_FLOWS_CLIENT_ID}, demo.PASSWORD, None, "AADSTS7000218"),
        (
            {"client_id": demo.CONFIDENTIAL_CLIENT_ID, "sign_in_method": "password+secret"},
            demo.PASSWORD,
            "not-the-client-secret",
            "AADSTS7000215",
        ),
        (
            {"client_id": "00000000-0000-0000-0000-00000000dead"},
            demo.PASSWORD,
            None,
            "AADSTS700016",
        ),
        ({"username": "nobody@contoso.com"}, demo.PASSWORD, None, "AADSTS50034"),
        ({"tenant": "fabrikam.onmicrosoft.com"}, demo.PASSWORD, None, "AADSTS90002"),
    ],
)
def test_entra_refusals_become_errors_that_teach(
    sim: Simulator,
    overrides: dict[str, str],
    password: str,
    secret: str | None,
    code: str,
) -> None:
    store = MemoryStore()
    s = session(sim, profile(**overrides), store)
    with pytest.raises(SignInError) as caught:
        s.sign_in_with_password(password, secret)
    error = caught.value
    assert error.code == code
    assert error.hint
    everything = " ".join(
        str(x) for x in (error, error.message, error.hint, error.detail, error.as_text())
    )
    for value in (password, secret, demo.PASSWORD):
        assert not value or value not in everything
    assert store.get("contoso", "password") is None  # a failed password is not kept


def test_mfa_hint_leads_to_device_code(sim: Simulator) -> None:
    s = session(sim, profile(username=demo.MFA_USERNAME))
    with pytest.raises(SignInError) as caught:
        s.sign_in_with_password(demo.MFA_PASSWORD)
    assert "device-code" in (caught.value.hint or "")


def test_user_not_in_project_is_signed_in_but_refused_by_lcs(sim: Simulator) -> None:
    prof = profile(username=demo.NOT_IN_PROJECT_USERNAME)
    s = session(sim, prof)
    assert s.sign_in_with_password(demo.NOT_IN_PROJECT_PASSWORD).username
    answer = lcs_answer(sim, s.acquire_token())
    # Sign-in is fine; LCS itself refuses (the API client reports this one).
    assert answer.status_code == 200 and answer.json()["IsSuccess"] is False
    assert "owner or environment admin" in (explain_api_401(prof).hint or "")


def test_token_for_another_geography_is_refused_by_lcs(sim: Simulator) -> None:
    s = session(sim, profile(geography="eu"))
    s.sign_in_with_password(demo.PASSWORD)
    token = s.acquire_token()
    assert backups_status(sim, token, api_host=demo.EU_API_HOST) == 200
    assert backups_status(sim, token, api_host=demo.API_HOST) == 401


# ------------------------------------------------------------ the secret store


def test_token_cache_goes_to_the_keyring_in_chunks(sim: Simulator) -> None:
    backend = MemoryKeyring(max_chars=1280)
    s = session(sim, store=KeyringStore(backend))
    s.sign_in_with_password(demo.PASSWORD, remember=False)
    token = s.acquire_token()
    cache = KeyringStore(backend).get("contoso", "token-cache")
    assert cache is not None and token in cache
    assert json.loads(cache)["RefreshToken"]
    assert all(len(v) <= 1280 for v in backend.entries.values())


def test_a_keyring_that_refuses_writes_does_not_stop_a_signed_in_session(
    sim: Simulator,
) -> None:
    class ReadOnlyKeyring(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise SecretStoreError("locked")

    s = session(sim, store=KeyringStore(ReadOnlyKeyring()))
    s.sign_in_with_password(demo.PASSWORD)
    assert backups_status(sim, s.acquire_token()) == 200
    assert any("could not be saved" in w for w in s.warnings)
    assert all(demo.PASSWORD not in w for w in s.warnings)


def test_a_keyring_that_cannot_be_read_is_a_sign_in_error(sim: Simulator) -> None:
    class LockedKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("Failed to unlock the collection!")

    with pytest.raises(SignInError) as caught:
        session(sim, store=KeyringStore(LockedKeyring())).acquire_token()
    assert "secret store" in caught.value.message
    assert isinstance(Session, type)


def test_device_code_that_expires_while_waiting(sim: Simulator) -> None:
    s = session(sim, profile(sign_in_method="device-code"))
    flow = s.start_device_flow()
    flow._flow["expires_at"] = time.time() + 0.5  # as if the user walked away
    with pytest.raises(SignInError) as caught:
        s.finish_device_flow(flow)
    assert "expired" in caught.value.message


def test_a_client_secret_not_remembered_still_renews_in_this_session(sim: Simulator) -> None:
    store = MemoryStore()
    prof = profile(client_id=demo.CONFIDENTIAL_CLIENT_ID, sign_in_method="password+secret")
    s = session(sim, prof, store)
    s.sign_in_with_password(demo.PASSWORD, demo.CLIENT_SECRET, remember=False)
    assert store.get("contoso", "client-secret") is None
    sim.expire_tokens()
    assert backups_status(sim, s.acquire_token(force_refresh=True)) == 200
    with pytest.raises(SignInRequired):  # a restarted app has no secret to renew with
        session(sim, prof, store).acquire_token(force_refresh=True)


def test_a_new_user_on_the_profile_replaces_the_old_account(sim: Simulator) -> None:
    store = MemoryStore()
    session(sim, store=store).sign_in_with_password(demo.PASSWORD)
    other = profile(username=demo.NOT_IN_PROJECT_USERNAME)
    s = session(sim, other, store)
    s.sign_in_with_password(demo.NOT_IN_PROJECT_PASSWORD)
    cache = json.loads(store.get("contoso", "token-cache") or "{}")
    assert [a["username"] for a in cache["Account"].values()] == [demo.NOT_IN_PROJECT_USERNAME]


def test_not_signed_in_with_the_session_store_says_what_works(sim: Simulator) -> None:
    # `lcs-tui login` keeps nothing for the next command with this store: the
    # hint must not send the user there in a circle.
    s = session(sim, profile(secret_store="session"))
    with pytest.raises(SignInRequired) as caught:
        s.acquire_token()
    assert "keeps nothing" in caught.value.message
    hint = caught.value.hint or ""
    assert "LCS_TUI_PASSWORD" in hint
    assert "profile set contoso --secret-store keyring" in hint
    # A profile with a keyring still gets the plain 'sign in' hint.
    with pytest.raises(SignInRequired) as plain:
        session(sim).acquire_token()
    assert (plain.value.hint or "").startswith("sign in: lcs-tui login")
