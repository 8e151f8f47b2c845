"""`lcs-tui simulator`: run the LCS + sign-in simulator as a local HTTPS server.

It also serves the tenant's Power Platform side (unified environments):
the Power Platform API under /powerplatform, BAP under /bap and each
environment's Dataverse under /dataverse/ORG, on the same port.

For trying the app end to end without a Microsoft account, and for
end-to-end tests through the real network stack. Loopback only: the
simulator hands out demo passwords and must never face a network.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any

# Request lines (--verbose) carry what clients sent: printed inert, like all.
from lcs_tui.commands.output import command_line, err, out

EXIT_OK = 0
EXIT_USAGE = 2
#: The profiles the banner suggests, one per simulated project. The first
#: keeps the name it always had, so existing set-ups and docs stay right.
PROFILE_NAMES = ("simulator", "simulator-fabrikam")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulator",
        help="run a simulated LCS (and Entra ID sign-in) on a local HTTPS port",
        description="Serve two seeded demo LCS projects (Contoso and Fabrikam, one tenant), "
        "the tenant's Power Platform side (unified environments), "
        "Entra ID sign-in and blob downloads over HTTPS on a loopback address until Ctrl-C. "
        "Prints what to put in a profile for each.",
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

    if not is_loopback(args.host):
        err(
            f"lcs-tui simulator: refusing to listen on {args.host!r}: loopback addresses only "
            "(127.0.0.1, ::1, localhost). The simulator hands out demo passwords."
        )
        return EXIT_USAGE
    if args.time_scale <= 0:
        err("lcs-tui simulator: --time-scale must be positive")
        return EXIT_USAGE

    sim = Simulator.demo(
        time_scale=args.time_scale,
        seed=args.seed,
        failure_rate=args.failure_rate,
        device_code_auto_approve_after=args.auto_approve,
        fabrikam=True,
        powerplatform=True,
    )
    log = out if args.verbose else None
    try:
        serving = sim.serve_https(args.host, args.port, log=log, cert_dir=args.cert_dir)
        server = serving.__enter__()
    except OSError as exc:
        err(f"lcs-tui simulator: cannot listen on {args.host}:{args.port}: {exc}")
        return EXIT_USAGE
    try:
        _print_banner(server.base_url, server.ca_file, args)
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
        out()
        out("stopped.")
    finally:
        serving.__exit__(None, None, None)
    return EXIT_OK


def _print_banner(base: str, ca_file: str, args: argparse.Namespace) -> None:
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
        ("Projects", f"{demo.PROJECT_ID} ({demo.PROJECT_NAME})"),
        ("", f"{demo.FABRIKAM_PROJECT_ID} ({demo.FABRIKAM_PROJECT_NAME})"),
        ("Device login", f"{base}/devicelogin"),
        ("Time", f"1 real second = {args.time_scale:g} simulated seconds; seed {args.seed}"),
    ]
    width = max(len(label) for label, _ in rows)
    out(f"lcs-tui simulator: a simulated Lifecycle Services at {base} (Ctrl-C stops it)")
    out()
    for label, value in rows:
        out(f"  {label:<{width}}  {value}")
    out()
    out("A profile for each project (profile add then says how to sign in):")
    projects = (demo.PROJECT_ID, demo.FABRIKAM_PROJECT_ID)
    for name, project_id in zip(PROFILE_NAMES, projects, strict=True):
        default = ("--default",) if name == PROFILE_NAMES[0] else ()
        profile_add = command_line(
            "lcs-tui", "profile", "add", name,
            "--tenant", demo.TENANT_ID, "--client-id", demo.CLIENT_ID,
            "--username", demo.USERNAME, "--project-id", str(project_id),
            "--geography", "custom", "--api-host", base, "--authority", authority,
            "--ca-bundle", ca_file, "--method", "password", *default,
        )  # fmt: skip
        out(f"  {profile_add}")
    # No --secret-store: the product's default, said out loud rather than
    # picked silently (it used to be the unencrypted file).
    out(
        "  (secrets go to the system keyring; where there is none, profile add asks: "
        "session, signing in at every start, or an UNENCRYPTED file. "
        "Add --secret-store session to keep nothing at all.)"
    )
    both = ",".join(PROFILE_NAMES)
    out(f"  (then both projects at once: {command_line('lcs-tui', 'envs', '--profile', both)})")
    if args.cert_dir is None:
        out("  (the CA file is new on every run; --cert-dir DIR keeps it)")
    _print_power_platform(base, authority, ca_file)
    out(
        "For your own MSAL code against this authority: instance_discovery=False and "
        "validate_authority=False (lcs-tui does this by itself; nothing to set)."
    )


def _print_power_platform(base: str, authority: str, ca_file: str) -> None:
    """What a Power Platform profile needs. The secrets are the simulator's demo
    values (printed like the demo password above), never a real tenant's."""
    from lcs_tui.simulator import demo

    pp_base, bap_base = f"{base}{demo.PP_MOUNT}", f"{base}{demo.BAP_MOUNT}"
    rows = [
        ("Power Platform API", f"{pp_base}  (instead of {demo.PP_API_HOST})"),
        ("  scope", f"{pp_base}/.default  (or {demo.PP_SCOPE})"),
        ("BAP", f"{bap_base}  (instead of {demo.BAP_HOST})"),
        ("  scope", f"{demo.BAP_SCOPE}  (or {bap_base}/.default)"),
        ("Dataverse", f"{base}{demo.DATAVERSE_MOUNT}/ORG/  "
                      "(each environment's url; scope: that url/.default)"),
        ("Authority", authority),
        ("CA file to trust", ca_file),
        ("Tenant", demo.TENANT_ID),
        ("Client id", f"{demo.CLIENT_ID} (public client: device code or username+password)"),
        ("Admin user", f"{demo.USERNAME} / {demo.PASSWORD} (Power Platform administrator)"),
        ("MFA user", f"{demo.MFA_USERNAME} / {demo.MFA_PASSWORD} "
                     "(administrator; device code only)"),
        ("No-role user", f"{demo.NOT_IN_PROJECT_USERNAME} / {demo.NOT_IN_PROJECT_PASSWORD} "
                         "(sees Default and its own trial; copy is 403)"),
        ("Service principal", f"{demo.SPN_CLIENT_ID} (registered admin application)"),
        ("  secret", f"{demo.SPN_SECRET} (DEMO VALUE, not a real secret)"),
        ("Unregistered SPN", f"{demo.UNREGISTERED_SPN_CLIENT_ID} / {demo.UNREGISTERED_SPN_SECRET} "
                             "(demo; BAP 403 'does not have permission to access the path')"),
        ("Role-only SPN", f"{demo.RBAC_SPN_CLIENT_ID} / {demo.RBAC_SPN_SECRET} "
                          "(demo; Contributor role: Power Platform API yes, BAP 403)"),
        ("Try", f"copy {demo.UAT_ENVIRONMENT_NAME} (LCS-linked) into "
                f"{demo.PP_UDE_ENVIRONMENT_NAME} (a UDE)"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    out()
    out("The same tenant's Power Platform side (unified environments), on the same port:")
    for label, value in rows:
        out(f"  {label:<{width}}  {value}")
    out("A profile for the tenant (then: lcs-tui --profile simulator,simulator-tenant):")
    profile_add = command_line(
        "lcs-tui", "profile", "add", "simulator-tenant", "--backend", "powerplatform",
        "--tenant", demo.TENANT_ID, "--client-id", demo.CLIENT_ID,
        "--username", demo.USERNAME, "--api-host", pp_base, "--bap-host", bap_base,
        "--authority", authority, "--ca-bundle", ca_file, "--method", "password",
    )  # fmt: skip
    out(f"  {profile_add}")

