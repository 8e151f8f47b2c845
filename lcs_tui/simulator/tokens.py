"""What the simulated Entra ID has issued: access tokens, refresh tokens, device codes.

Access tokens look like real ones (an unsigned JWT with the usual claims) but
the services never read their claims: they look the token up here. Validity
is judged on the simulator clock, so a test can expire every token by moving
a `ManualClock` (or call `expire_all`).
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lcs_tui.simulator.directory import App, User

# Entra's user codes: nine characters from an alphabet without look-alikes.
_USER_CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "01IO")


@dataclass
class AccessGrant:
    """An access token the simulated Entra ID issued."""

    token: str
    user: User
    client_id: str
    tenant_id: str
    resource: str
    issued_at: datetime
    expires_at: datetime
    #: Issued to an application itself (client credentials): no user behind it.
    app_only: bool = False


@dataclass
class RefreshGrant:
    """A refresh token the simulated Entra ID issued."""

    token: str
    user: User
    client_id: str
    tenant_id: str
    revoked: bool = False


@dataclass
class DeviceCode:
    """A pending device-code sign-in."""

    device_code: str
    user_code: str
    app: App
    tenant_id: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    auto_approve_at: datetime | None
    approved_by: User | None = None
    declined: bool = False
    redeemed: bool = False


class TokenStore:
    """Issues and looks up tokens. Not thread-safe: the caller holds the world lock."""

    def __init__(self) -> None:
        self._access: dict[str, AccessGrant] = {}
        self._issued = 0
        self._refresh: dict[str, RefreshGrant] = {}
        self._devices: dict[str, DeviceCode] = {}

    # --- access tokens ----------------------------------------------------------

    def issue_access(
        self,
        user: User,
        app: App,
        tenant_id: str,
        resource: str,
        now: datetime,
        lifetime: timedelta,
        *,
        app_only: bool = False,
    ) -> AccessGrant:
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": epoch_seconds(now),
            "nbf": epoch_seconds(now),
            "exp": epoch_seconds(now + lifetime),
            "appid": app.client_id,
            "name": user.display_name,
            "oid": user.object_id,
            "scp": "user_impersonation",
            "tid": tenant_id,
            "upn": user.username,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        if app_only:
            # An app token names the application, not a user (no upn, no scp).
            for claim in ("name", "scp", "upn"):
                del claims[claim]
            claims.update({"idtyp": "app", "roles": [], "sub": user.object_id})
        token = unsigned_jwt(claims)
        grant = AccessGrant(
            token, user, app.client_id, tenant_id, resource, now, now + lifetime, app_only
        )
        self._access[token] = grant
        self._issued += 1
        if self._issued % 1000 == 0:
            self._forget_long_expired(now)
        return grant

    def _forget_long_expired(self, now: datetime) -> None:
        # A token unknown and a token expired get the same 401, so tokens
        # expired for a day can go: a 24-hour demo must not accumulate them.
        cutoff = now - timedelta(days=1)
        for token in [t for t, g in self._access.items() if g.expires_at < cutoff]:
            del self._access[token]

    def access(self, token: str) -> AccessGrant | None:
        return self._access.get(token)

    def expire_all(self, now: datetime) -> None:
        for grant in self._access.values():
            grant.expires_at = min(grant.expires_at, now)

    # --- refresh tokens -----------------------------------------------------------

    def issue_refresh(self, user: User, app: App, tenant_id: str) -> RefreshGrant:
        # Real refresh tokens are long opaque strings; the prefix makes a
        # leaked one recognisable as simulator-made.
        token = "0.SIMRT." + secrets.token_urlsafe(48)
        grant = RefreshGrant(token, user, app.client_id, tenant_id)
        self._refresh[token] = grant
        return grant

    def refresh(self, token: str) -> RefreshGrant | None:
        return self._refresh.get(token)

    def revoke_all_refresh(self) -> None:
        for grant in self._refresh.values():
            grant.revoked = True

    # --- device codes ---------------------------------------------------------------

    def issue_device_code(
        self,
        app: App,
        tenant_id: str,
        scope: str,
        now: datetime,
        lifetime: timedelta,
        auto_approve_after: timedelta | None,
    ) -> DeviceCode:
        while True:
            user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))
            if user_code not in self._devices:
                break
        entry = DeviceCode(
            device_code="SIMDC." + secrets.token_urlsafe(48),
            user_code=user_code,
            app=app,
            tenant_id=tenant_id,
            scope=scope,
            issued_at=now,
            expires_at=now + lifetime,
            auto_approve_at=None if auto_approve_after is None else now + auto_approve_after,
        )
        self._devices[user_code] = entry
        return entry

    def device_by_user_code(self, user_code: str) -> DeviceCode | None:
        return self._devices.get(user_code.strip().upper().replace("-", ""))

    def device_by_device_code(self, device_code: str) -> DeviceCode | None:
        for entry in self._devices.values():
            if secrets.compare_digest(entry.device_code, device_code):
                return entry
        return None

    def pending_user_codes(self, now: datetime) -> list[str]:
        return [
            code
            for code, entry in self._devices.items()
            if entry.approved_by is None and not entry.declined and now < entry.expires_at
        ]


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT with `alg: none` and an empty signature: readable, obviously not trusted."""
    header = {"typ": "JWT", "alg": "none"}
    return f"{b64url_json(header)}.{b64url_json(claims)}."


def b64url_json(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def epoch_seconds(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def new_guid() -> str:
    return str(uuid.uuid4())
