"""The keyring store against a real Secret Service (gnome-keyring on D-Bus).

.ci/run starts one inside dbus-run-session; elsewhere these tests skip,
except under CI (LCS_TUI_REQUIRE_SYSTEM_TOOLS=1), where a skip is a failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from lcs_tui.secrets import SECRET_KINDS, KeyringStore, detect_keyring
from tests.conftest import require_tool

pytestmark = pytest.mark.needs_secret_service

BIG_CACHE = '{"AccessToken": {' + ",".join(f'"k{i}": "{uuid.uuid4()}"' for i in range(500)) + "}}"


def _secret_service_backend() -> object | None:
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018 - raises when no service is reachable
        return SecretService.Keyring()
    except Exception:
        return None


@pytest.fixture
def store() -> Iterator[tuple[KeyringStore, str]]:
    backend = _secret_service_backend()
    require_tool(
        backend is not None,
        "no Secret Service on D-Bus (run inside dbus-run-session with an unlocked "
        "gnome-keyring-daemon --components=secrets)",
    )
    profile = f"test-{uuid.uuid4().hex[:12]}"
    store = KeyringStore(backend)  # type: ignore[arg-type]
    yield store, profile
    for kind in SECRET_KINDS:
        store.delete(profile, kind)


def test_secret_service_counts_as_a_usable_keyring(store: tuple[KeyringStore, str]) -> None:
    keyring_store, _ = store
    status = detect_keyring(keyring_store._keyring())
    assert status.usable, status.message
    assert "SecretService" in keyring_store.label


def test_password_round_trip(store: tuple[KeyringStore, str]) -> None:
    keyring_store, profile = store
    keyring_store.set(profile, "password", "pässwörd with spaces & symbols")
    assert keyring_store.get(profile, "password") == "pässwörd with spaces & symbols"
    keyring_store.delete(profile, "password")
    assert keyring_store.get(profile, "password") is None


def test_20_kb_token_cache_round_trip(store: tuple[KeyringStore, str]) -> None:
    keyring_store, profile = store
    assert len(BIG_CACHE) > 20_000
    keyring_store.set(profile, "token-cache", BIG_CACHE)
    assert keyring_store.get(profile, "token-cache") == BIG_CACHE
    # A second store object (another process, a later run) reads the same.
    again = KeyringStore(keyring_store._keyring())
    assert again.get(profile, "token-cache") == BIG_CACHE
    keyring_store.set(profile, "token-cache", "small now")
    assert again.get(profile, "token-cache") == "small now"
    keyring_store.delete(profile, "token-cache")
    assert again.get(profile, "token-cache") is None
    # No orphaned chunk entries are left in the keyring.
    for i in range(1, 30):
        assert keyring_store._read(f"{profile}/token-cache/{i}") is None


@pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)
def test_a_sign_in_survives_a_restart_through_the_real_keyring(
    store: tuple[KeyringStore, str],
) -> None:
    from lcs_tui.simulator import ManualClock, Simulator, demo
    from tests.auth.simhelp import START, backups_status, profile, session

    keyring_store, name = store
    sim = Simulator(clock=ManualClock(START))
    first = session(sim, profile(name=name), keyring_store)
    first.sign_in_with_password(demo.PASSWORD)
    assert first.warnings == []
    restarted = session(sim, profile(name=name), KeyringStore(keyring_store._keyring()))
    assert restarted.account is not None and restarted.account.username == demo.USERNAME
    sim.expire_tokens()
    assert backups_status(sim, restarted.acquire_token(force_refresh=True)) == 200
