"""The ``watchdog`` command: thin Typer apps per command group, rendering in render.py.

Imports here stay light (typer only): ``watchdog --help`` must start at once.
Each command imports what it needs when it runs.
"""
