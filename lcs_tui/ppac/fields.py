"""Small tolerant readers the Power Platform models share (see lcs_tui/api/parsing.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lcs_tui.api.parsing import Fields, ShapeError, parse_datetime


def object_at(f: Fields | None, key: str) -> Fields | None:
    if f is None:
        return None
    raw = f.raw(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ShapeError(f"{key} should be an object")
    return Fields(raw, key)


def flag(value: Any) -> bool | None:
    """A yes/no the service may send as a boolean or as a word ("Enabled", "AdminMode")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "enabled", "adminmode", "on", "yes"):
            return True
        if word in ("false", "disabled", "off", "no", "normal"):
            return False
    return None


def last_segment(path: str) -> str:
    return path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or path


def iso(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None
