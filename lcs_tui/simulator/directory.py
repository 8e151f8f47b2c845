"""The simulated Entra ID directory: one tenant, its users and app registrations.

Only what sign-in needs: who exists, their password, whether conditional
access demands MFA, and for each app whether public client flows are
allowed, whether it needs a secret and whether the LCS permission is
consented. Membership of LCS projects lives with the projects (records.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lcs_tui.simulator import demo


@dataclass(frozen=True)
class User:
    """A simulated Entra ID user."""

    username: str
    password: str
    display_name: str
    object_id: str
    requires_mfa: bool = False


@dataclass(frozen=True)
class App:
    """A simulated app registration."""

    client_id: str
    display_name: str
    public_client_flows: bool
    lcs_permission_consented: bool
    client_secret: str | None = None

    @property
    def is_confidential(self) -> bool:
        return self.client_secret is not None


@dataclass(frozen=True)
class Tenant:
    """A simulated Entra ID tenant."""

    tenant_id: str
    domain: str


class Directory:
    """Users and apps of the demo tenant, looked up the way Entra does."""

    def __init__(self) -> None:
        self.tenant = Tenant(demo.TENANT_ID, demo.TENANT_DOMAIN)
        self._users: dict[str, User] = {}
        self._apps: dict[str, App] = {}
        for user in (
            User(demo.USERNAME, demo.PASSWORD, "Ana Admin (demo)", _oid(1)),
            User(demo.MFA_USERNAME, demo.MFA_PASSWORD, "Mia Factor (demo)", _oid(2), True),
            User(
                demo.NOT_IN_PROJECT_USERNAME,
                demo.NOT_IN_PROJECT_PASSWORD,
                "Otto Outsider (demo)",
                _oid(3),
            ),
        ):
            self.add_user(user)
        for app in (
            App(demo.CLIENT_ID, "lcs-tui (demo public client)", True, True),
            App(
                demo.CONFIDENTIAL_CLIENT_ID,
                "LCS Postman (demo confidential client)",
                False,
                True,
                demo.CLIENT_SECRET,
            ),
            App(demo.NO_CONSENT_CLIENT_ID, "lcs-tui (demo, permission not consented)", True, False),
            App(demo.NO_PUBLIC_FLOWS_CLIENT_ID, "lcs-tui (demo, public flows off)", False, True),
            # Service principals of the Power Platform side (client credentials).
            App(demo.SPN_CLIENT_ID, "lcs-tui automation (demo SPN, registered)", False, True,
                demo.SPN_SECRET),
            App(demo.UNREGISTERED_SPN_CLIENT_ID, "lcs-tui automation (demo SPN, not registered)",
                False, True, demo.UNREGISTERED_SPN_SECRET),
            App(demo.RBAC_SPN_CLIENT_ID, "lcs-tui automation (demo SPN, Contributor role only)",
                False, True, demo.RBAC_SPN_SECRET),
        ):  # fmt: skip
            self.add_app(app)

    def add_user(self, user: User) -> None:
        self._users[user.username.lower()] = user

    def add_app(self, app: App) -> None:
        self._apps[app.client_id.lower()] = app

    def service_principal(self, app: App) -> User:
        """The identity an app's own tokens carry (client credentials): its
        service principal, never a user of the directory (it cannot sign in
        with a password)."""
        object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"serviceprincipal/{app.client_id}"))
        return User(app.client_id.lower(), "", app.display_name, object_id)

    def user(self, username: str) -> User | None:
        return self._users.get(username.strip().lower())

    def app(self, client_id: str) -> App | None:
        return self._apps.get(client_id.strip().lower())

    def resolve_tenant(self, segment: str) -> Tenant | None:
        """The tenant a path segment names: its GUID, its domain, or a multi-tenant alias.

        "organizations" and "common" resolve to the (only) tenant: the user's
        home tenant, as Entra resolves it after sign-in.
        """
        text = segment.strip().lower()
        if text in (self.tenant.tenant_id, self.tenant.domain, "organizations", "common"):
            return self.tenant
        # Users sign in with verified custom domains too (admin@contoso.com).
        if any(name.endswith("@" + text) for name in self._users):
            return self.tenant
        return None


def _oid(n: int) -> str:
    return str(uuid.UUID(f"00000000-d365-4000-9000-{n:012x}"))
