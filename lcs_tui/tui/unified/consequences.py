"""What a copy or a restore does to its target, said before the name is typed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from lcs_tui.ppac.models import PpEnvironment
from lcs_tui.ppac.requests import COPY_TYPES, CopyOptions, RestorePoint
from lcs_tui.tui.format import safe


def copy_consequences(
    source: PpEnvironment, target: PpEnvironment, options: CopyOptions, notes: Sequence[str]
) -> Text:
    t, s = safe(target.name, "bold"), safe(source.name, "bold")
    body = Text.assemble(
        ("✔ Power Platform validated it.\n\n", "green"),
        t,
        " will be ",
        ("overwritten", "bold"),
        " by a copy of ",
        s,
        f" ({COPY_TYPES[options.copy_type].split(':')[0].lower()}"
        f"{', without audit data' if options.skip_audit_data else ', with audit data'}).\n\n",
        "• Everything in ",
        t,
        " now is lost; its users are signed out.\n",
        "• Afterwards it is in ",
        ("admin mode", "bold"),
        ": only admins can sign in until you turn it off in PPAC.\n",
        "• A copy takes ",
        ("8 to 24 hours", "bold"),
        "; lcs-tui watches it through its stages and never gives up before 24 hours.\n",
    )
    for note in notes:
        body.append_text(safe(f"ℹ {note}", "dim", limit=400))
        body.append("\n")
    return body


def restore_consequences(
    source: PpEnvironment, target: PpEnvironment, point: RestorePoint, notes: Sequence[str]
) -> Text:
    t = safe(target.name, "bold")
    what = f"the backup {point.backup_label}" if point.backup_label else "the point in time"
    body = Text.assemble(
        ("✔ Power Platform validated it.\n\n", "green"),
        t,
        " will be ",
        ("overwritten", "bold"),
        " by ",
        safe(source.name, "bold"),
        f" as it was at {point.moment:%Y-%m-%d %H:%M} UTC ({what}).\n\n",
        "• Everything in ",
        t,
        " now is lost.\n",
        "• Afterwards it is in ",
        ("admin mode", "bold"),
        ".\n",
        "• A restore can take ",
        ("several hours", "bold"),
        "; lcs-tui watches it through its stages.\n",
    )
    for note in notes:
        body.append_text(safe(f"ℹ {note}", "dim", limit=400))
        body.append("\n")
    return body
