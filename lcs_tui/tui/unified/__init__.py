"""A Power Platform workspace in the app: a tenant's unified F&O environments.

- runtime.py: loading and watching (the LCS runtime's sign-in, events and
  poll loop, with this backend's loader and watcher);
- screen.py: the workspace's screen (environments, backups, operations, jobs);
- tables.py: its tables; dialogs.py: copy, restore and backup dialogs;
  consequences.py: what a copy or restore does to its target, in words;
- flows.py: what its keys do, checked and confirmed before anything is sent.
"""
