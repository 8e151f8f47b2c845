"""The JSON documents' schemas, read from docs/scripting.md, and a small validator.

The schemas live in the documentation only, as ```json blocks with an "$id";
validating the commands' output against exactly those blocks means the
documentation cannot drift from what the commands print. The validator covers
the JSON Schema subset the documentation uses (and says it uses).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"
_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_KNOWN_KEYWORDS = {
    "$id",
    "$defs",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "pattern",
    "minimum",
    "anyOf",
    "allOf",
    "$ref",
}


@cache
def documented_schemas() -> dict[str, dict[str, Any]]:
    """Every schema block of docs/scripting.md by its $id."""
    schemas: dict[str, dict[str, Any]] = {}
    for block in _BLOCK.findall(DOC.read_text(encoding="utf-8")):
        data = json.loads(block)  # every json block must at least be valid JSON
        if isinstance(data, dict) and str(data.get("$id", "")).startswith("lcs-tui/"):
            schemas[data["$id"]] = data
    return schemas


def definitions() -> dict[str, Any]:
    defs: dict[str, Any] = documented_schemas()["lcs-tui/defs"]["$defs"]
    return defs


def problems(document: Any, schema_id: str) -> list[str]:
    """Why `document` does not match the documented schema (empty: it matches)."""
    found: list[str] = []
    _check(document, documented_schemas()[schema_id], "$", found)
    return found


def assert_valid(document: Any, schema_id: str | None = None) -> None:
    wanted = schema_id or document.get("schema")
    assert wanted in documented_schemas(), f"no documented schema {wanted!r}"
    errors = problems(document, wanted)
    assert not errors, f"{wanted}:\n" + "\n".join(errors)


def _resolve(ref: str) -> dict[str, Any]:
    prefix = "#/$defs/"
    assert ref.startswith(prefix), f"unsupported $ref {ref}"
    resolved: dict[str, Any] = definitions()[ref.removeprefix(prefix)]
    return resolved


def _check(value: Any, schema: dict[str, Any], where: str, found: list[str]) -> None:
    unknown = set(schema) - _KNOWN_KEYWORDS
    assert not unknown, f"schema at {where} uses unsupported keywords {unknown}"
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"]), where, found)
    for part in schema.get("allOf", []):
        _check(value, part, where, found)
    if "anyOf" in schema:
        attempts = []
        for option in schema["anyOf"]:
            errors: list[str] = []
            _check(value, option, where, errors)
            attempts.append(errors)
        if all(attempts):
            found.append(f"{where}: matches none of anyOf ({attempts})")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, name) for name in names):
            found.append(f"{where}: {value!r} is not of type {names}")
            return
    if "const" in schema and not _same(value, schema["const"]):
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and _is(value, "number") and value < schema["minimum"]:
        found.append(f"{where}: {value!r} is below {schema['minimum']}")
    if isinstance(value, dict):
        _check_object(value, schema, where, found)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{index}]", found)


def _check_object(
    value: dict[str, Any], schema: dict[str, Any], where: str, found: list[str]
) -> None:
    properties: dict[str, Any] = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            found.append(f"{where}: missing {key!r}")
    if schema.get("additionalProperties") is False:
        for key in value:
            if key not in properties:
                found.append(f"{where}: undocumented key {key!r}")
    for key, sub in properties.items():
        if key in value:
            _check(value[key], sub, f"{where}.{key}", found)


def _is(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False  # JSON's true is not a number
    return isinstance(value, _TYPES[name])


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
