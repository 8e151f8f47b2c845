"""Power Platform profiles: clouds, scopes, the profiles file, and signing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lcs_tui.auth import Session, SignInRequired
from lcs_tui.config import ConfigError, ProfileError, load_config, make_profile, save_config
from lcs_tui.config.clouds import CLOUDS
from lcs_tui.config.store import Config
from lcs_tui.http import HttpSettings
from lcs_tui.secrets import MemoryStore
from tests.ppac.entra import CLIENT_ID, SECRET, FakeEntra


def pp_profile(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "name": "unified",
        "backend": "powerplatform",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": CLIENT_ID,
        "sign_in_method": "device-code",
    }
    values.update(overrides)
    return make_profile(**values)


@pytest.mark.parametrize(
    ("cloud", "api", "scope", "bap_scope", "login"),
    [
        (
            "public",
            "https://api.powerplatform.com",
            "https://api.powerplatform.com/.default",
            "https://service.powerapps.com/.default",
            "login.microsoftonline.com",
        ),
        (
            "gcc",
            "https://api.gov.powerplatform.microsoft.us",
            "https://api.gov.powerplatform.microsoft.us/.default",
            "https://service.powerapps.us/.default",
            "login.microsoftonline.com",
        ),
        (
            "dod",
            "https://api.appsplatform.us",
            "https://api.appsplatform.us/.default",
            "https://service.apps.appsplatform.us/.default",
            "login.microsoftonline.us",
        ),
        (
            "china",
            "https://api.powerplatform.partner.microsoftonline.cn",
            "https://api.powerplatform.partner.microsoftonline.cn/.default",
            "https://service.powerapps.cn/.default",
            "login.chinacloudapi.cn",
        ),
    ],
)
def test_the_cloud_decides_hosts_scopes_and_authority(
    cloud: str, api: str, scope: str, bap_scope: str, login: str
) -> None:
    profile = pp_profile(cloud=cloud)
    assert profile.api_host == api
    assert profile.scope == scope
    assert profile.bap_scope == bap_scope
    assert profile.authority == f"https://{login}/contoso.onmicrosoft.com"
    assert profile.project_id == 0 and profile.is_powerplatform


def test_gcc_high_is_marked_unverified_with_both_hosts_named() -> None:
    high = CLOUDS["gcchigh"]
    assert not high.verified
    assert high.note is not None
    assert "api.appsplatform.us" in high.note and "api.high.powerplatform" in high.note
    assert pp_profile(cloud="gcchigh").authority.startswith("https://login.microsoftonline.us/")


def test_a_custom_host_takes_its_own_audience() -> None:
    profile = pp_profile(api_host="http://127.0.0.1:8443")
    assert profile.cloud == "custom"
    assert profile.scope == "http://127.0.0.1:8443/.default"
    assert profile.bap_host == "http://127.0.0.1:8443"
    assert profile.bap_scope == "http://127.0.0.1:8443/.default"


def test_an_lcs_profile_is_unchanged_by_the_new_fields() -> None:
    lcs = make_profile(
        name="contoso",
        tenant="t",
        client_id="c",
        project_id=7,
        geography="eu",
        sign_in_method="password",
        username="ana@contoso.com",
    )
    assert lcs.backend == "lcs" and lcs.bap_scope is None
    assert lcs.scope == "https://lcsapi.eu.lcs.dynamics.com//.default"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"cloud": "mars"}, "cloud"),
        ({"sign_in_method": "password+secret"}, "sign_in_method"),
        ({"sign_in_method": "password"}, "username"),
        ({"sign_in_method": "service-principal", "secret_store": "file"}, "secret_store"),
        ({"backend": "azure"}, "backend"),
    ],
)
def test_bad_power_platform_profiles_say_which_field(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(ProfileError) as caught:
        pp_profile(**overrides)
    assert caught.value.key == key


def test_the_profiles_file_keeps_both_kinds(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "profiles.toml")
    config = config.with_profile(pp_profile())
    config = config.with_profile(pp_profile(name="pipeline", sign_in_method="service-principal"))
    config = config.with_profile(pp_profile(name="sim", api_host="http://127.0.0.1:8443"))
    config = config.with_profile(
        make_profile(
            name="contoso",
            tenant="t",
            client_id="c",
            project_id=7,
            geography="eu",
            sign_in_method="device-code",
        )
    )
    save_config(config)
    text = config.path.read_text()
    assert 'backend = "powerplatform"' in text
    assert "project_id = 0" not in text  # a Power Platform profile has no project
    assert load_config(config.path).profiles == config.profiles


def test_a_hand_written_power_platform_profile_defaults_to_device_code(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.unified]\nbackend = "powerplatform"\ntenant = "contoso.onmicrosoft.com"\n'
        f'client_id = "{CLIENT_ID}"\n'
    )
    profile = load_config(path).get("unified")
    assert profile.sign_in_method == "device-code" and profile.cloud == "public"


def test_a_project_id_in_a_power_platform_profile_is_reported_with_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.unified]\nbackend = "powerplatform"\ntenant = "t"\nclient_id = "c"\n'
        "project_id = 5\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 5 and "no project" in caught.value.message


# -- service principal sign-in ------------------------------------------------------------


def sp_session(entra: FakeEntra, store: MemoryStore | None = None) -> Session:
    profile = pp_profile(
        name="pipeline",
        sign_in_method="service-principal",
        authority=entra.authority,
        secret_store="session",
    )
    return Session(profile, store or MemoryStore(), HttpSettings(sync_transport=entra.transport()))


def test_a_service_principal_signs_in_with_its_secret_for_each_audience() -> None:
    entra = FakeEntra()
    store = MemoryStore()
    session = sp_session(entra, store)
    account = session.sign_in_with_client_secret(SECRET)
    assert "service principal" in account.username
    assert store.get("pipeline", "client-secret") == SECRET
    pp = session.acquire_token()
    bap = session.acquire_token(scope="https://service.powerapps.com/.default")
    assert "api.powerplatform.com" in pp and "service.powerapps.com" in bap
    # MSAL keeps the app's tokens: asking again costs no round trip.
    posts = entra.token_posts
    assert session.acquire_token() == pp
    assert entra.token_posts == posts
    session.close()


def test_a_service_principal_without_a_secret_must_sign_in() -> None:
    session = sp_session(FakeEntra())
    with pytest.raises(SignInRequired) as caught:
        session.acquire_token()
    assert "LCS_TUI_CLIENT_SECRET" in (caught.value.hint or "")
    assert session.account is None


def test_a_wrong_client_secret_is_explained_and_never_shown() -> None:
    session = sp_session(FakeEntra())
    wrong = "not-the-secret-value-1234"
    with pytest.raises(Exception) as caught:
        session.sign_in_with_client_secret(wrong)
    text = (
        str(caught.value)
        + str(getattr(caught.value, "hint", ""))
        + str(getattr(caught.value, "detail", ""))
    )
    assert "AADSTS7000215" in text
    assert wrong not in text


def test_after_a_401_a_service_principal_gets_a_new_token() -> None:
    entra = FakeEntra()
    session = sp_session(entra)
    session.sign_in_with_client_secret(SECRET)
    first = session.acquire_token()
    renewed = session.acquire_token(force_refresh=True)
    assert renewed != first and entra.issued[-1] == renewed
    session.close()


def test_a_base_url_with_a_mount_serves_the_loopback_simulator(tmp_path: Path) -> None:
    profile = pp_profile(
        api_host="https://127.0.0.1:8443/powerplatform", bap_host="https://127.0.0.1:8443/bap"
    )
    assert profile.scope == "https://127.0.0.1:8443/powerplatform/.default"
    assert profile.bap_scope == "https://127.0.0.1:8443/bap/.default"
    config = Config(path=tmp_path / "profiles.toml").with_profile(profile)
    save_config(config)
    assert load_config(config.path).get("unified") == profile
