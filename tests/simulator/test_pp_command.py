"""`lcs-tui simulator` tells what a Power Platform profile needs."""

from __future__ import annotations

import threading

import pytest

from lcs_tui.simulator import demo


def test_the_banner_has_the_power_platform_base_urls_users_and_demo_spn(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lcs_tui.cli import build_parser
    from lcs_tui.commands import simulator

    args = build_parser().parse_args(["simulator", "--port", "0"])
    stop = threading.Event()
    stop.set()  # print the banner, then stop at once
    assert simulator.run(args, stop) == 0
    banner = capsys.readouterr().out
    lines = {line.split("  ")[1].strip(): line for line in banner.splitlines() if "  " in line}
    base = lines["API host"].split()[-1]
    assert f"{base}/powerplatform" in lines["Power Platform API"]
    assert f"{base}/bap" in lines["BAP"]
    assert f"{base}/dataverse/ORG/" in lines["Dataverse"]
    secret_line = next(line for line in banner.splitlines() if demo.SPN_SECRET in line)
    assert "DEMO VALUE" in secret_line
    for expected in (
        demo.SPN_CLIENT_ID,
        demo.UNREGISTERED_SPN_CLIENT_ID,
        demo.RBAC_SPN_CLIENT_ID,
        demo.NOT_IN_PROJECT_USERNAME,
        demo.PP_SCOPE,
        demo.BAP_SCOPE,
        demo.PP_UDE_ENVIRONMENT_NAME,
    ):
        assert expected in banner


def test_the_banner_gives_a_ready_profile_add_line_for_the_tenant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shlex

    from lcs_tui.cli import build_parser
    from lcs_tui.commands import simulator

    args = build_parser().parse_args(["simulator", "--port", "0"])
    stop = threading.Event()
    stop.set()
    assert simulator.run(args, stop) == 0
    banner = capsys.readouterr().out
    (line,) = [x for x in banner.splitlines() if "profile add" in x and "powerplatform" in x]
    words = shlex.split(line)
    added = build_parser().parse_args(words[1:])  # as the shell would pass it
    assert added.backend == "powerplatform" and added.name == "simulator-tenant"
    base = next(x for x in banner.splitlines() if "API host" in x).split()[-1]
    assert added.api_host == f"{base}/powerplatform" and added.bap_host == f"{base}/bap"
    assert added.ca_bundle and added.authority.endswith(demo.TENANT_ID)
    assert "lcs-tui --profile simulator,simulator-tenant" in banner
