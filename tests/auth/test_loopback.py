"""Sign-in through the real network stack: the simulator over loopback HTTPS,
trusted through the profile's CA bundle (as with a TLS-inspecting proxy)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from lcs_tui.auth import Session, SignInError
from lcs_tui.config import Profile
from lcs_tui.secrets import MemoryStore
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo
from tests.auth.simhelp import START, profile

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(clock=ManualClock(START), device_code_interval=1)


@pytest.fixture
def server(sim: Simulator) -> Iterator[LoopbackServer]:
    with sim.serve_https() as server:
        yield server


def loopback_profile(server: LoopbackServer, **overrides: object) -> Profile:
    values: dict[str, object] = {
        "geography": None,
        "api_host": server.base_url,
        "authority": f"{server.base_url}/{demo.TENANT_ID}",
        "ca_bundle": server.ca_file,
    }
    values.update(overrides)
    return profile(**values)


def lcs_status(server: LoopbackServer, token: str) -> int:
    url = f"{server.base_url}/databasemovement/v1/databases/project/{demo.PROJECT_ID}"
    with httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_file))) as client:
        return client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code


def test_password_sign_in_over_https(sim: Simulator, server: LoopbackServer) -> None:
    prof = loopback_profile(server)
    session = Session(prof, MemoryStore())  # the profile's own HTTP settings: the CA bundle
    assert session.sign_in_with_password(demo.PASSWORD).username == demo.USERNAME
    token = session.acquire_token()
    assert lcs_status(server, token) == 200
    sim.expire_tokens()
    assert lcs_status(server, session.acquire_token(force_refresh=True)) == 200
    # Everything went to the loopback server (without internet, a request to
    # Microsoft would have failed the sign-in), including MSAL's user-realm
    # lookup, whose URL MSAL builds without the port.
    assert any(entry.path.startswith("/common/userrealm/") for entry in sim.request_log)
    session.close()


def test_device_code_over_https(sim: Simulator, server: LoopbackServer) -> None:
    session = Session(loopback_profile(server, sign_in_method="device-code"), MemoryStore())
    flow = session.start_device_flow()
    sim.approve_device_code(flow.user_code, demo.MFA_USERNAME)
    assert session.finish_device_flow(flow).username == demo.MFA_USERNAME
    assert lcs_status(server, session.acquire_token()) == 200


def test_without_the_ca_bundle_the_certificate_is_not_trusted(server: LoopbackServer) -> None:
    session = Session(loopback_profile(server, ca_bundle=None), MemoryStore())
    with pytest.raises(SignInError) as caught:
        session.sign_in_with_password(demo.PASSWORD)
    assert "not trusted" in caught.value.message
    assert "ca_bundle" in (caught.value.hint or "")
    assert demo.PASSWORD not in caught.value.as_text()
