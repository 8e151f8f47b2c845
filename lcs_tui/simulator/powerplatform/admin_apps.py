"""BAP's admin management applications: registering a service principal (PPAC-API.md §1.3).

`PUT …/adminApplications/{clientId}` with a user admin's token registers it
("A service principal can't register itself"); GET lists; DELETE removes.
"""

from __future__ import annotations

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.wire import bap_error


def _entry(client_id: str) -> dict[str, str]:
    return {"applicationId": client_id}


def list_apps(call: Call) -> Reply:
    refusal = call.require_admin("list admin management applications")
    if refusal is not None:
        return refusal
    return json_reply({"value": [_entry(c) for c in sorted(call.pp.admin_applications)]})


def _user_admin(call: Call) -> Reply | None:
    if call.principal.kind == "ServicePrincipal":
        return bap_error(
            403,
            "Forbidden",
            "A service principal can't register or remove admin management applications; "
            "a Power Platform administrator must do it with a user account.",
        )
    return call.require_admin("register admin management applications")


def register(call: Call) -> Reply:
    refusal = _user_admin(call)
    if refusal is not None:
        return refusal
    client_id = call.params["client"].strip().lower()
    if call.world.directory.app(client_id) is None:
        return bap_error(
            404,
            "ApplicationNotFound",
            f"No application with id '{client_id}' exists in tenant {demo.TENANT_ID}.",
        )
    call.pp.admin_applications.add(client_id)
    return json_reply(_entry(client_id))


def unregister(call: Call) -> Reply:
    refusal = _user_admin(call)
    if refusal is not None:
        return refusal
    call.pp.admin_applications.discard(call.params["client"].strip().lower())
    return Reply(status=204, headers=[("Content-Length", "0")])
