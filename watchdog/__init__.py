"""watchdog: watch a production web service, alert, and write checkpoint reports.

The import package is ``watchdog``; the distribution is ``ops-watchdog`` (the
PyPI name ``watchdog`` belongs to an unrelated file-events library). Built-in
check kinds live in the sibling package ``checks``.

Keep this module import-free: ``watchdog --help`` must start at once.
"""

__version__ = "0.1.0"
