"""Profiles as users write, read and break them."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from lcs_tui.config import (
    GEOGRAPHIES,
    Config,
    ConfigError,
    Profile,
    ProfileError,
    config_path,
    load_config,
    make_profile,
    save_config,
)


def eu_profile(name: str = "contoso-eu", **overrides: Any) -> Profile:
    values: dict[str, object] = {
        "name": name,
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "11111111-2222-3333-4444-555555555555",
        "username": "ana@contoso.com",
        "project_id": 1234567,
        "geography": "eu",
        "sign_in_method": "password",
    }
    values.update(overrides)
    return make_profile(**values)  # type: ignore[arg-type]


def test_geography_decides_api_host_scope_and_authority() -> None:
    profile = eu_profile()
    assert profile.api_host == "https://lcsapi.eu.lcs.dynamics.com"
    # The double slash is what Entra expects for LCS.
    assert profile.scope == "https://lcsapi.eu.lcs.dynamics.com//.default"
    assert profile.authority == "https://login.microsoftonline.com/contoso.onmicrosoft.com"


def test_national_clouds_sign_in_at_their_own_authority() -> None:
    gov = eu_profile(geography="usgov")
    china = eu_profile(geography="cn")
    assert gov.authority.startswith("https://login.microsoftonline.us/")
    assert china.authority.startswith("https://login.partner.microsoftonline.cn/")
    assert gov.scope == "https://lcsapi.gov.lcs.microsoftdynamics.us//.default"


def test_every_geography_of_the_api_table_is_known() -> None:
    assert set(GEOGRAPHIES) == {"global", "eu", "fr", "no", "sa", "ch", "uae", "cn", "usgov"}
    for geo in GEOGRAPHIES.values():
        assert geo.api_host.startswith("https://lcsapi.")


def test_custom_host_for_the_local_simulator() -> None:
    profile = eu_profile(
        geography=None,
        api_host="https://127.0.0.1:8443/",
        authority="https://127.0.0.1:8443/contoso.onmicrosoft.com",
    )
    assert profile.geography == "custom"
    assert profile.api_host == "https://127.0.0.1:8443"
    assert profile.scope == "https://127.0.0.1:8443//.default"


def test_a_known_host_given_as_custom_is_recognised() -> None:
    profile = eu_profile(geography=None, api_host="https://lcsapi.fr.lcs.dynamics.com")
    assert profile.geography == "fr"


def test_http_settings_carry_proxy_and_ca_bundle(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    profile = eu_profile(proxy="http://proxy.example:8080", ca_bundle=str(ca))
    settings = profile.http_settings()
    assert settings.proxy == "http://proxy.example:8080"
    assert settings.ca_bundle == str(ca)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"name": "has space"}, "name"),
        ({"tenant": ""}, "tenant"),
        ({"project_id": 0}, "project_id"),
        ({"sign_in_method": "magic"}, "sign_in_method"),
        ({"username": None}, "username"),  # password sign-in needs a user
        ({"geography": "mars"}, "geography"),
        ({"geography": None, "api_host": "http://lcs.example.com"}, "api_host"),
        ({"authority": "https://login.microsoftonline.com"}, "authority"),
        ({"secret_store": "post-it"}, "secret_store"),
        ({"proxy": "proxy.example:8080"}, "proxy"),
    ],
)
def test_unusable_values_name_their_field(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(ProfileError) as caught:
        eu_profile(**overrides)
    assert caught.value.key == key


def test_device_code_needs_no_username() -> None:
    assert eu_profile(username=None, sign_in_method="device-code").username is None


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    profiles = [
        eu_profile(proxy="http://proxy.example:8080", ca_bundle="/etc/ssl/corp.pem"),
        eu_profile(
            "sim",
            geography=None,
            api_host="https://127.0.0.1:8443",
            authority="https://127.0.0.1:8443/contoso.onmicrosoft.com",
            sign_in_method="device-code",
            username=None,
            secret_store="file",
        ),
        eu_profile("gov", geography="usgov", sign_in_method="password+secret"),
        eu_profile("quoted", tenant='odd"tenant\\name'),
    ]
    config = Config(path=path)
    for profile in profiles:
        config = config.with_profile(profile)
    save_config(config)
    loaded = load_config(path)
    assert dict(loaded.profiles) == {p.name: p for p in profiles}
    assert loaded.default == "contoso-eu"  # the first profile became the default


def test_file_leaves_out_what_the_geography_implies(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    save_config(Config(path=path).with_profile(eu_profile()))
    text = path.read_text()
    assert 'geography = "eu"' in text
    assert "api_host" not in text
    assert "authority" not in text
    # So a hand edit of the tenant carries through to the authority:
    path.write_text(text.replace("contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"))
    loaded = load_config(path).get()
    assert loaded.authority == "https://login.microsoftonline.com/fabrikam.onmicrosoft.com"


def test_a_hand_written_minimal_profile_loads(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        'default = "p"\n[profiles.p]\ntenant = "t.onmicrosoft.com"\n'
        'client_id = "abc"\nproject_id = 42\nsign_in_method = "device-code"\n'
    )
    profile = load_config(path).get()
    assert profile.geography == "global"
    assert profile.api_host == "https://lcsapi.lcs.dynamics.com"
    assert profile.secret_store == "keyring"


def test_missing_file_means_no_profiles_yet(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.profiles == {}
    with pytest.raises(ConfigError) as caught:
        config.get()
    assert caught.value.hint is not None and "lcs-tui profile add" in caught.value.hint


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "p.toml").with_profile(eu_profile())
    with pytest.raises(ConfigError) as caught:
        config.get("prod")
    assert "prod" in str(caught.value)
    assert caught.value.hint is not None and "contoso-eu" in caught.value.hint


def test_removing_the_default_promotes_the_only_remaining_profile(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "p.toml").with_profile(eu_profile("a"))
    config = config.with_profile(eu_profile("b"))
    assert config.default == "a"
    assert config.without_profile("a").default == "b"
    three = config.with_profile(eu_profile("c")).without_profile("a")
    assert three.default is None


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text('version = 1\n[profiles.p]\ntenant = "t"\nclient_id = abc\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == path
    assert caught.value.line == 4
    assert str(path) in str(caught.value) and "line 4" in str(caught.value)


def test_wrong_value_type_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        "version = 1\n\n[profiles.p]\n"
        'tenant = "t"\nclient_id = "abc"\nproject_id = "1234567"\n'
        'sign_in_method = "password"\nusername = "u@t"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert (error.path, error.line, error.key) == (path, 6, "project_id")
    assert "line 6" in str(error) and "'project_id'" in str(error)


def test_unknown_key_is_reported_not_ignored(tmp_path: Path) -> None:
    # A typo like client-id would otherwise be silently lost.
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.p]\ntenant = "t"\nclient-id = "abc"\nclient_id = "abc"\n'
        'project_id = 1\nsign_in_method = "device-code"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.key) == (3, "client-id")


def test_invalid_value_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.p]\ntenant = "t"\nclient_id = "abc"\nproject_id = 1\n'
        'sign_in_method = "carrier-pigeon"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.key) == (5, "sign_in_method")


def test_missing_key_points_at_the_section(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text('version = 1\n[profiles.p]\ntenant = "t"\nproject_id = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.key) == (2, "client_id")


def test_default_must_name_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text('default = "nope"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.key) == (1, "default")


def test_config_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LCS_TUI_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert config_path() == tmp_path / "xdg" / "lcs-tui" / "profiles.toml"
    monkeypatch.setenv("LCS_TUI_CONFIG_DIR", str(tmp_path / "mine"))
    assert config_path() == tmp_path / "mine" / "profiles.toml"


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "atomic" / "profiles.toml"
    save_config(Config(path=path).with_profile(eu_profile("first")))
    before = path.read_text()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_config(load_config(path).with_profile(eu_profile("second")))
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir()] == ["profiles.toml"]  # no temp file left


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_profiles_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    save_config(Config(path=path).with_profile(eu_profile()))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
