"""Keep download links out of logs.

httpx logs every request's full URL at INFO level ("HTTP Request: GET
https://…?…&sig=…"). A blob link's query string is a credential, so the
download package puts a filter on httpx's logger that scrubs signatures
before any handler sees the record.
"""

from __future__ import annotations

import logging
import threading

from lcs_tui.api.redact import redact_text

_lock = threading.Lock()
_installed = False


class SignatureFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_text(str(arg)) if _looks_like_text(arg) else arg for arg in record.args
            )
        return True


def _looks_like_text(value: object) -> bool:
    # httpx passes URLs as httpx.URL objects; numbers must stay numbers for %d.
    return not isinstance(value, (int, float)) and value is not None


def install_httpx_log_redaction() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        logging.getLogger("httpx").addFilter(SignatureFilter())
        _installed = True
