"""Streamed logs: sources -> lines -> matcher -> window state -> log check kinds.

    config.py    ``[sources.NAME]`` tables (command | file | stdin) and their options
    lines.py     bytes blocks: line framing with a length cap, ANSI stripping, decoding
    literals.py  the literal text every match of a regex must contain (the pre-filter)
    matcher.py   all patterns of a source applied to a block of lines in one pass
    windows.py   pure, bounded, time-windowed state (counts, ratios, last seen, matches)
    pairs.py     pure start/end pairing for correlated latency, bounded pending pairs
    sources.py   the readers: a restarted command, a followed file, standard input
    hub.py       ``LogHub``: runs sources, feeds every registered check, one-off and live

Nothing here imports a check kind; the kinds in ``checks/log_*.py`` register
their patterns and state with the hub (``CheckContext.logs``).
"""
