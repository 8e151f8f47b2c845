"""`lcs-tui start ENV` and `lcs-tui stop ENV`: customer-managed environments only.

The same checks as the app: LCS starts and stops only customer-managed
environments, and only when it says it can (CanStart / CanStop). LCS allows
one start or stop per environment per 5 minutes; the client never retries
these POSTs.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure
from lcs_tui.commands.output import command_line, emit_json, err, print_fields, schema_id
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    add_start_options,
    check_may_change,
    confirm_yes_no,
    environment_json,
    find_environment,
    refuse_early,
    run_command,
)

_PAST = {"start": "started", "stop": "stopped"}
_CONSEQUENCES = {
    "start": "It becomes available in a few minutes.",
    "stop": "Its users lose access until it is started again.",
}


def register(subparsers: Any) -> None:
    for verb in ("start", "stop"):
        parser = subparsers.add_parser(
            verb,
            help=f"{verb} a customer-managed environment",
            description=f"Ask LCS to {verb} a customer-managed environment. "
            f"In a terminal you confirm; in a script pass --yes.",
        )
        parser.add_argument("env", metavar="ENV", help="environment name or id")
        add_common_options(parser)
        add_start_options(parser, can_wait=False)
        parser.set_defaults(func=_command(verb))


def _command(verb: str) -> Any:
    def func(args: argparse.Namespace) -> int:
        refused = check_may_change(args, f"{verb} an environment")
        if refused is not None:
            return refuse_early(args, verb, refused)

        async def body(ctx: Context) -> int:
            return await _power(ctx, verb)

        return run_command(args, verb, body)

    return func


async def _power(ctx: Context, verb: str) -> int:
    service = ctx.service
    await service.load_environments()
    env = find_environment(service, ctx.args.env)
    failure: Failure | None = None
    activity_id: str | None = None
    if not env.is_customer_managed:
        failure = Failure(
            exit_codes.REFUSED,
            f"not sent to LCS: {env.name} is managed by Microsoft; only customer-managed "
            "environments can be started or stopped",
        )
    elif not (env.can_start if verb == "start" else env.can_stop):
        failure = Failure(
            exit_codes.REFUSED,
            f"not sent to LCS: {env.name} cannot be {_PAST[verb]} right now "
            f"(state {env.deployment_state or 'unknown'})",
        )
    else:
        try:
            if not ctx.args.yes:
                confirm_yes_no(f"{verb.capitalize()} {env.name}?", [_CONSEQUENCES[verb]])
            if verb == "start":
                activity_id = await service.start_environment(env.id)
            else:
                activity_id = await service.stop_environment(env.id)
        except Exception as exc:
            found = ctx.failure(exc)
            if found is None:
                raise
            failure = found
            if found.code == exit_codes.OUTCOME_UNKNOWN:
                # Name the environment: "history ENV" is one more thing to work out.
                history = command_line("lcs-tui", "history", env.name)
                failure = dataclasses.replace(
                    found,
                    hint=f"do NOT simply run the command again: check whether the {verb} "
                    f"began with {history}, {command_line('lcs-tui', 'envs')} or in the "
                    "LCS portal",
                )
    code = failure.code if failure else exit_codes.OK
    if failure is not None:
        failure.print()
    else:
        err(f"{verb} of {env.name} requested; activity id {activity_id or '-'}")
    if ctx.json:
        emit_json(
            {
                "schema": schema_id(verb),
                "exit_code": code,
                "error": failure.to_json() if failure else None,
                "project_id": service.project_id,
                "action": verb,
                "environment": environment_json(env),
                "activity_id": activity_id,
                "requested": failure is None,
            }
        )
    elif failure is None:
        print_fields([(verb, env.name), ("activity", activity_id), ("requested", "yes")])
    return code
