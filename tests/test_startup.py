"""Which workspaces the app opens at start, and what it remembers between launches."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcs_tui.config import load_config
from lcs_tui.config.profile import make_profile
from lcs_tui.config.store import Config, config_path, save_config
from lcs_tui.simulator import demo
from lcs_tui.startup import demo_start, profiles_start, remember, remembered_start
from tests.auth.conftest import isolated_dirs  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("isolated_dirs")


def three_profiles() -> Config:
    config = Config(path=config_path())
    for number, name in enumerate(("contoso", "fabrikam", "northwind"), start=1):
        config = config.with_profile(
            make_profile(
                name=name,
                tenant="contoso.onmicrosoft.com",
                client_id=demo.CLIENT_ID,
                project_id=1000 + number,
                sign_in_method="device-code",
                geography="global",
                secret_store="session",
            ),
            make_default=name == "contoso",
        )
    save_config(config)
    return load_config()


def names(start: object) -> list[str]:
    return [ws.profile.name for ws in start.workspaces]  # type: ignore[attr-defined]


def test_the_first_launch_opens_the_default_profile_and_offers_every_other() -> None:
    start = remembered_start(three_profiles(), read_only=False)
    assert names(start) == ["contoso"]
    assert start.profiles == ["contoso", "fabrikam", "northwind"]
    assert start.open_profile is not None
    assert start.open_profile("northwind").profile.project_id == 1003


def test_the_workspaces_open_at_the_last_close_open_again() -> None:
    config = three_profiles()
    assert remember("fabrikam", ["contoso", "fabrikam"], "nord") is None
    start = remembered_start(config, read_only=False)
    assert names(start) == ["contoso", "fabrikam"]
    assert start.shown == "fabrikam" and start.theme == "nord"


def test_a_profile_removed_since_is_not_reopened() -> None:
    config = three_profiles()
    remember("northwind", ["northwind", "fabrikam"], None)
    start = remembered_start(config.without_profile("northwind"), read_only=False)
    assert names(start) == ["fabrikam"] and start.shown == "fabrikam"


def test_all_workspaces_share_one_pacing() -> None:
    # LCS's limits are per project and per user: one limiter, keyed by both.
    start = profiles_start(three_profiles(), ["contoso", "fabrikam"], read_only=False)
    first, second = (ws.client._limiter for ws in start.workspaces)
    assert first is second
    assert start.open_profile is not None
    assert start.open_profile("northwind").client._limiter is first


def test_an_unknown_action_in_keys_is_reported_not_fatal(tmp_path: Path) -> None:
    config = three_profiles()
    path = config.path
    path.write_text(path.read_text() + '\n[keys]\nrefresh = "R"\nrefesh = "X"\n')
    start = profiles_start(load_config(), ["contoso"], read_only=False)
    assert dict(start.keys) == {"refresh": ("R",)}
    (problem,) = start.key_problems
    assert "refesh" in problem and "did you mean 'refresh'" in problem


def test_the_demo_opens_both_demo_projects_and_the_tenant_on_one_simulator() -> None:
    start = demo_start(read_only=True)
    assert names(start) == ["contoso", "fabrikam", "unified"]
    assert start.workspaces[0].simulator is start.workspaces[1].simulator
    assert start.workspaces[2].simulator is start.workspaces[0].simulator
    assert start.workspaces[2].is_powerplatform
    assert [ws.profile.project_id for ws in start.workspaces[:2]] == [
        demo.PROJECT_ID,
        demo.FABRIKAM_PROJECT_ID,
    ]
    assert all(ws.read_only for ws in start.workspaces)
    assert not start.remember  # the demo starts afresh at every launch


def test_a_power_platform_profile_opens_beside_an_lcs_one() -> None:
    config = three_profiles().with_profile(
        make_profile(
            name="unified",
            backend="powerplatform",
            tenant="contoso.onmicrosoft.com",
            client_id=demo.CLIENT_ID,
            sign_in_method="device-code",
        )
    )
    save_config(config)
    config = load_config()
    start = profiles_start(config, ["contoso", "unified"], read_only=False)
    assert names(start) == ["contoso", "unified"]
    assert [ws.backend for ws in start.workspaces] == ["lcs", "powerplatform"]
    assert not start.key_problems
    # Alone, too; and from the switcher.
    start = profiles_start(config, ["unified"], read_only=False)
    assert names(start) == ["unified"]
    assert start.open_profile is not None
    assert start.open_profile("unified").is_powerplatform
