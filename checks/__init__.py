"""Built-in check kinds of watchdog, one module each, registered under the
entry-point group ``watchdog.checks`` exactly as a third-party kind would be.

Module names avoid stdlib and library names (``http_endpoint``, not ``http``).
"""
