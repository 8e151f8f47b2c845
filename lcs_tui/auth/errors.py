"""Sign-in failures as users should read them: what happened, what to do.

Entra ID answers with codes like AADSTS50126 inside long English text; each
code that people hit while setting up LCS access gets a message and a next
step here. Nothing in these errors ever contains a password, a client secret
or a token: messages are written here, and Entra's own text (kept as
`detail`, it carries trace ids support asks for) is scrubbed of any secret the
caller knows before it is attached.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from lcs_tui.config import Profile

_CODE = re.compile(r"\b(AADSTS\d+)\b")


class SignInError(Exception):
    """Signing in failed. `code` is Entra's (e.g. "AADSTS50126") or None."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.hint = hint
        self.detail = detail
        super().__init__(f"{code}: {message}" if code else message)

    def as_text(self) -> str:
        """Message, code and hint on separate lines, for a terminal."""
        lines = [f"{self.message} ({self.code})" if self.code else self.message]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class SignInRequired(SignInError):
    """No token can be had without the user: sign in (again)."""


class SignInUnreachable(SignInError):
    """The sign-in service could not be reached (network down, timeout).

    Unlike other sign-in errors, waiting and trying again can fix it, so a
    long-running watcher backs off and retries instead of asking the user.
    """


class SignInCancelled(SignInError):
    """The user (or the app) stopped a sign-in that was waiting."""


@dataclass(frozen=True)
class _Teaching:
    """What an Entra ID error means and what to do about it."""

    message: str
    hint: str


_LOGIN = "lcs-tui login --profile {profile}"


def login_command(profile_name: str) -> str:
    """The command that signs a profile in, as every hint here names it.

    One definition, so that the app can recognise it in a hint and point at
    its own Try again button instead.
    """
    return _LOGIN.format(profile=profile_name)


_APP_REG = "Entra ID > App registrations > {client_id}"

# Codes seen during LCS set-up, from Microsoft's AADSTS reference, in words a
# release manager can act on. {profile}, {username}, {tenant}, {client_id} and
# {scope} are filled in from the profile.
_ENTRA_CODES: dict[str, _Teaching] = {
    "AADSTS50126": _Teaching(
        "Wrong user name or password for {username}",
        "check both and sign in again: " + _LOGIN,
    ),
    "AADSTS50034": _Teaching(
        "The user {username} does not exist in tenant {tenant}",
        "check the user name and the tenant of profile {profile}",
    ),
    "AADSTS50053": _Teaching(
        "The account {username} is locked after too many failed sign-ins",
        "wait and try again later, or ask your administrator to unlock it",
    ),
    "AADSTS50055": _Teaching(
        "The password of {username} has expired",
        "change it in a browser (https://myaccount.microsoft.com), then sign in again",
    ),
    "AADSTS50057": _Teaching(
        "The account {username} is disabled",
        "ask your Entra ID administrator",
    ),
    "AADSTS50076": _Teaching(
        "This account needs multi-factor authentication, which password sign-in cannot do",
        "use device-code sign-in: lcs-tui profile set {profile} --method device-code "
        '(or set sign_in_method = "device-code" in the profile), then ' + _LOGIN,
    ),
    "AADSTS50079": _Teaching(
        "This account must set up multi-factor authentication first; "
        "password sign-in cannot do that",
        "register MFA in a browser, then use device-code sign-in "
        '(sign_in_method = "device-code": lcs-tui profile set {profile} --method device-code) '
        "and " + _LOGIN,
    ),
    "AADSTS53003": _Teaching(
        "A Conditional Access policy of your organisation blocked this sign-in",
        "try device-code sign-in; otherwise ask your administrator which policy applies",
    ),
    "AADSTS65001": _Teaching(
        "Consent is missing: the app may not act on Dynamics Lifecycle services for you",
        "in " + _APP_REG + " > API permissions, add 'Dynamics Lifecycle services' > "
        "user_impersonation (delegated) and press 'Grant admin consent'",
    ),
    "AADSTS7000218": _Teaching(
        "The app registration expects a client secret: public client flows are not enabled",
        "in " + _APP_REG + " > Authentication, set 'Allow public client flows' to Yes; "
        "or use the sign-in method password+secret with a client secret of that app",
    ),
    "AADSTS7000215": _Teaching(
        "The client secret is not valid for app {client_id}",
        "create or copy the secret's Value (not its Secret ID) under " + _APP_REG + " > "
        "Certificates & secrets (secrets expire), then " + _LOGIN,
    ),
    "AADSTS7000222": _Teaching(
        "The client secret of app {client_id} has expired",
        "create a new one under " + _APP_REG + " > Certificates & secrets, then " + _LOGIN,
    ),
    "AADSTS700016": _Teaching(
        "No app with client id {client_id} exists in tenant {tenant}",
        "check client_id and tenant in profile {profile}; the app must be registered in "
        "(or consented to by) that tenant",
    ),
    "AADSTS90002": _Teaching(
        "Tenant {tenant} was not found",
        "check the tenant (a domain like contoso.onmicrosoft.com, or its GUID) and, for "
        "national clouds, the authority of profile {profile}",
    ),
    "AADSTS900023": _Teaching(
        "The tenant {tenant} is not a valid tenant name or id",
        "use a domain like contoso.onmicrosoft.com, or the tenant's GUID",
    ),
    "AADSTS500011": _Teaching(
        "The tenant does not know the resource {scope}",
        "check the geography / API host of profile {profile}; 'Dynamics Lifecycle "
        "services' must be available in the tenant (add its API permission to the app)",
    ),
    "AADSTS50020": _Teaching(
        "The account {username} is not a member of tenant {tenant}",
        "use an account of that tenant, or the tenant the account belongs to",
    ),
    "AADSTS700082": _Teaching(
        "The saved sign-in expired because it was not used for a long time",
        "sign in again: " + _LOGIN,
    ),
    "AADSTS70043": _Teaching(
        "The saved sign-in expired under your organisation's sign-in frequency policy",
        "sign in again: " + _LOGIN,
    ),
    "AADSTS50173": _Teaching(
        "The saved sign-in is no longer valid (the password was changed or sessions revoked)",
        "sign in again: " + _LOGIN,
    ),
}

# Device flow outcomes (RFC 8628), whatever AADSTS code comes with them.
_FLOW_ERRORS: dict[str, _Teaching] = {
    "authorization_declined": _Teaching(
        "The sign-in was declined in the browser", "start again: " + _LOGIN
    ),
    "expired_token": _Teaching(
        "The device code expired before the sign-in was completed",
        "start again and enter the code within its time: " + _LOGIN,
    ),
    "bad_verification_code": _Teaching(
        "The device code was not recognised", "start again: " + _LOGIN
    ),
}

# Plain OAuth errors (RFC 6749), for answers that carry no AADSTS code.
_OAUTH_ERRORS: dict[str, _Teaching] = {
    "invalid_grant": _Teaching(
        "The sign-in service refused the saved credentials", "sign in again: " + _LOGIN
    ),
    "invalid_client": _Teaching(
        "The sign-in service refused the app {client_id}",
        "check client_id and, for password+secret, the client secret",
    ),
    "unauthorized_client": _Teaching(
        "The app {client_id} may not use this sign-in method",
        "in " + _APP_REG + " > Authentication, set 'Allow public client flows' to Yes",
    ),
}

# Codes meaning "ask the user again" when they come back from a silent renewal.
INTERACTION_CODES = frozenset(
    {"AADSTS50076", "AADSTS50079", "AADSTS700082", "AADSTS70043", "AADSTS50173", "AADSTS50126"}
)


def _fields(profile: Profile) -> dict[str, str]:
    return {
        "profile": profile.name,
        "username": profile.username or "this user",
        "tenant": profile.tenant,
        "client_id": profile.client_id,
        "scope": profile.scope,
    }


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every known secret value in `text` by a marker."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def entra_code(text: str) -> str | None:
    match = _CODE.search(text)
    return match.group(1) if match else None


def error_from_entra(
    result: Mapping[str, Any],
    profile: Profile,
    *,
    secrets: Iterable[str | None] = (),
) -> SignInError:
    """Turn an MSAL error result ({"error", "error_description", "error_codes"})
    into a SignInError that says what to do."""
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes") or []
    code = entra_code(description)
    if code is None and codes:
        code = f"AADSTS{codes[0]}"
    error = str(result.get("error") or "")
    first_line = description.splitlines()[0] if description else None
    detail = scrub(first_line, secrets) if first_line else None
    teaching = _ENTRA_CODES.get(code or "") or _FLOW_ERRORS.get(error)
    if teaching is None and code is None:
        teaching = _OAUTH_ERRORS.get(error)
    fields = _fields(profile)
    if teaching is not None:
        return SignInError(
            teaching.message.format(**fields),
            teaching.hint.format(**fields),
            code=code,
            detail=detail,
        )
    # A code not taught here: Entra's own sentence is the best we have.
    what = (detail or "").split(" Trace ID:")[0].removeprefix(f"{code}: ") or error or "no details"
    return SignInError(
        f"Sign-in failed: {what}",
        "check the profile (lcs-tui profile show " + profile.name + ") and docs/sign-in.md",
        code=code,
        detail=detail,
    )


def error_from_network(exc: Exception, profile: Profile) -> SignInError:
    """A failure to reach the sign-in service (DNS, proxy, TLS, timeout)."""
    import httpx

    host = urlsplit(profile.authority).netloc
    proxy_note = (
        f"the profile's proxy {profile.proxy}" if profile.proxy else "HTTPS_PROXY / NO_PROXY"
    )
    if _is_tls_error(exc):
        return SignInError(
            f"The TLS certificate of {host} is not trusted",
            "if a corporate proxy inspects TLS, point ca_bundle of profile "
            f"{profile.name} (or SSL_CERT_FILE) at its CA certificate",
        )
    if isinstance(exc, httpx.ProxyError):
        return SignInError(
            f"The proxy refused the connection to {host}: {exc}",
            f"check {proxy_note}",
        )
    if isinstance(exc, httpx.TimeoutException):
        return SignInUnreachable(
            f"The sign-in service at {host} did not answer in time",
            f"check the network and {proxy_note}; then try again",
        )
    return SignInUnreachable(
        f"Could not reach the sign-in service at {host}: {type(exc).__name__}",
        f"check the network, {proxy_note}, and the authority of profile {profile.name}",
    )


def _is_tls_error(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def error_from_discovery(exc: ValueError, profile: Profile) -> SignInError:
    """MSAL raises ValueError when the authority's OpenID configuration fails;
    Entra's answer (with its AADSTS code) is in the exception it replaced."""
    code = None
    cause: BaseException | None = exc
    for _ in range(5):
        if cause is None or code is not None:
            break
        code = entra_code(str(cause))
        cause = cause.__cause__ or cause.__context__
    fields = _fields(profile)
    teaching = _ENTRA_CODES.get(code or "")
    if teaching is not None:
        return SignInError(
            teaching.message.format(**fields), teaching.hint.format(**fields), code=code
        )
    return SignInError(
        f"The sign-in authority {profile.authority} did not answer as Entra ID does",
        f"check tenant {profile.tenant!r} and the authority of profile {profile.name} "
        "(national clouds have their own)",
        code=code,
    )


def explain_api_401(profile: Profile) -> SignInError:
    """Signed in fine, yet LCS answered 401: the token does not fit the project."""
    return SignInError(
        f"Signed in, but LCS refused the token for project {profile.project_id} "
        f"at {profile.api_host} (HTTP 401)",
        "check that: the project lives in this geography ("
        f"{profile.geography}; a project only accepts tokens for its own API host); "
        f"{profile.username or 'the user'} is an owner or environment admin of project "
        f"{profile.project_id} in LCS; and app {profile.client_id} has the API permission "
        "'Dynamics Lifecycle services' > user_impersonation with admin consent",
    )


def network_error_types() -> tuple[type[Exception], ...]:
    import httpx

    return (httpx.HTTPError, OSError)
