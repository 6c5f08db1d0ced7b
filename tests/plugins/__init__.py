"""A tiny third-party distribution, as a plugin author would write one.

Adding a check kind is one module (``ping.py``) plus one entry-point line;
adding a channel is likewise one module (``file_channel.py``) plus one line.
``ENTRY_POINTS`` is what its ``pyproject.toml`` would declare; tests make it
an installed distribution by writing a ``*.dist-info`` directory
(``tests/support/plugins.py``).
"""

ENTRY_POINTS = """\
[watchdog.checks]
ping = tests.plugins.ping:PingCheck
explode = tests.plugins.explode:ExplodeCheck

[watchdog.channels]
file = tests.plugins.file_channel:FileChannel
"""
