"""`python -m lcs_tui` runs the same entry point as the `lcs-tui` script."""

from lcs_tui.cli import main

raise SystemExit(main())
