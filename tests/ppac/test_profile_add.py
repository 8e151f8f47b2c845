"""`lcs-tui profile add --backend powerplatform`: asked, saved, and a service principal checked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lcs_tui.cli import main
from lcs_tui.config import load_config
from lcs_tui.http import HttpSettings
from tests.ppac.entra import CLIENT_ID, SECRET, FakeEntra
from tests.ppac.fake import FakePowerPlatform


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_power_platform_profile_needs_no_project_and_signs_in_by_device_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys,
        "profile",
        "add",
        "unified",
        "--backend",
        "powerplatform",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        CLIENT_ID,
        "--no-input",
        "--secret-store",
        "session",
    )
    assert code == 0, err
    profile = load_config().get("unified")
    assert profile.is_powerplatform and profile.sign_in_method == "device-code"
    assert profile.cloud == "public" and profile.scope == "https://api.powerplatform.com/.default"
    assert "lcs-tui login --profile unified" in out
    code, out, _ = run(capsys, "profile", "list")
    assert "public (Power Platform)" in out


def test_gcc_high_is_said_to_be_unverified(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "profile",
        "add",
        "gov",
        "--backend",
        "powerplatform",
        "--cloud",
        "gcchigh",
        "--tenant",
        "t",
        "--client-id",
        CLIENT_ID,
        "--no-input",
        "--secret-store",
        "session",
    )
    assert code == 0 and "sources disagree" in err


def test_a_service_principals_secret_never_goes_to_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        capsys,
        "profile",
        "add",
        "pipeline",
        "--backend",
        "powerplatform",
        "--tenant",
        "t",
        "--client-id",
        CLIENT_ID,
        "--method",
        "service-principal",
        "--secret-store",
        "file",
        "--no-input",
    )
    assert code == 2 and "never in a file" in err
    assert "pipeline" not in load_config().profiles


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeEntra, FakePowerPlatform]:
    """profile add's on-the-spot check, on a fake Entra and a fake Power Platform."""
    import lcs_tui.workspace as workspace

    entra, fake = FakeEntra(), FakePowerPlatform()
    real = workspace.open_profile

    def open_on_fakes(profile: Any, **kwargs: Any) -> Any:
        settings = HttpSettings(async_transport=fake.transport(), sync_transport=entra.transport())
        return real(profile, http=settings, **kwargs)

    monkeypatch.setattr(workspace, "open_profile", open_on_fakes)
    monkeypatch.setenv("LCS_TUI_CLIENT_SECRET", SECRET)
    return entra, fake


def add_service_principal(
    capsys: pytest.CaptureFixture[str], entra: FakeEntra
) -> tuple[int, str, str]:
    return run(
        capsys,
        "profile",
        "add",
        "pipeline",
        "--backend",
        "powerplatform",
        "--tenant",
        entra.tenant,
        "--client-id",
        CLIENT_ID,
        "--method",
        "service-principal",
        "--authority",
        entra.authority,
        "--secret-store",
        "session",
        "--no-input",
    )


def test_a_service_principal_is_explained_and_checked_on_the_spot(
    capsys: pytest.CaptureFixture[str], network: tuple[FakeEntra, FakePowerPlatform]
) -> None:
    entra, _fake = network
    code, out, err = add_service_principal(capsys, entra)
    assert code == 0, err
    assert "adminApplications" in err and "application user" in err  # the set-up, explained
    assert "Power Platform API: ok" in out and "BAP admin API: ok" in out
    assert "Dataverse: ok" in out
    assert SECRET not in out + err
    # Each API got a token for its own audience.
    assert any("service.powerapps.com" in t for t in entra.issued)
    assert any("api.powerplatform.com" in t for t in entra.issued)


def test_an_unregistered_service_principal_and_a_missing_role_are_said_apart(
    capsys: pytest.CaptureFixture[str], network: tuple[FakeEntra, FakePowerPlatform]
) -> None:
    entra, fake = network

    def refuse(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "api.bap.microsoft.com":
            return httpx.Response(
                403,
                json={
                    "error": {
                        "code": "Forbidden",
                        "message": "The service principal does "
                        "not have permission to access the path '/providers/…'",
                    }
                },
            )
        if request.url.host == "api.powerplatform.com":
            return httpx.Response(403)
        return None

    fake.faults.append(refuse)
    code, out, _err = add_service_principal(capsys, entra)
    assert code == 3
    assert "Power Platform API: FAILED" in out and "Contributor" in out
    assert "BAP admin API: FAILED" in out and "admin management application" in out
    assert load_config().get("pipeline").uses_service_principal  # kept, to fix and re-check


def test_a_wrong_audience_is_said_so(
    capsys: pytest.CaptureFixture[str], network: tuple[FakeEntra, FakePowerPlatform]
) -> None:
    entra, fake = network
    fake.check_token = lambda request: "The token was acquired for the wrong audience."
    code, _out, err = add_service_principal(capsys, entra)
    assert code == 3 and "wrong audience" in err


def test_login_of_a_service_principal_signs_in_and_checks(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network: tuple[FakeEntra, FakePowerPlatform],
) -> None:
    from lcs_tui.config import Profile

    entra, fake = network
    code, _, err = run(
        capsys,
        "profile",
        "add",
        "pipeline",
        "--backend",
        "powerplatform",
        "--no-check",
        "--tenant",
        entra.tenant,
        "--client-id",
        CLIENT_ID,
        "--method",
        "service-principal",
        "--authority",
        entra.authority,
        "--secret-store",
        "session",
        "--no-input",
    )
    assert code == 0, err
    monkeypatch.setattr(
        Profile,
        "http_settings",
        lambda self: HttpSettings(
            async_transport=fake.transport(), sync_transport=entra.transport()
        ),
    )
    code, out, err = run(capsys, "login", "--profile", "pipeline")
    assert code == 0, err
    assert "signed in as service principal" in out and "Power Platform public" in out
    assert "Power Platform API: ok" in out
    assert "LCS_TUI_CLIENT_SECRET" in err  # session store: every run needs the secret
