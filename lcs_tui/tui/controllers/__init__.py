"""What a workspace does while it is open, apart from drawing: sign-in,
loading, watching. Plain asyncio, no Textual: each controller has one job,
reports what happens as events (events.py), and is tested without the App.
"""
