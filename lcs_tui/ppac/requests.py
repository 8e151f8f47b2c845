"""What a copy or a restore asks for, as the Power Platform API wants it sent.

The quirks of PPAC-API.md §10.5 live here, once: the API's copy types are
`Full` and `Minimal` (not BAP's `FullCopy`/`MinimalCopy`); "transactionless"
is `Full` plus `copyOptions.executeAdvancedCopyForFinanceAndOperations`; a
restore point is RFC 3339 *with an offset*; the target is in the URL path,
the source in the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: The copy types as the user chooses them (the portal's words in COPY_TYPES).
COPY_FULL = "full"
COPY_TRANSACTIONLESS = "transactionless"
COPY_MINIMAL = "minimal"
COPY_TYPES: dict[str, str] = {
    COPY_FULL: "Everything: customizations, schemas and all data",
    COPY_TRANSACTIONLESS: "Everything, transactionless: all but the transaction tables "
    "(X++ table groups Transaction, Worksheet*, Staging; ISV and custom tables included)",
    COPY_MINIMAL: "Customizations and schemas only: no data",
}
#: On the wire (P1): `copyType` is `Full` or `Minimal`.
_WIRE_TYPE = {COPY_FULL: "Full", COPY_TRANSACTIONLESS: "Full", COPY_MINIMAL: "Minimal"}


@dataclass(frozen=True, slots=True)
class CopyOptions:
    """How to copy: the type, and whether audit data is left out (the portal's default)."""

    copy_type: str = COPY_TRANSACTIONLESS
    skip_audit_data: bool = True

    def __post_init__(self) -> None:
        if self.copy_type not in COPY_TYPES:
            raise ValueError(
                f"unknown copy type {self.copy_type!r}; one of {', '.join(COPY_TYPES)}"
            )

    @property
    def wire_type(self) -> str:
        return _WIRE_TYPE[self.copy_type]

    def body(self, source_id: str) -> dict[str, Any]:
        """The `CopyRequest` (P1) for a copy from `source_id`."""
        return {
            "sourceEnvironmentId": source_id,
            "copyType": self.wire_type,
            "copyOptions": {
                "skipAuditData": self.skip_audit_data,
                "executeAdvancedCopyForFinanceAndOperations": self.copy_type
                == COPY_TRANSACTIONLESS,
            },
        }

    def to_json(self) -> dict[str, Any]:
        return {"copy_type": self.copy_type, "skip_audit_data": self.skip_audit_data}


@dataclass(frozen=True, slots=True)
class RestorePoint:
    """A point to restore to: a time, or a backup's point as the service gave it."""

    #: Naive UTC.
    moment: datetime
    #: The backup's own `backupPointDateTime` text, passed on unchanged when it
    #: carries an offset (no fraction of a second lost in a round trip).
    text: str | None = None
    backup_id: str | None = None
    backup_label: str | None = None

    @property
    def wire(self) -> str:
        if self.text and _has_offset(self.text):
            return self.text
        return rfc3339(self.moment)


def restore_body(source_id: str, point: RestorePoint, *, skip_audit_data: bool) -> dict[str, Any]:
    """The `RestoreRequest` (P3) from `source_id` at `point`."""
    return {
        "restorePointDateTime": point.wire,
        "sourceEnvironmentId": source_id,
        "restoreOptions": {"skipAuditData": skip_audit_data},
    }


def rfc3339(moment: datetime) -> str:
    """A naive-UTC (or aware) moment as RFC 3339 with an explicit offset: `…+00:00`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds")


def parse_point(text: str) -> datetime | None:
    """An RFC 3339 date and time *with* its offset (`Z`, `+01:00`) as naive UTC; None
    for anything else — a restore point without its zone would be a guess."""
    from lcs_tui.api.parsing import parse_datetime

    stripped = text.strip()
    if not _has_offset(stripped.upper()):
        return None
    return parse_datetime(stripped.upper() if stripped.endswith("z") else stripped)


def _has_offset(text: str) -> bool:
    tail = text.strip()[-6:]
    return text.strip().endswith("Z") or (len(tail) == 6 and tail[0] in "+-" and tail[3] == ":")
