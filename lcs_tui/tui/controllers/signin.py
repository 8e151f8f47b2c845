"""Signing a workspace in: silently when the cache allows, else with the user.

MSAL and the keyring block, so every call runs in a thread; the controller
itself lives on the event loop and reports what happens as events. The
prompts (password, device code) are the screen's: it asks when this
workspace is shown, never for a workspace in the background.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcs_tui.tui.controllers.events import (
    DeviceCodeShown,
    SignedIn,
    SignInFailed,
    SignInNeeded,
    WorkspaceEvent,
)

if TYPE_CHECKING:
    from lcs_tui.workspace import Workspace

Emit = Callable[[WorkspaceEvent], None]


def in_app(hint: str | None, profile: str) -> str | None:
    """Sign-in hints are worded for the command line; in the app, Try again signs in."""
    if hint is None:
        return None
    from lcs_tui.auth.errors import login_command

    login = login_command(profile)
    if "sign_in_method" in hint or "profile add" in hint or "profile set" in hint:
        # The profile must change first, and the app uses it as it was at start.
        return hint.replace(login, "restart lcs-tui")
    return hint.replace(f"run: {login}", "press Try again").replace(login, "press Try again")


class SignIn:
    """One workspace's sign-in. `offline` is called with the reason when the
    sign-in service cannot be reached (the runtime retries, backing off)."""

    def __init__(self, workspace: Workspace, emit: Emit, *, offline: Callable[[str], None]) -> None:
        self._workspace = workspace
        self._emit = emit
        self._offline = offline
        self._device_cancel: threading.Event | None = None

    async def silently(self) -> None:
        """The token cache, the demo's password, or an early sign-in begun at start-up."""
        from lcs_tui.auth import SignInError, SignInRequired, SignInUnreachable

        workspace = self._workspace
        try:
            early = workspace.take_early_sign_in()
            if early is not None:
                username = await asyncio.wrap_future(early)
            else:
                username = await asyncio.to_thread(workspace.sign_in_without_asking)
        except SignInRequired:
            self._emit(SignInNeeded())
        except SignInUnreachable as exc:
            self._offline(exc.message)
        except SignInError as exc:
            self._failed(exc.message, exc.hint)
        except Exception as exc:
            self._unexpected(exc)
        else:
            self._emit(SignedIn(username))

    async def with_password(self, password: str, secret: str | None) -> None:
        from lcs_tui.auth import SignInError

        session = self._workspace.session
        try:
            account = await asyncio.to_thread(session.sign_in_with_password, password, secret)
        except SignInError as exc:
            self._failed(exc.message, exc.hint)
        except Exception as exc:
            self._unexpected(exc)
        else:
            self._emit(SignedIn(account.username))

    async def with_device_code(self) -> None:
        """Show a code, wait (cancellable) until the user has signed in with it."""
        from lcs_tui.auth import SignInCancelled, SignInError

        session = self._workspace.session
        try:
            flow: Any = await asyncio.to_thread(session.start_device_flow)
        except SignInError as exc:
            self._failed(exc.message, exc.hint)
            return
        except Exception as exc:
            self._unexpected(exc)
            return
        cancel = threading.Event()
        self._device_cancel = cancel
        self._emit(DeviceCodeShown(flow.user_code, flow.verification_uri, flow.message, cancel))
        try:
            account = await asyncio.to_thread(session.finish_device_flow, flow, cancel)
        except SignInCancelled:
            self._failed("Sign-in cancelled.", "press Ctrl+R to try again", device=True)
        except SignInError as exc:
            self._failed(exc.message, exc.hint, device=True)
        except Exception as exc:
            self._unexpected(exc, device=True)
        else:
            self._emit(SignedIn(account.username))
        finally:
            self._device_cancel = None

    def cancel(self) -> None:
        """Stop a device-code wait (the app closes, or the user cancelled)."""
        if self._device_cancel is not None:
            self._device_cancel.set()

    def _failed(self, message: str, hint: str | None, *, device: bool = False) -> None:
        profile = self._workspace.profile.name
        self._emit(SignInFailed(message, in_app(hint, profile), device_flow_over=device))

    def _unexpected(self, exc: Exception, *, device: bool = False) -> None:
        self._emit(
            SignInFailed(
                f"Sign-in failed unexpectedly ({type(exc).__name__}: {exc}).",
                "press Try again; if it keeps failing, run lcs-tui login in a terminal to see more",
                device_flow_over=device,
            )
        )
