"""Redaction of credentials before anything is logged or shown.

SAS URLs (`FileLocation`) carry their signature in the query string; bearer
tokens travel in headers, which are never logged at all.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that are credentials (Azure SAS signature and friends).
SECRET_QUERY_KEYS = frozenset({"sig", "signature", "code", "client_secret", "password", "token"})

REDACTED = "REDACTED"


def redact_url(url: str) -> str:
    """Return `url` with credential query parameters replaced by REDACTED."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if not parts.query:
        return url
    pairs = [
        (k, REDACTED if k.lower() in SECRET_QUERY_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe=":")))


_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
# A signature is a credential wherever it appears: in a URL (`?sig=`,
# `&sig=`) or quoted loose in an error text (`sig=...`, `signature=...`).
_SIG = re.compile(r"(?i)(\b(?:sig|signature)=)[^&\s\"']+")


def redact_text(text: str) -> str:
    """Scrub bearer tokens and SAS signatures out of free text (error bodies)."""
    return _SIG.sub(rf"\g<1>{REDACTED}", _BEARER.sub(rf"\g<1>{REDACTED}", text))
