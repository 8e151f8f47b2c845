"""One signed-in (or not yet signed-in) profile: MSAL, its token cache, the
secrets it may re-use.

Every method blocks (network, keyring) and is safe to call from any thread:
the TUI calls them from worker threads, the command line directly. Nothing
here touches asyncio.

Token cache: an msal.SerializableTokenCache, loaded from the profile's secret
store on first use and written back after every change, so a refresh token
survives restarts only where the user allowed secrets to be kept.

One sign-in, several audiences: a Power Platform profile signs in for the
Power Platform API (`profile.scope`) and asks for the BAP admin API's and a
Dataverse organisation's tokens with the same refresh token
(`acquire_token(scope=...)`). A service principal (Power Platform profiles,
method `service-principal`) has no user and no refresh token: each token is
asked for with the client secret (client credentials), which the profile's
secret store keeps.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from lcs_tui import __version__
from lcs_tui.auth.errors import (
    INTERACTION_CODES,
    SignInCancelled,
    SignInError,
    SignInRequired,
    error_from_discovery,
    error_from_entra,
    error_from_network,
    login_command,
    network_error_types,
)
from lcs_tui.auth.msal_http import AuthHttpError, MsalHttpClient
from lcs_tui.secrets import SecretKind, SecretStore, SecretStoreError

if TYPE_CHECKING:
    import msal

    from lcs_tui.config import Profile
    from lcs_tui.http import HttpSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Authority hosts MSAL validates by itself; for any other host (a local
# simulator, a test server) instance discovery at login.microsoftonline.com
# must be off, or MSAL would ask Microsoft about a host it cannot know.
_MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.partner.microsoftonline.cn",
        "login.chinacloudapi.cn",
        "login.microsoft.com",
        "login.windows.net",
    }
)


@dataclass(frozen=True)
class Account:
    """The signed-in user as the token cache knows them."""

    username: str
    home_account_id: str | None = None


@dataclass(frozen=True)
class DeviceFlow:
    """A started device-code sign-in: show `message` (or the URI and code)."""

    user_code: str
    verification_uri: str
    message: str
    expires_at: datetime  # UTC
    # MSAL's flow dict holds the device code, a credential until redeemed.
    _flow: dict[str, Any] = field(repr=False, compare=False)


class Session:
    """Sign-in state of one profile. Thread-safe; every method blocks."""

    def __init__(
        self, profile: Profile, secrets: SecretStore, http: HttpSettings | None = None
    ) -> None:
        self.profile = profile
        self._secrets = secrets
        self._http_settings = http if http is not None else profile.http_settings()
        self._lock = threading.RLock()  # cache, app, persistence
        self._token_lock = threading.Lock()  # one silent acquisition at a time
        self._cache: msal.SerializableTokenCache | None = None
        self._app: msal.ClientApplication | None = None
        self._app_secret: str | None = None
        self._http_client: MsalHttpClient | None = None
        self._warnings: list[str] = []
        #: The access token obtained last for each scope and when
        #: (time.monotonic()); one tuple per scope, so a reader in another
        #: thread sees both or neither.
        self._latest: dict[str, tuple[str, float]] = {}

    # ------------------------------------------------------------ public API

    @property
    def account(self) -> Account | None:
        """The signed-in account according to the token cache (blocks on first use)."""

        if self.profile.uses_service_principal:
            return self._service_principal_account()

        def run() -> list[Account]:
            with self._lock:
                cache = self._load_cache()
                return [
                    Account(a.get("username", ""), a.get("home_account_id"))
                    for a in cache.search(cache.CredentialType.ACCOUNT)
                ]

        return _pick(self._guarded(run), self.profile.username)

    @property
    def warnings(self) -> list[str]:
        """Problems that did not stop sign-in (e.g. tokens could not be saved)."""
        with self._lock:
            return list(self._warnings)

    def acquire_token(self, *, force_refresh: bool = False, scope: str | None = None) -> str:
        """An access token without asking the user, or SignInRequired.

        Uses the cached access token, else the refresh token; `force_refresh`
        skips the cached access token (after the API answered 401). For
        password methods a stored password is the last resort. `scope`: the
        audience (default: the profile's API), e.g. the BAP admin API of a
        Power Platform profile.
        """
        wanted = scope or self.profile.scope
        with self._token_lock:
            if self.profile.uses_service_principal:
                return self._guarded(lambda: self._acquire_for_client(wanted, force_refresh))
            return self._guarded(lambda: self._acquire_silently(force_refresh, wanted))

    def recent_token(self, max_age: float, *, scope: str | None = None) -> str | None:
        """The access token obtained in the last `max_age` seconds, if any.

        Never blocks and asks nothing of MSAL: the token a sign-in just
        produced serves the calls that follow it without another lookup.
        """
        latest = self._latest.get(scope or self.profile.scope)
        if latest is None or time.monotonic() - latest[1] >= max_age:
            return None
        return latest[0]

    def sign_in_with_client_secret(
        self, client_secret: str | None = None, *, remember: bool = True
    ) -> Account:
        """A service principal's sign-in: a token with the client secret (None:
        the stored one). `remember` keeps the given secret in the profile's
        secret store (the keyring); without it a stored one is removed."""
        profile = self.profile
        if not profile.uses_service_principal:
            raise SignInError(
                f"Profile {profile.name} signs in with {profile.sign_in_method}, "
                "not as a service principal",
                f"run: {login_command(profile.name)}",
            )

        def run() -> Account:
            used = client_secret or self._stored("client-secret")
            if not used:
                raise SignInRequired(
                    f"No client secret given for app {profile.client_id}, and none is stored",
                    "enter it when asked, or set LCS_TUI_CLIENT_SECRET",
                )
            app = self._application(used)
            result: dict[str, Any] = app.acquire_token_for_client(scopes=[profile.scope])
            self._persist_cache()
            if "access_token" not in result:
                raise error_from_entra(result, profile, secrets=(used,))
            self._note_token(result, profile.scope)
            self._remember("client-secret", client_secret, remember)
            return Account(_app_account_name(profile))

        return self._guarded(run)

    def sign_in_with_password(
        self,
        password: str | None = None,
        client_secret: str | None = None,
        *,
        remember: bool = True,
    ) -> Account:
        """ROPC sign-in; None means "use the stored one". `remember` stores
        the given password/secret in the profile's secret store; without it a
        previously stored one is removed, so an old password never lingers."""
        profile = self.profile
        if not profile.uses_password:
            raise SignInError(
                f"Profile {profile.name} signs in with {profile.sign_in_method}, not a password",
                f"run: {login_command(profile.name)}",
            )

        def run() -> Account:
            used_password = password or self._stored("password")
            if not used_password:
                raise SignInRequired(
                    f"No password given for {profile.username}, and none is stored",
                    "enter it when asked, or set LCS_TUI_PASSWORD",
                )
            used_secret: str | None = None
            if profile.needs_client_secret:
                used_secret = client_secret or self._stored("client-secret")
                if not used_secret:
                    raise SignInRequired(
                        f"No client secret given for app {profile.client_id}, and none is stored",
                        "enter it when asked, or set LCS_TUI_CLIENT_SECRET",
                    )
            app = self._application(used_secret)
            result = self._ropc(app, used_password)
            self._persist_cache()
            if "access_token" not in result:
                raise error_from_entra(result, profile, secrets=(used_password, used_secret))
            account = self._keep_only(app, result)
            self._remember("password", password, remember)
            if profile.needs_client_secret:
                self._remember("client-secret", client_secret, remember)
            return account

        return self._guarded(run)

    def start_device_flow(self) -> DeviceFlow:
        """Ask Entra for a device code; show the result, then call finish_device_flow."""
        self._require_public_client("device code")

        def run() -> DeviceFlow:
            app = self._application(None)
            flow: dict[str, Any] = app.initiate_device_flow(scopes=[self.profile.scope])
            if "user_code" not in flow:
                raise error_from_entra(flow, self.profile)
            expires = datetime.fromtimestamp(float(flow.get("expires_at", 0)), tz=timezone.utc)
            return DeviceFlow(
                user_code=str(flow["user_code"]),
                verification_uri=str(flow.get("verification_uri", "")),
                message=str(flow.get("message", "")),
                expires_at=expires,
                _flow=flow,
            )

        return self._guarded(run)

    def finish_device_flow(
        self, flow: DeviceFlow, cancel: threading.Event | None = None
    ) -> Account:
        """Wait until the user entered the code (or it expires). Setting
        `cancel` from another thread stops the wait within about a second."""
        cancel = cancel or threading.Event()

        def stop(state: dict[str, Any]) -> bool:
            return cancel.is_set() or float(state.get("expires_at", 0)) < time.time()

        def run() -> Account:
            if cancel.is_set():
                raise _cancelled(self.profile)
            app = self._application(None)
            result: dict[str, Any] = app.acquire_token_by_device_flow(
                flow._flow, exit_condition=stop
            )
            self._persist_cache()
            if "access_token" in result:
                return self._keep_only(app, result)
            if cancel.is_set():
                raise _cancelled(self.profile)
            if result.get("error") in ("authorization_pending", "slow_down"):
                result = {"error": "expired_token"}  # our wait ended with the code's life
            raise error_from_entra(result, self.profile)

        return self._guarded(run)

    def sign_in_with_browser(self, timeout: float | None = 300) -> Account:
        """Interactive sign-in in a local web browser (needs one, and the
        redirect URI http://localhost in the app registration)."""
        self._require_public_client("browser")
        if not browser_available():
            raise SignInError(
                "No web browser is available on this machine",
                'use device-code sign-in instead: set sign_in_method = "device-code" in '
                f"profile {self.profile.name} (lcs-tui profile set {self.profile.name} "
                "--method device-code)",
            )

        def run() -> Account:
            app = self._application(None)
            assert isinstance(app, _msal().PublicClientApplication)
            result: dict[str, Any] = app.acquire_token_interactive(
                scopes=[self.profile.scope],
                login_hint=self.profile.username,
                prompt="select_account",
                timeout=timeout,
            )
            self._persist_cache()
            if "access_token" not in result:
                raise error_from_entra(result, self.profile)
            return self._keep_only(app, result)

        return self._guarded(run)

    def sign_out(self, *, forget_secrets: bool = False) -> None:
        """Forget the tokens of this profile (and, with `forget_secrets`, the
        stored password and client secret). Works offline."""

        def run() -> None:
            with self._lock:
                cache = self._load_cache()
                cache.deserialize("{}")
                cache.has_state_changed = False
                self._latest = {}
                self._secrets.delete(self.profile.name, "token-cache")
                if forget_secrets:
                    self._secrets.delete(self.profile.name, "password")
                    self._secrets.delete(self.profile.name, "client-secret")
                    self._app, self._app_secret = None, None

        self._guarded(run)

    def close(self) -> None:
        with self._lock:
            if self._http_client is not None:
                self._http_client.close()
            self._http_client, self._app, self._app_secret = None, None, None

    # ------------------------------------------------------------- internals

    def _service_principal_account(self) -> Account | None:
        """A service principal is signed in while its secret can be had."""

        def run() -> bool:
            return bool(self._app_secret or self._stored("client-secret"))

        return Account(_app_account_name(self.profile)) if self._guarded(run) else None

    def _acquire_for_client(self, scope: str, force_refresh: bool) -> str:
        """Client credentials: MSAL serves its cached app token until it expires."""
        profile = self.profile
        secret = self._stored("client-secret") or self._app_secret
        if not secret:
            raise SignInRequired(
                f"Profile {profile.name} is not signed in (no client secret is stored)",
                f"sign in: {login_command(profile.name)}, or set LCS_TUI_CLIENT_SECRET",
            )
        app = self._application(secret)
        if force_refresh:
            self._drop_app_tokens(scope)
        result: dict[str, Any] = app.acquire_token_for_client(scopes=[scope])
        self._persist_cache()
        if "access_token" in result:
            return self._note_token(result, scope)
        failure = error_from_entra(result, profile, secrets=(secret,))
        if failure.code in ("AADSTS7000215", "AADSTS7000222"):
            # A wrong or expired secret: only the user can give another.
            raise SignInRequired(
                failure.message, failure.hint, code=failure.code, detail=failure.detail
            )
        raise failure

    def _drop_app_tokens(self, scope: str) -> None:
        """After a 401: forget the cached app token, so the next one is new."""
        with self._lock:
            cache = self._load_cache()
            self._latest.pop(scope, None)
            # Listed first: the search reads the dict the removals change.
            tokens = list(
                cache.search(
                    cache.CredentialType.ACCESS_TOKEN, query={"client_id": self.profile.client_id}
                )
            )
            for token in tokens:
                cache.remove_at(token)

    def _acquire_silently(self, force_refresh: bool, scope: str) -> str:
        profile = self.profile
        secret: str | None = None
        if profile.needs_client_secret:
            # A secret given at sign-in but not remembered still serves this session.
            secret = self._stored("client-secret") or self._app_secret
            if not secret:
                raise SignInRequired(
                    f"Profile {profile.name} is not signed in (no client secret is stored)",
                    f"sign in: {login_command(profile.name)}",
                )
        cache = self._load_cache()
        has_account = any(True for _ in cache.search(cache.CredentialType.ACCOUNT))
        password = self._stored("password") if profile.uses_password else None
        if not has_account and not password:
            raise _not_signed_in(profile)  # without a network round trip
        app = self._application(secret)
        failure: SignInError | None = None
        account = self._msal_account(app)
        if account is not None:
            result = app.acquire_token_silent_with_error(
                [scope], account, force_refresh=force_refresh
            )
            self._persist_cache()
            if result and "access_token" in result:
                return self._note_token(result, scope)
            if result:
                failure = error_from_entra(result, profile, secrets=(secret,))
                log.info("silent renewal failed for profile %s: %s", profile.name, failure.code)
        if password:
            result = self._ropc(app, password, scope)
            self._persist_cache()
            if "access_token" in result:
                self._keep_only(app, result, scope)
                return self._note_token(result, scope)
            failure = error_from_entra(result, profile, secrets=(password, secret))
        if failure is not None and (failure.code in INTERACTION_CODES or failure.code is None):
            raise SignInRequired(
                failure.message, failure.hint, code=failure.code, detail=failure.detail
            )
        if failure is not None:
            raise failure
        raise _not_signed_in(profile)

    def _guarded(self, run: Callable[[], T]) -> T:
        """Run `run()` turning store, HTTP and network exceptions into SignInError."""
        try:
            return run()
        except SignInError:
            raise
        except SecretStoreError as exc:
            raise SignInError(
                f"The secret store of profile {self.profile.name} failed: {exc.message}",
                exc.hint,
            ) from None
        except AuthHttpError as exc:
            raise SignInError(
                f"The sign-in service answered {exc}",
                "try again later; if it persists, check the authority of profile "
                f"{self.profile.name}",
            ) from None
        except network_error_types() as exc:
            raise error_from_network(exc, self.profile) from None

    def _load_cache(self) -> msal.SerializableTokenCache:
        with self._lock:
            if self._cache is None:
                cache = _msal().SerializableTokenCache()
                state = self._secrets.get(self.profile.name, "token-cache")
                if state:
                    try:
                        cache.deserialize(state)
                    except ValueError:
                        # A damaged cache costs one sign-in, nothing more.
                        log.warning("ignoring an unreadable token cache of %s", self.profile.name)
                self._cache = cache
            return self._cache

    def _persist_cache(self) -> None:
        with self._lock:
            cache = self._load_cache()
            if not cache.has_state_changed:
                return
            # MSAL indents its JSON; compact it, it is a third smaller in the keyring.
            state = json.dumps(json.loads(cache.serialize()), separators=(",", ":"))
            try:
                self._secrets.set(self.profile.name, "token-cache", state)
            except SecretStoreError as exc:
                cache.has_state_changed = True  # serialize() cleared it; retry next time
                # The token still works in memory; a long watch must not stop
                # because the keyring refused a write.
                self._warn(f"the sign-in could not be saved: {exc.message}")

    def _stored(self, kind: SecretKind) -> str | None:
        return self._secrets.get(self.profile.name, kind)

    def _remember(self, kind: SecretKind, given: str | None, remember: bool) -> None:
        if given is None:
            return  # the stored one was used; leave it as it is
        try:
            if remember:
                self._secrets.set(self.profile.name, kind, given)
            else:
                self._secrets.delete(self.profile.name, kind)
        except SecretStoreError as exc:
            self._warn(f"the {kind} could not be saved: {exc.message}")

    def _warn(self, text: str) -> None:
        log.warning("profile %s: %s", self.profile.name, text)
        with self._lock:
            self._warnings.append(text)

    def _application(self, client_secret: str | None) -> msal.ClientApplication:
        lib = _msal()
        profile = self.profile
        with self._lock:
            if self._app is not None and self._app_secret == client_secret:
                return self._app
            if self._http_client is None:
                self._http_client = MsalHttpClient(self._http_settings, profile.authority)
            host = urlsplit(profile.authority).hostname or ""
            options: dict[str, Any] = {
                "authority": profile.authority,
                "token_cache": self._load_cache(),
                "http_client": self._http_client,
                "app_name": "lcs-tui",
                "app_version": __version__,
            }
            if host not in _MICROSOFT_AUTHORITY_HOSTS:
                options["instance_discovery"] = False
            app: msal.ClientApplication
            try:
                # MSAL fetches the authority's OpenID configuration right here.
                if profile.needs_client_secret:  # password+secret, service principal
                    app = lib.ConfidentialClientApplication(
                        profile.client_id, client_credential=client_secret, **options
                    )
                else:
                    app = lib.PublicClientApplication(profile.client_id, **options)
            except ValueError as exc:
                # MSAL's way to say discovery failed: unknown tenant, or an
                # authority that does not answer as Entra ID does.
                raise error_from_discovery(exc, self.profile) from None
            self._app, self._app_secret = app, client_secret
            return app

    def _ropc(
        self, app: msal.ClientApplication, password: str, scope: str | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = app.acquire_token_by_username_password(
            self.profile.username, password, scopes=[scope or self.profile.scope]
        )
        return result

    def _msal_account(self, app: msal.ClientApplication) -> dict[str, Any] | None:
        accounts: list[dict[str, Any]] = app.get_accounts()
        wanted = (self.profile.username or "").lower()
        for account in accounts:
            if wanted and str(account.get("username", "")).lower() == wanted:
                return account
        return accounts[0] if accounts else None

    def _keep_only(
        self, app: msal.ClientApplication, result: dict[str, Any], scope: str | None = None
    ) -> Account:
        """After a sign-in, drop other accounts from the cache: one profile,
        one account (a profile whose user changed must not renew the old one)."""
        self._note_token(result, scope)
        claims = result.get("id_token_claims") or {}
        username = str(claims.get("preferred_username") or self.profile.username or "")
        with self._lock:
            for other in app.get_accounts():
                if str(other.get("username", "")).lower() != username.lower():
                    app.remove_account(other)
            self._persist_cache()
        home = None
        if "oid" in claims and "tid" in claims:
            home = f"{claims['oid']}.{claims['tid']}"
        return Account(username, home)

    def _note_token(self, result: dict[str, Any], scope: str | None = None) -> str:
        token = str(result["access_token"])
        self._latest = {**self._latest, scope or self.profile.scope: (token, time.monotonic())}
        return token

    def _require_public_client(self, what: str) -> None:
        if self.profile.needs_client_secret:
            raise SignInError(
                f"{what.capitalize()} sign-in works only with a public client, but profile "
                f"{self.profile.name} uses a client secret",
                "use the sign-in method device-code with an app that allows public client flows",
            )


def browser_available() -> bool:
    """Whether an interactive browser sign-in can work here."""
    import webbrowser

    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False  # text-mode browsers cannot do Entra sign-in pages
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def _app_account_name(profile: Profile) -> str:
    return f"service principal {profile.client_id}"


def _pick(accounts: list[Account], username: str | None) -> Account | None:
    wanted = (username or "").lower()
    for account in accounts:
        if wanted and account.username.lower() == wanted:
            return account
    return accounts[0] if accounts else None


def _not_signed_in(profile: Profile) -> SignInRequired:
    if profile.secret_store == "session":
        # `login` would keep nothing for the next command: say what works.
        variables = "LCS_TUI_PASSWORD" + (
            " and LCS_TUI_CLIENT_SECRET" if profile.needs_client_secret else ""
        )
        how = (
            f"set {variables} for scripting commands"
            if profile.uses_password
            else "a scripting command cannot show a code or a browser with this store"
        )
        return SignInRequired(
            f"Profile {profile.name} is not signed in (its secret store, 'session', "
            "keeps nothing once a command ends)",
            f"{how}, or keep the sign-in between commands: "
            f"lcs-tui profile set {profile.name} --secret-store keyring (or file), "
            f"then {login_command(profile.name)}",
        )
    return SignInRequired(
        f"Profile {profile.name} is not signed in",
        f"sign in: {login_command(profile.name)}",
    )


def _cancelled(profile: Profile) -> SignInCancelled:
    return SignInCancelled(
        "Sign-in cancelled", f"start again when ready: {login_command(profile.name)}"
    )


def _msal() -> Any:
    # Imported on first use: msal pulls in requests and cryptography, which
    # `lcs-tui --version` and the TUI's first frame should not wait for.
    import msal

    return msal
