"""The daemon's wing: everything ``watchdog run`` is made of, one module a job.

    core.py          Daemon: lifecycle (start, stop in reverse order), reload
    runtime.py       Runtime: the parts built from one config, started/stopped together
    pipeline.py      ResultPipeline: every result -> store -> restart/deploy -> windows -> alerts
    housekeeping.py  Housekeeping: checkpoints due, retention, source events, systemd pings
    health.py        HealthBoard and judge(): what /healthz answers
    views.py         DaemonSnapshot -> the /status document and the /metrics text
    statuspage.py    StatusPage: the status page (/) and the served reports (/reports/)
    page_data.py     PageData: what the status page shows, read from the snapshot and the store
    page.py          PageData -> the status page's HTML; the reports index
    scheduler.py     APScheduler 3 behind a small wrapper (+ NullScheduler for tests)
    server.py        the HTTP endpoint serving /, /healthz, /metrics, /status, /reports/
    access.py        the [server] token (header, ?token= once, cookie) and the accept budget
    sdnotify.py      systemd's notify protocol

Import the module you need (``from watchdog.daemon.core import Daemon``); this
package imports nothing, so reading one part never loads the others.
"""
