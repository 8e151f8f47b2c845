"""lcs-tui: a terminal app for Dynamics 365 F&O Lifecycle Services.

Importing this package must stay cheap: it imports nothing but the standard
library, so headless commands and the simulator never pay for Textual.
"""

__version__ = "0.1.0"
