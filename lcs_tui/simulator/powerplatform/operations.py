"""Operations: polling one (PP API and BAP), an environment's history, BAP's list.

How a poll URL answers depends on the operation's poll style (PPAC-API.md
§5.1, §10.6 item 6): "status" (200 with `status`), "state" (200 with the
word under `state`), "conflict-while-running" (409 with no body until it
has finished, then 200), "gone-when-done" (200 while it runs, 404 once it
has finished). While it runs every answer carries `Retry-After`. History
lists always answer 200 with `status`.
"""

from __future__ import annotations

from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.formats import same_id
from lcs_tui.simulator.powerplatform.access import Call, retry_after
from lcs_tui.simulator.powerplatform.environments import parse_filter
from lcs_tui.simulator.powerplatform.operation_wire import lifecycle, pp_operation
from lcs_tui.simulator.powerplatform.paging import collection
from lcs_tui.simulator.powerplatform.records import PpOperation
from lcs_tui.simulator.powerplatform.wire import bap_error, validation_error


def _missing(call: Call, operation_id: str) -> Reply:
    message = f"The operation '{operation_id}' was not found."
    if call.mount.api == "bap":
        return bap_error(404, "LifecycleOperationNotFound", message)
    return validation_error("OperationNotFound", {"operationId": [message]}, status=404)


def _find(call: Call) -> PpOperation | Reply:
    refusal = call.require_admin("read operations")
    if refusal is not None:
        return refusal
    call.pp.settle(call.now)
    operation_id = call.params["operation"]
    op = call.pp.operation(operation_id)
    env_id = call.params.get("env")
    if op is None or (env_id is not None and not same_id(op.environment_id, env_id)):
        # The environment-scoped URL finds only operations on that environment.
        return _missing(call, operation_id)
    return op


def _polled(call: Call, op: PpOperation, body: object) -> Reply:
    state = op.state(call.now)
    finished = state.ended_at is not None
    if op.poll_style == "gone-when-done" and finished:
        return _missing(call, op.operation_id)
    wait = [] if finished else [("Retry-After", retry_after(call.world))]
    if op.poll_style == "conflict-while-running" and not finished:
        return Reply(status=409, headers=[("Content-Length", "0"), *wait])
    return json_reply(body, headers=wait)


def pp_poll(call: Call) -> Reply:
    """GET …/operations/{id} and …/environments/{env}/operations/{id} (P7, P8)."""
    op = _find(call)
    if isinstance(op, Reply):
        return op
    word = call.world.faults.take_status_word(call.request.path)
    spelling = "state" if op.poll_style == "state" else "status"
    target = call.pp.environment(op.environment_id)
    body = pp_operation(op, op.state(call.now), target, call.request, spelling=spelling, word=word)
    return _polled(call, op, body)


def bap_poll(call: Call) -> Reply:
    """GET …/Microsoft.BusinessAppPlatform/lifecycleOperations/{id} (`LifecycleDto`)."""
    op = _find(call)
    if isinstance(op, Reply):
        return op
    word = call.world.faults.take_status_word(call.request.path)
    return _polled(call, op, lifecycle(op, op.state(call.now), word=word))


def history(call: Call) -> Reply:
    """GET …/environments/{id}/operations?limit=&continuationToken= (P9), newest first."""
    refusal = call.require_admin("read operations")
    if refusal is not None:
        return refusal
    call.pp.settle(call.now)
    env = call.environment(call.params["env"])
    if isinstance(env, Reply):
        return env
    now = call.now
    items = [pp_operation(op, op.state(now), env, call.request) for op in call.pp.history(env, now)]
    return collection(call, items, f"operations/{env.environment_id}", limit=True)


def bap_list(call: Call) -> Reply:
    """GET …/lifecycleOperations[?$filter=environment eq '{id}']: `value`, newest first."""
    refusal = call.require_admin("read operations")
    if refusal is not None:
        return refusal
    pp, now = call.pp, call.now
    pp.settle(now)
    envs = [env for env in pp.environments if pp.visible(call.principal, env)]
    text = call.query("$filter")
    if text:
        clauses = parse_filter(text, {"environment": "environment"})
        if isinstance(clauses, str):
            return bap_error(400, "InvalidFilter", clauses)
        wanted = clauses[0][1]
        envs = [env for env in envs if same_id(env.environment_id, wanted)]
    ops = [op for env in envs for op in pp.history(env, now)]
    ops.sort(key=lambda op: (op.started_at, op.sequence), reverse=True)
    return json_reply({"value": [lifecycle(op, op.state(now)) for op in ops]})
