"""Listing environments: BAP's `{"value": [...]}` and the Power Platform API's `EnvironmentList`.

BAP's admin list shows every environment to an admin (and a registered
service principal), its user list the caller's own; the Power Platform API
lists "environments available for the authenticated user" (PPAC-API.md
§2.4): everything for an admin or a service principal with a role, the
Default environment (and any the caller makes apps in) for anyone else.
"""

from __future__ import annotations

import re
from datetime import datetime

from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.paging import value_page
from lcs_tui.simulator.powerplatform.records import PpEnvironment
from lcs_tui.simulator.powerplatform.wire import bap_environment, pp_environment, validation_error

#: `$filter` properties of the Power Platform API's list (PPAC-API.md §2.4),
#: and the field of `EnvironmentResponse` each compares.
FILTER_PROPERTIES = {
    "dataverseid": "dataverseId",
    "type": "type",
    "geo": "geo",
    "state": "state",
    "environmentgroupid": "environmentGroupId",
    "domainname": "domainName",
}
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def parse_filter(text: str, properties: dict[str, str]) -> list[tuple[str, str]] | str:
    """`prop eq 'value' [and ...]` → [(field, value)], or what is wrong with it."""
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(part)
        if match is None:
            return f"The filter '{text}' is not supported: use prop eq 'value' [and ...]."
        name = match.group(1).lower()
        if name not in properties:
            return (
                f"The filter property '{match.group(1)}' is not supported. Supported: "
                f"{', '.join(properties.values())}."
            )
        clauses.append((properties[name], match.group(2)))
    return clauses


def _window(call: Call, env: PpEnvironment) -> datetime | None:
    window = call.pp.restore_window(env, call.now)
    return None if window is None else window[0]


def visible_environments(call: Call) -> list[PpEnvironment]:
    pp = call.pp
    pp.settle(call.now)
    return [env for env in pp.environments if pp.visible(call.principal, env)]


def pp_list(call: Call) -> Reply:
    """GET /environmentmanagement/environments (`ids`, `$filter`, `$select`, `$top`, `$skip`)."""
    envs = visible_environments(call)
    ids = call.query("ids")
    if ids:
        wanted = {i.strip().lower() for i in ids.split(",") if i.strip()}
        envs = [env for env in envs if env.environment_id.lower() in wanted]
    items = [pp_environment(env, call.request, _window(call, env)) for env in envs]
    text = call.query("$filter")
    if text:
        clauses = parse_filter(text, FILTER_PROPERTIES)
        if isinstance(clauses, str):
            return validation_error("InvalidFilter", {"$filter": [clauses]})
        items = [
            item
            for item in items
            if all(str(item.get(field) or "").lower() == value.lower() for field, value in clauses)
        ]
    select = call.query("$select")
    if select:
        keep = {name.strip() for name in select.split(",") if name.strip()} | {"id"}
        items = [{k: v for k, v in item.items() if k in keep} for item in items]
    return value_page(call, items, call.pp.settings.env_page_size)


def bap_list(call: Call) -> Reply:
    """GET …/scopes/admin/environments or …/environments: an admin sees the
    tenant, anyone else their own ("Environment admins will only have access
    to ... their environments", PPAC-API.md §1.4)."""
    envs = visible_environments(call)
    items = [bap_environment(env, call.request, call.now, _window(call, env)) for env in envs]
    # BAP is ARM-like: when it pages, OData's own casing.
    return value_page(call, items, call.pp.settings.bap_page_size, key="@odata.nextLink")


def bap_get(call: Call) -> Reply:
    """GET …/scopes/admin/environments/{id}."""
    call.pp.settle(call.now)
    env = call.environment(call.params["env"])
    if isinstance(env, Reply):
        return env
    return json_reply(bap_environment(env, call.request, call.now, _window(call, env)))
