"""Answers mangled on their way back (the `Faults.malformed` kinds) and gateway errors."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from lcs_tui.simulator.exchange import JSON_CONTENT_TYPE, Reply, text_reply
from lcs_tui.simulator.faults import MalformedKind

#: How deep the "deep-json" kind nests the answer.
DEEP_JSON_DEPTH = 100_000


def gateway_error(status: int) -> Reply:
    """A 5xx with the HTML body a gateway in front of a sick backend sends."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Server Error"
    html = (
        f"<html><head><title>{status} {phrase}</title></head><body>"
        f"<center><h1>{status} {phrase}</h1></center><hr>"
        "<center>Microsoft-Azure-Application-Gateway/v2</center></body></html>"
    )
    return text_reply(html, "text/html", status)


def mangle(reply: Reply, kind: MalformedKind) -> Reply:
    """The same answer, broken in the way `kind` names (status unchanged, except "html": 200)."""
    if kind == "html":
        html = (
            "<!DOCTYPE html><html><head><title>Sign in to your account</title></head>"
            "<body><p>Your session has expired. Please sign in again.</p></body></html>"
        )
        mangled = text_reply(html, "text/html; charset=utf-8", 200)
    elif kind == "empty":
        mangled = Reply(
            status=reply.status,
            headers=[("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", "0")],
        )
    elif kind == "truncated-json":
        body = reply.body[: max(1, len(reply.body) // 2)]
        mangled = Reply(status=reply.status, headers=_json_headers(body), body=body)
    elif kind == "deep-json":
        # Valid JSON that a recursive parser cannot read (Python's stops near 1,000).
        body = b"[" * DEEP_JSON_DEPTH + reply.body + b"]" * DEEP_JSON_DEPTH
        mangled = Reply(status=reply.status, headers=_json_headers(body), body=body)
    else:
        try:
            payload = json.loads(reply.body)
        except ValueError:
            payload = {"Message": reply.body.decode("utf-8", errors="replace")}
        changed = [payload] if kind == "not-an-object" else _wrong_types(payload)
        body = json.dumps(changed, separators=(",", ":")).encode("utf-8")
        mangled = Reply(status=reply.status, headers=_json_headers(body), body=body)
    # Keep headers such as Retry-After that are not about the body.
    body_headers = {"content-type", "content-length"}
    mangled.headers += [(k, v) for k, v in reply.headers if k.lower() not in body_headers]
    return mangled


def _json_headers(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", str(len(body)))]


def _wrong_types(payload: Any) -> Any:
    """Valid JSON with the wrong type in every top-level field: booleans become
    .NET-style strings, lists become their length, integers become strings."""
    if not isinstance(payload, dict):
        return payload
    changed: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, bool):
            changed[key] = "True" if value else "False"
        elif isinstance(value, list):
            changed[key] = len(value)
        elif isinstance(value, int):
            changed[key] = str(value)
        else:
            changed[key] = value
    return changed
