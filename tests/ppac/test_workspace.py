"""A Power Platform profile opens as one more workspace; its LCS parts say they are not there."""

from __future__ import annotations

import pytest

from lcs_tui.api import RequestEvent
from lcs_tui.http import HttpSettings
from lcs_tui.ppac.service import PowerPlatformService
from lcs_tui.workspace import NotThisBackend, open_profile
from tests.ppac.fake import FakePowerPlatform
from tests.ppac.test_profiles import pp_profile


async def test_open_profile_builds_the_power_platform_workspace() -> None:
    fake = FakePowerPlatform()
    workspace = open_profile(
        pp_profile(secret_store="session"),
        http=HttpSettings(async_transport=fake.transport()),
    )
    assert workspace.backend == "powerplatform" and workspace.is_powerplatform
    assert isinstance(workspace.ppac, PowerPlatformService)
    assert workspace.ppac.client.scope == "https://api.powerplatform.com/.default"
    with pytest.raises(NotThisBackend, match="Power Platform workspace"):
        workspace.client.list_backups(1)  # type: ignore[unused-coroutine]
    with pytest.raises(NotThisBackend):
        _ = workspace.service.environments
    seen: list[RequestEvent] = []
    workspace.add_observer(seen.append)
    assert workspace.journal_notice is None
    assert workspace.now() is not None
    await workspace.aclose()


def test_an_lcs_profile_opens_as_before() -> None:
    from lcs_tui.config import make_profile

    lcs = make_profile(
        name="contoso",
        tenant="t",
        client_id="c",
        project_id=7,
        geography="eu",
        sign_in_method="device-code",
        secret_store="session",
    )
    workspace = open_profile(lcs)
    assert workspace.backend == "lcs" and workspace.ppac is None
    assert workspace.service.project_id == 7
