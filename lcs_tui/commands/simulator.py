"""`lcs-tui simulator`: run the LCS + sign-in simulator as a local HTTPS server.

For trying the app end to end without a Microsoft account, and for
end-to-end tests through the real network stack. Loopback only: the
simulator hands out demo passwords and must never face a network.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulator",
        help="run a simulated LCS (and Entra ID sign-in) on a local HTTPS port",
        description="Serve a seeded demo LCS project, Entra ID sign-in and blob downloads over "
        "HTTPS on a loopback address until Ctrl-C. Prints what to put in a profile.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8443, help="port (default 8443; 0 picks a free one)"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=120.0,
        metavar="X",
        help="simulated seconds per real second (default 120: a 2-hour refresh takes a minute)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data (default 1)")
    parser.add_argument(
        "--failure-rate",
        type=float,
        default=0.1,
        metavar="P",
        help="share of operations that fail or roll back (default 0.1)",
    )
    parser.add_argument(
        "--auto-approve",
        type=float,
        metavar="SECONDS",
        help="device codes approve themselves as the demo user after this many seconds",
    )
    parser.add_argument(
        "--cert-dir",
        type=Path,
        metavar="DIR",
        help="keep the generated CA and certificate here and reuse them on the next run "
        "(default: a temporary directory, new every run)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="print every request")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until `stop` is set, for tests)."""
    from lcs_tui.simulator import Simulator
    from lcs_tui.simulator.server import is_loopback

    out: TextIO = sys.stdout
    if not is_loopback(args.host):
        print(
            f"lcs-tui simulator: refusing to listen on {args.host!r}: loopback addresses only "
            "(127.0.0.1, ::1, localhost). The simulator hands out demo passwords.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.time_scale <= 0:
        print("lcs-tui simulator: --time-scale must be positive", file=sys.stderr)
        return EXIT_USAGE

    sim = Simulator.demo(
        time_scale=args.time_scale,
        seed=args.seed,
        failure_rate=args.failure_rate,
        device_code_auto_approve_after=args.auto_approve,
    )
    log = (lambda line: print(line, file=out, flush=True)) if args.verbose else None
    try:
        serving = sim.serve_https(args.host, args.port, log=log, cert_dir=args.cert_dir)
        server = serving.__enter__()
    except OSError as exc:
        print(
            f"lcs-tui simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        _print_banner(out, server.base_url, server.ca_file, args)
        waiter = stop or threading.Event()
        previous = None
        if threading.current_thread() is threading.main_thread():
            # A service manager's SIGTERM stops as cleanly as Ctrl-C (the
            # temporary CA directory is removed).
            previous = signal.signal(signal.SIGTERM, lambda *_: waiter.set())
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        print("\nstopped.", file=out, flush=True)
    finally:
        serving.__exit__(None, None, None)
    return EXIT_OK


def _print_banner(out: TextIO, base: str, ca_file: str, args: argparse.Namespace) -> None:
    from lcs_tui.simulator import demo

    authority = f"{base}/{demo.TENANT_ID}"
    rows = [
        ("API host", base),
        ("Authority", authority),
        ("Scope", f"{base}//.default"),
        ("CA file to trust", ca_file),
        ("Tenant", f"{demo.TENANT_ID} ({demo.TENANT_DOMAIN})"),
        ("Client id", f"{demo.CLIENT_ID} (public client)"),
        ("Username", demo.USERNAME),
        ("Password", demo.PASSWORD),
        ("MFA user", f"{demo.MFA_USERNAME} / {demo.MFA_PASSWORD} (device code only)"),
        ("Project id", str(demo.PROJECT_ID)),
        ("Device login", f"{base}/devicelogin"),
        ("Time", f"1 real second = {args.time_scale:g} simulated seconds; seed {args.seed}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"lcs-tui simulator: a simulated Lifecycle Services at {base} (Ctrl-C stops it)", file=out
    )
    print(file=out)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}", file=out)
    print(file=out)
    print("A profile for it:", file=out)
    print(
        f"  lcs-tui profile add simulator --tenant {demo.TENANT_ID} --client-id {demo.CLIENT_ID} "
        f"--username {demo.USERNAME} --project-id {demo.PROJECT_ID} --geography custom "
        f"--api-host {base} --authority {authority} --ca-bundle {ca_file} "
        "--method password --secret-store file --default",
        file=out,
    )
    if args.cert_dir is None:
        print("  (the CA file is new on every run; --cert-dir DIR keeps it)", file=out)
    print(
        "Sign-in libraries (MSAL) need instance discovery and authority validation off for this "
        "authority host.",
        file=out,
        flush=True,
    )
