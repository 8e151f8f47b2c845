"""The typed errors of the Power Platform client, each saying what to do.

They extend the LCS client's hierarchy (lcs_tui/api/errors.py), so every
layer that already explains an `LcsError` — the command boundary, the app's
error dialogs, the wait loop's "transient" list — explains these too: a
connection failure is an `LcsConnectionError`, a lost start answer an
`OutcomeUnknown`, throttling `LcsThrottled`, whichever service sent it. The
subclasses here carry what is particular to Power Platform: the wrong token
audience, an unregistered service principal, a missing role, the fields a
validation refused, a busy environment, capacity.

`activity_id` holds the correlation id Power Platform sent
(`x-ms-correlation-id`), the id its support asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcs_tui.api.errors import LcsAuthError, LcsError, LcsHttpError, LcsRejected

#: The documentation of the admin management application registration (§1.3).
REGISTER_APP_URL = (
    "https://learn.microsoft.com/en-us/power-platform/admin/"
    "powerplatform-api-create-service-principal#registering-an-admin-management-application"
)


class PpAuthError(LcsAuthError):
    """Power Platform refused the token (401 after one renewal).

    `reason`: "wrong-audience" when the answer says the token was for another
    API, else "unauthorized".
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        hint: str | None = None,
        activity_id: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, activity_id=activity_id)
        self.reason = reason


class PpForbidden(LcsAuthError):
    """403: signed in, but not allowed.

    `reason`: "unregistered" (BAP: the service principal is not registered as
    an admin management application), "missing-role" (the Power Platform
    API: no Power Platform role, or no application user in Dataverse).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        hint: str | None = None,
        activity_id: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, activity_id=activity_id)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field of a `ValidationResponse`."""

    field: str
    messages: tuple[str, ...]
    suggested_value: str | None = None

    def describe(self) -> str:
        said = "; ".join(self.messages) or "refused"
        shown = f"{self.field}: {said}" if self.field else said
        if self.suggested_value:
            shown += f" (suggested: {self.suggested_value})"
        return shown


class PpRejected(LcsRejected):
    """Power Platform understood the request and said no (400, 409, a known code).

    `code` is its error code (`OperationNotStartable`, `EnvironmentNotFound`,
    ...), `field_errors` what a `ValidationResponse` listed.
    """

    def __init__(
        self,
        error_message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field_errors: tuple[FieldError, ...] = (),
        hint: str | None = None,
        activity_id: str | None = None,
    ) -> None:
        said = "; ".join(e.describe() for e in field_errors)
        message = f"Power Platform refused: {error_message}" + (f" ({said})" if said else "")
        LcsError.__init__(self, message, hint=hint, activity_id=activity_id)
        self.error_message = error_message
        self.code = code
        self.status = status
        self.field_errors = field_errors

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(e.describe() for e in self.field_errors)


class PpValidationFailed(PpRejected):
    """A validate-only call (or the start itself) found the request invalid."""


class PpBusy(PpRejected):
    """409: another lifecycle operation runs on the environment (`OperationNotStartable`)."""


class PpCapacity(PpRejected):
    """Not enough capacity (`InsufficientCapacity_*`): restore, copy and create need ≥ 1 GB."""


class PpNotFound(LcsHttpError):
    """404 for something that should exist (an environment, a backup)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        activity_id: str | None = None,
    ) -> None:
        super().__init__(message, status=404, hint=hint)
        self.activity_id = activity_id
        self.code = code

    @property
    def environment_missing(self) -> bool:
        """The environment itself is not in the tenant (not just the path asked for)."""
        return (self.code or "").lower() in (
            "environmentnotfound",
            "servicetoserviceenvironmentnotfound",
        )
