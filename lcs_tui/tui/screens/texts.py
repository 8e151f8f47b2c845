"""Long texts shown in the help and import pages."""

from __future__ import annotations

HELP = """\
Move between panes with Tab / Shift+Tab, within a pane with the arrow keys
or j / k; g / G or Home / End go to the first / last row, ←/→ scroll a wide
table sideways, and z gives the focused pane the whole screen (z or Esc
gives it back).

Environments pane
  Enter      details and history of the highlighted environment
  t          start or stop it (customer-managed environments only)

Database backups pane
  Enter      details of the highlighted backup
  d          download it in the background (resumable); in the Downloads
             pane, x cancels one and c clears the finished ones
  /          filter as you type (↓ or Enter to the matches, Esc closes it)
  s / S      sort by the next column / reverse the order

Everywhere
  r          refresh a sandbox from another environment (checked first,
             then confirmed by typing the target's name)
  e          export a sandbox to a backup
  w          watch an operation by its activity id (started in the portal)
  i          how to import a backup (LCS has no API for it)
  l          show or hide the request log (every call, with its activity id)
  Ctrl+R     reload environments, backups and history
  Ctrl+P     command palette: every action by name, and themes
  ?          this help;  q  quit

Operations pane
  Enter      details, with the full activity id (c copies it)
  x          stop watching the highlighted operation (it goes on in LCS)

  Every operation started here or found running in the history, polled in the
  background within LCS's limits. A notification and a bell tell you when one
  finishes. Each environment allows 3 operations per rolling 24 hours; the
  "Ops today" column shows what is left.

Quote the activity id from the request log or the Operations pane when you
contact Microsoft support.
"""

IMPORT = """\
LCS has no API for importing a database: a .bacpac can only be imported into a
sandbox through the LCS portal (and production can only be refreshed from a
sandbox there as well). lcs-tui therefore does not offer an import.

In the LCS portal:
  1. Open the project and go to the environment's details page.
  2. Choose Maintain → Move database.
  3. Pick "Import database" and select the backup from the asset library.
  4. Confirm; the target sandbox goes offline until the import finishes.

Once it runs, you can watch it here: press w and paste its activity id from
the portal. (Refreshes and exports found running in an environment's history
are watched automatically.)
"""
