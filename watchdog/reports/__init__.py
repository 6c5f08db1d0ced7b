"""Monitoring windows, checkpoint and daily reports, acceptance criteria (issue 5).

Pure parts: ``criteria`` (parse and judge ``CHECK.METRIC.AGG OP NUMBER``),
``windows`` (checkpoint time math). Reading the store: ``figures`` and
``build``. Output: ``render_md``, ``render_html``, ``render_json``. What the
daemon calls: ``service``. Nothing here is imported by ``watchdog --help``.
"""
