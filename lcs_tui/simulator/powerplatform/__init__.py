"""The Power Platform side of the simulator: the Power Platform API, BAP and Dataverse.

Serves what a client of unified F&O environments calls (PPAC-API.md §10):
environment lists (BAP and the Power Platform API), copy candidates, copy
with validate-only and the direction rules, backups and restore, operations
moving through their stages on the simulator clock, operation history, and
the Dataverse functions that tell a UDE from a USE. Like the LCS side it
shares no code with the client. See docs/simulator.md ("Power Platform").
"""
