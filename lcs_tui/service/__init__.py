"""What the app does, independent of any UI: checks, quota, journal, watching.

Both the TUI and the scripting commands call this layer; it calls `api/`.
"""
