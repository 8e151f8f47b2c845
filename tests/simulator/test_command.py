"""`lcs-tui simulator` as a user runs it."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lcs_tui.cli import main
from lcs_tui.simulator import demo


def test_it_refuses_a_non_loopback_host(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["simulator", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_it_serves_until_interrupted_and_prints_what_a_profile_needs(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "lcs_tui", "simulator", "--port", "0", "--cert-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = ""
        deadline = time.monotonic() + 120  # a bound: the loop ends on the banner
        while "MSAL" not in banner and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner += line
        base = re.search(r"API host\s+(https://127\.0\.0\.1:\d+)", banner)
        assert base is not None, banner + (process.stderr.read() if process.stderr else "")
        ca_file = re.search(r"CA file to trust\s+(\S+)", banner)
        assert ca_file is not None and Path(ca_file.group(1)) == tmp_path / "ca.pem"
        for expected in (
            demo.TENANT_ID,
            demo.CLIENT_ID,
            demo.USERNAME,
            demo.PASSWORD,
            "/devicelogin",
        ):
            assert expected in banner

        context = ssl.create_default_context(cafile=ca_file.group(1))
        config = httpx.get(
            f"{base.group(1)}/{demo.TENANT_ID}/v2.0/.well-known/openid-configuration",
            verify=context,
            timeout=120,
        )
        assert config.json()["token_endpoint"].startswith(base.group(1))
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    assert "stopped." in out
    # The certificates stay in --cert-dir for the next run.
    assert (tmp_path / "ca.pem").exists()


def test_the_banner_offers_a_profile_for_each_simulated_project(capsys) -> None:  # type: ignore[no-untyped-def]
    import shlex
    import threading

    from lcs_tui.cli import build_parser
    from lcs_tui.commands import simulator

    args = build_parser().parse_args(["simulator", "--port", "0"])
    stop = threading.Event()
    stop.set()  # print the banner, then stop at once
    assert simulator.run(args, stop) == 0
    banner = capsys.readouterr().out
    lines = [
        shlex.split(x)
        for x in banner.splitlines()
        if "lcs-tui profile add" in x and "powerplatform" not in x
    ]
    projects = {words[3]: words[words.index("--project-id") + 1] for words in lines}
    assert projects == {
        "simulator": str(demo.PROJECT_ID),
        "simulator-fabrikam": str(demo.FABRIKAM_PROJECT_ID),
    }
    defaults = [words[3] for words in lines if "--default" in words]
    assert defaults == ["simulator"]  # the name it always had stays the default
    assert demo.FABRIKAM_PROJECT_NAME in banner
    assert "lcs-tui envs --profile simulator,simulator-fabrikam" in banner
