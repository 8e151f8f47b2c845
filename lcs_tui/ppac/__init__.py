"""The Power Platform backend: unified F&O environments beside LCS.

The client (client.py, on the request engine of engine.py) talks to the
Power Platform API, BAP and Dataverse; the service (service.py, with
watching.py) is what the app and the commands call — the same ideas as the
LCS project service. No UI, no global state; facts in ../shared/PPAC-API.md.

Import from the modules (`from lcs_tui.ppac.service import
PowerPlatformService`): this package imports nothing itself, because the
shared journal's model (lcs_tui/service/operations.py) reads its status
words from lcs_tui.ppac.models.
"""
