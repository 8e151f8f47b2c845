"""Messages that thread workers post to the app; the app owns every state change."""

from __future__ import annotations

from textual.message import Message

from lcs_tui.api import RequestEvent


class SignedIn(Message):
    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username


class SignInNeeded(Message):
    """No silent sign-in was possible: the user has to sign in."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class SignInFailed(Message):
    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__()
        self.message = message
        self.hint = hint


class SignInOffline(Message):
    """The sign-in service could not be reached; the app retries by itself."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class DeviceFlowStarted(Message):
    def __init__(self, flow: object, user_code: str, url: str, text: str) -> None:
        super().__init__()
        self.flow = flow
        self.user_code = user_code
        self.url = url
        self.text = text


class RequestLogged(Message):
    def __init__(self, event: RequestEvent) -> None:
        super().__init__()
        self.event = event
