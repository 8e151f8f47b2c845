"""The MFA refusal's hint is one command that changes only the sign-in method."""

from __future__ import annotations

import re
import shlex

import pytest

from lcs_tui.config import load_config
from lcs_tui.simulator import LoopbackServer, demo
from tests.auth.test_login_command import Cli, add_profile, cli, lcs, server, sim

__all__ = ["cli", "server", "sim"]

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def test_the_mfa_hint_runs_as_given_and_keeps_the_rest(cli: Cli, server: LoopbackServer) -> None:
    add_profile(cli, server, "sim", "password", demo.CLIENT_ID, demo.MFA_USERNAME)
    cli[1].setenv("LCS_TUI_PASSWORD", demo.MFA_PASSWORD)
    refused = lcs(cli, "login")
    assert refused.code == 3
    found = re.search(r"lcs-tui profile set [^(),]+", refused.err)
    assert found is not None, refused.err
    command = shlex.split(found.group().strip())
    assert command[:4] == ["lcs-tui", "profile", "set", "sim"]
    before = load_config().get("sim")
    changed = lcs(cli, *command[1:])  # no question asked, no field retyped
    assert changed.code == 0, changed.err
    after = load_config().get("sim")
    assert after.sign_in_method == "device-code"
    assert (after.username, after.api_host, after.ca_bundle, after.authority) == (
        before.username,
        before.api_host,
        before.ca_bundle,
        before.authority,
    )
