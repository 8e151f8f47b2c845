"""`lcs-tui job notify add|remove|list|test|defaults`: where notifications go.

A webhook's URL is a secret: `add` asks for it without echo in a terminal,
or reads one line from standard input in a script (`… | lcs-tui job notify
add ops --kind teams`), checks it, and stores it in the OS keyring — never
in jobs.toml, never on screen. `test` sends a test notification to a target
and says what became of it. `defaults PROFILE` sets which targets a
profile's jobs (without their own) and `--notify` use.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure
from lcs_tui.commands.output import emit_json, err, print_table, schema_id


def register_notify(verbs: Any) -> None:
    notify = verbs.add_parser(
        "notify",
        help="notification targets: webhooks, defaults, test",
        description="Where job notifications (and --notify) go: desktop, terminal, webhooks.",
    )
    actions = notify.add_subparsers(dest="notify_command", metavar="ACTION")
    actions.required = True
    add = actions.add_parser(
        "add",
        help="add a webhook (its URL goes to the keyring)",
        description="Add a webhook. Its URL is asked for without echo (or read from "
        "standard input) and kept in the system keyring, never in a file.",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=("teams", "slack", "json"))
    remove = actions.add_parser(
        "remove",
        help="remove a webhook and its stored URL",
        description="Remove a webhook and its URL from the keyring.",
    )
    remove.add_argument("name", metavar="NAME")
    listing = actions.add_parser(
        "list",
        help="list targets and the profiles' defaults",
        description="List the notification targets and each profile's defaults.",
    )
    test = actions.add_parser(
        "test",
        help="send a test notification",
        description="Send a test notification to a target and say what became of it.",
    )
    test.add_argument("target", metavar="TARGET", help="desktop, terminal or a webhook's name")
    defaults = actions.add_parser(
        "defaults",
        help="a profile's notification targets and events",
        description="Set where a profile's jobs (without their own targets) and --notify "
        "send notifications.",
    )
    defaults.add_argument("profile_name", metavar="PROFILE")
    defaults.add_argument("--targets", required=True, help="desktop,terminal,WEBHOOK,...")
    defaults.add_argument("--on", default="finish,failure,waiting", help="events")
    for parser, body in (
        (add, _add),
        (remove, _remove),
        (listing, _list),
        (test, _test),
        (defaults, _defaults),
    ):
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.set_defaults(func=_guarded(body))


def _guarded(body: Any) -> Any:
    def func(args: argparse.Namespace) -> int:
        from lcs_tui.commands.runtime import report_failure
        from lcs_tui.config import ConfigError
        from lcs_tui.jobs import JobError
        from lcs_tui.jobs.notify.webhook import WebhookError
        from lcs_tui.secrets import SecretStoreError

        command = f"job notify {args.notify_command}"
        try:
            return int(body(args))
        except CommandFailure as exc:
            failure = exc.failure
        except (JobError, WebhookError) as exc:
            failure = Failure(exit_codes.USAGE, str(exc), getattr(exc, "hint", None))
        except SecretStoreError as exc:
            failure = Failure(exit_codes.CONFIG, exc.message, exc.hint)
        except ConfigError as exc:
            failure = Failure(exit_codes.CONFIG, str(exc), exc.hint)
        report_failure(args, command, failure)
        return failure.code

    return func


def _keyring() -> Any:
    from lcs_tui.secrets import KeyringStore, SecretStoreError, detect_keyring

    status = detect_keyring()
    if not status.usable:
        raise SecretStoreError(
            "a webhook's URL is a secret and is kept in the system keyring, but " + status.message,
            "start a keyring (Secret Service, Keychain, Credential Manager) and try again",
        )
    return KeyringStore()


def _read_url() -> str:
    if sys.stdin.isatty():
        url = getpass.getpass("Webhook URL (not shown): ", stream=sys.stderr)
    else:
        url = sys.stdin.readline()
    url = url.strip()
    if not url:
        raise CommandFailure(Failure(exit_codes.USAGE, "no URL given; nothing was stored"))
    return url


def _add(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobStore, NotifyTarget
    from lcs_tui.jobs.notify.webhook import check_url, store_url

    url = _read_url()
    check_url(url)
    store = JobStore()
    store_url(_keyring(), args.name, url)
    store.set_target(NotifyTarget(args.name, args.kind))
    err(f"webhook {args.name} ({args.kind}) added; its URL is in the system keyring")
    return _done(args, "added")


def _remove(args: argparse.Namespace) -> int:
    from lcs_tui.jobs.notify.webhook import SECRET_KIND, secret_name
    from lcs_tui.jobs.store import JobStore

    JobStore().remove_target(args.name)
    _keyring().delete(secret_name(args.name), SECRET_KIND)
    err(f"webhook {args.name} removed (and its URL from the keyring)")
    return _done(args, "removed")


def _list(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobStore

    loaded = JobStore().load()
    targets = [("desktop", "desktop"), ("terminal", "terminal")] + [
        (t.name, t.kind) for t in loaded.targets.values()
    ]
    if args.json:
        emit_json(
            {
                "schema": schema_id("notify-targets"),
                "exit_code": 0,
                "error": None,
                "targets": [{"name": n, "kind": k} for n, k in targets],
                "defaults": {
                    p: {"notify": list(d.notify), "notify_on": list(d.notify_on)}
                    for p, d in loaded.defaults.items()
                },
            }
        )
        return exit_codes.OK
    print_table(["TARGET", "KIND"], [[n, k] for n, k in targets])
    for profile, d in sorted(loaded.defaults.items()):
        err(f"profile {profile}: {', '.join(d.notify)} on {', '.join(d.notify_on)}")
    return exit_codes.OK


def _test(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobStore
    from lcs_tui.jobs.notify import FINISH, Notification, NotificationCenter

    center = NotificationCenter.from_store(JobStore())
    note = Notification.about(FINISH, "test notification", "it works", details="from lcs-tui")

    async def send() -> list[str]:
        try:
            return await center.send(note, (args.target,))
        finally:
            await center.aclose()

    problems = asyncio.run(send())
    for problem in problems:
        err(f"error: {problem}")
    if not problems:
        err(f"sent to {args.target}")
    return _done(
        args,
        "sent" if not problems else "failed",
        exit_codes.UNAVAILABLE if problems else exit_codes.OK,
    )


def _defaults(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobStore, NotifyDefaults

    targets = tuple(t for t in args.targets.split(",") if t)
    events = tuple(e for e in args.on.split(",") if e)
    JobStore().set_defaults(args.profile_name, NotifyDefaults(targets, events))
    err(f"profile {args.profile_name}: notifications to {', '.join(targets)}")
    return _done(args, "set")


def _done(args: argparse.Namespace, what: str, code: int = exit_codes.OK) -> int:
    if args.json:
        emit_json({"schema": schema_id("notify"), "exit_code": code, "error": None, "result": what})
    return code
