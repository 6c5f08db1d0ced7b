"""``watchdog run``: the daemon in the foreground (systemd, Railway, a terminal).

Logs go to stdout, one line per record, JSON with ``--log-format json``, every
message through the config's redactor. SIGTERM/SIGINT stop it cleanly (exit
0); SIGHUP reloads the config, keeping the old one if the new one is bad.
"""

from __future__ import annotations

import enum
import json
import logging
import sys
import time
from typing import Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, fail, load_config


class LogFormat(str, enum.Enum):
    text = "text"
    json = "json"


def run(
    config: ConfigOption = None,
    log_format: Annotated[LogFormat, typer.Option("--log-format", metavar="FORMAT", help="text or json lines on stdout.")] = LogFormat.text,
    listen: Annotated[str | None, typer.Option("--listen", metavar="HOST:PORT", help="HOST:PORT for /healthz /metrics /status "
                                                               "(default: [server] listen, $PORT, 127.0.0.1:9321).")] = None,
    grace: Annotated[str, typer.Option("--grace", metavar="DURATION", help="On SIGTERM, how long running checks may finish.")] = "10s",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every result.")] = False,
) -> None:
    """Run the daemon: every check on its schedule, alerts, history, checkpoint reports."""
    import asyncio

    from watchdog.durations import parse_duration
    from watchdog.errors import WatchdogError

    cfg = load_config(config, exit_code=2)
    from watchdog.settings import parse_listen

    try:
        grace_s = parse_duration(grace)
    except ValueError as err:
        fail(f"--grace: {err}", 2)
    try:
        if listen:
            parse_listen(listen)
    except ValueError as err:
        fail(f"--listen: {err}", 2)
    setup_logging(log_format, cfg.redactor, verbose)
    try:
        asyncio.run(_serve(cfg, config, listen or cfg.settings.server.address(), grace_s))
    except WatchdogError as err:
        fail(str(err), 2)
    except OSError as err:  # the port is taken, the state dir is read-only...
        fail(f"cannot start: {err.strerror or err}", 2)


async def _serve(cfg: Any, path: str | None, listen: str | None, grace_s: float) -> None:
    import asyncio
    import signal

    from watchdog.daemon.core import Daemon

    daemon = Daemon(cfg, config_path=path or str(cfg.path), listen=listen, grace_s=grace_s)
    try:
        await daemon.start()
    except BaseException:
        await daemon.stop()  # whatever started (store, sources, outbox) is closed before the error is told
        raise
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(daemon.reload()))
    await stopping.wait()
    logging.getLogger("watchdog.daemon").info("stopping: letting running checks finish, flushing the outbox")
    await daemon.stop()


class Repeats(logging.Filter):
    """A warning or an error logged again (same logger, same message template) within
    ``every`` seconds is held back and counted; the next one let through says how many:
    a full disk must not write 300 lines a second about itself. A record logged with
    ``extra={"every_time": True}`` (an answer to something a person did, like a reload)
    is never held back."""

    def __init__(self, every: float = 60.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # key -> (last let through, held since)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or getattr(record, "every_time", False):
            return True
        key, now = (record.name, str(record.msg)), self.clock()
        last, held = self._seen.get(key, (None, 0))
        if last is not None and now - last < self.every:
            self._seen[key] = (last, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {now - last:.0f}s)"
        return True


class _Redacting(logging.Filter):
    def __init__(self, redactor: Any) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor(record.getMessage())
        record.args = None
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                    "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(document, ensure_ascii=False)


def setup_logging(fmt: LogFormat, redactor: Any, verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(Repeats())  # before redaction: it keys on the message template
    handler.addFilter(_Redacting(redactor))
    handler.setFormatter(_JsonFormatter() if fmt is LogFormat.json else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # URLs carry tokens and webhook secrets: httpx logs every request URL at INFO.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # overruns and missed runs are counted by our scheduler wrapper (/metrics, /status)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("watchdog.results").setLevel(logging.INFO if verbose else logging.WARNING)
