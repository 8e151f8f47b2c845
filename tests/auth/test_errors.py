"""Each Entra error code people meet while setting up LCS access says what to do."""

from __future__ import annotations

import ssl

import httpx
import pytest

from lcs_tui.auth import SignInError, explain_api_401
from lcs_tui.auth.errors import error_from_discovery, error_from_entra, error_from_network
from lcs_tui.config import Profile, make_profile

PROFILE = make_profile(
    name="contoso",
    tenant="contoso.onmicrosoft.com",
    client_id="aaaaaaaa-0000-0000-0000-000000000001",
    username="ana@contoso.com",
    project_id=1234567,
    geography="eu",
    sign_in_method="password",
)


def entra(code: int, error: str = "invalid_grant", text: str = "Something.") -> dict[str, object]:
    return {
        "error": error,
        "error_description": f"AADSTS{code}: {text} Trace ID: 1 Correlation ID: 2 "
        "Timestamp: 2026-01-01 00:00:00Z",
        "error_codes": [code],
    }


@pytest.mark.parametrize(
    ("code", "in_message", "in_hint"),
    [
        (50126, "Wrong user name or password", "lcs-tui login --profile contoso"),
        (50076, "multi-factor", "device-code"),
        (50079, "multi-factor", "device-code"),
        (65001, "Consent is missing", "'Dynamics Lifecycle services' > user_impersonation"),
        (7000218, "public client flows are not enabled", "'Allow public client flows' to Yes"),
        (7000215, "client secret is not valid", "Value (not its Secret ID)"),
        (700016, "aaaaaaaa-0000-0000-0000-000000000001", "client_id and tenant"),
        (90002, "contoso.onmicrosoft.com was not found", "authority"),
        (50034, "does not exist", "tenant"),
        (500011, "resource https://lcsapi.eu.lcs.dynamics.com//.default", "geography"),
        (700082, "expired", "lcs-tui login"),
    ],
)
def test_entra_codes_teach_the_next_step(code: int, in_message: str, in_hint: str) -> None:
    error = error_from_entra(entra(code), PROFILE)
    assert error.code == f"AADSTS{code}"
    assert in_message in error.message
    assert error.hint is not None and in_hint in error.hint
    assert f"AADSTS{code}" in error.as_text()


def test_unknown_codes_keep_entras_first_line_for_support() -> None:
    error = error_from_entra(entra(12345, text="A brand new failure."), PROFILE)
    assert error.code == "AADSTS12345"
    assert "A brand new failure." in error.message
    assert error.detail is not None and "Trace ID" in error.detail
    assert "Trace ID" not in error.message


def test_device_flow_errors_without_aadsts_codes() -> None:
    declined = error_from_entra({"error": "authorization_declined"}, PROFILE)
    expired = error_from_entra({"error": "expired_token"}, PROFILE)
    assert "declined" in declined.message
    assert "expired" in expired.message


def test_known_secrets_are_scrubbed_from_entras_text() -> None:
    result = entra(99999, text="echo of hunter2-password and the s3cret-value")
    error = error_from_entra(result, PROFILE, secrets=("hunter2-password", "s3cret-value"))
    for text in (str(error), error.message, error.detail or "", error.as_text()):
        assert "hunter2-password" not in text and "s3cret-value" not in text


def test_unknown_tenant_during_discovery() -> None:
    exc = ValueError(
        "OIDC Discovery failed on https://login.microsoftonline.com/nope/v2.0/.well-known/"
        'openid-configuration. HTTP status: 400, Error: {"error":"invalid_tenant",'
        '"error_description":"AADSTS90002: Tenant \'nope\' not found."}'
    )
    error = error_from_discovery(exc, PROFILE)
    assert error.code == "AADSTS90002"
    assert "was not found" in error.message


def test_network_errors_point_at_proxy_and_ca() -> None:
    request = httpx.Request("POST", "https://login.microsoftonline.com/x/oauth2/v2.0/token")
    tls = httpx.ConnectError("failed", request=request)
    tls.__cause__ = ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")
    error = error_from_network(tls, PROFILE)
    assert "not trusted" in error.message
    assert error.hint is not None and "ca_bundle" in error.hint

    proxy = error_from_network(httpx.ProxyError("407"), PROFILE)
    assert "proxy" in proxy.message.lower()

    timeout = error_from_network(httpx.ReadTimeout("slow"), PROFILE)
    assert "did not answer in time" in timeout.message

    refused = error_from_network(httpx.ConnectError("refused"), PROFILE)
    assert "Could not reach" in refused.message and "HTTPS_PROXY" in (refused.hint or "")


def test_api_401_names_geography_membership_and_permission() -> None:
    error = explain_api_401(PROFILE)
    assert isinstance(error, SignInError)
    assert "Signed in, but LCS refused the token" in error.message
    hint = error.hint or ""
    assert "eu" in hint and "owner or environment admin" in hint
    assert "user_impersonation" in hint


def test_sign_in_error_text_is_message_then_hint() -> None:
    error = SignInError("What happened", "What to do", code="AADSTS1")
    assert error.as_text() == "What happened (AADSTS1)\nWhat to do"
    assert str(error) == "AADSTS1: What happened"
    assert isinstance(PROFILE, Profile)
