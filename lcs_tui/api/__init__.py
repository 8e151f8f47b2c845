"""The LCS API client layer: no UI, no global state.

Import from here: `from lcs_tui.api import LcsClient, Environment, ...`.
"""

from lcs_tui.api.client import LcsClient, Observer, RequestEvent, RetryPolicy, TokenSource
from lcs_tui.api.errors import (
    LcsAuthError,
    LcsConnectionError,
    LcsError,
    LcsHttpError,
    LcsMalformedResponse,
    LcsRejected,
    LcsThrottled,
    OutcomeUnknown,
    QuotaExceeded,
    TokenUnavailable,
)
from lcs_tui.api.models import (
    ActionAccepted,
    BackupList,
    DatabaseBackup,
    Envelope,
    Environment,
    HistoryEntry,
    OperationReport,
    OperationStarted,
    OperationStatus,
    Outcome,
    Page,
)

__all__ = [
    "ActionAccepted",
    "BackupList",
    "DatabaseBackup",
    "Envelope",
    "Environment",
    "HistoryEntry",
    "LcsAuthError",
    "LcsClient",
    "LcsConnectionError",
    "LcsError",
    "LcsHttpError",
    "LcsMalformedResponse",
    "LcsRejected",
    "LcsThrottled",
    "Observer",
    "OperationReport",
    "OperationStarted",
    "OperationStatus",
    "Outcome",
    "OutcomeUnknown",
    "Page",
    "QuotaExceeded",
    "RequestEvent",
    "RetryPolicy",
    "TokenSource",
    "TokenUnavailable",
]
