"""The errors the LCS client raises: one small hierarchy, caught at the right level.

Every message says what happened; `hint` says what to do next; the
`activity_id` (LCS's OperationActivityId) is what Microsoft support asks for.
No error ever carries a token, a password or a SAS signature.
"""

from __future__ import annotations

from datetime import datetime


class LcsError(Exception):
    """Base of everything the LCS client raises."""

    def __init__(
        self, message: str, *, hint: str | None = None, activity_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.activity_id = activity_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.activity_id:
            parts.append(f"(OperationActivityId {self.activity_id})")
        if self.hint:
            parts.append(f"— {self.hint}")
        return " ".join(parts)


class LcsConnectionError(LcsError):
    """The service could not be reached (DNS, refused, TLS, timeout, dropped)."""


class LcsHttpError(LcsError):
    """An HTTP status the API does not use for answers (5xx, 404, ...)."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class LcsAuthError(LcsError):
    """401 even after one silent token renewal."""


class TokenUnavailable(LcsAuthError):
    """The token source failed (not signed in, sign-in service unreachable, ...).

    The original exception is the `__cause__`; its message and hint are kept.
    """


class LcsThrottled(LcsError):
    """Rate limited longer than the client is willing to wait."""

    def __init__(self, message: str, *, retry_at: datetime, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_at = retry_at


class LcsMalformedResponse(LcsError):
    """The answer was not the JSON shape LCS documents (HTML page, truncated body, ...)."""


class LcsRejected(LcsError):
    """LCS answered `IsSuccess: false`: it understood the request and said no."""

    def __init__(
        self, error_message: str, *, activity_id: str | None, hint: str | None = None
    ) -> None:
        super().__init__(f"LCS refused: {error_message}", hint=hint, activity_id=activity_id)
        self.error_message = error_message


class QuotaExceeded(LcsRejected):
    """The 3-operations-per-environment-per-24-hours quota is used up."""

    def __init__(
        self,
        error_message: str,
        *,
        activity_id: str | None,
        limit: int,
        frees_at: datetime | None,
    ) -> None:
        when = f"{frees_at:%Y-%m-%d %H:%M} UTC" if frees_at else "an unknown time"
        super().__init__(
            error_message,
            activity_id=activity_id,
            hint=f"the quota of {limit} operations per 24 h frees up at {when}",
        )
        self.limit = limit
        self.frees_at = frees_at


class OutcomeUnknown(LcsError):
    """An operation-starting POST failed after it may have reached LCS.

    It is never retried automatically: the operation may be running. The
    caller must check the environment's history before trying again.
    """
