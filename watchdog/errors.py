"""The project's exception tree: every error a user can cause, written for a person.

    WatchdogError                 any error the CLI prints in one line (exit_code)
    +-- ConfigError               the config file, a key or a value is wrong
    +-- UsageError                a command-line argument is wrong
    +-- StoreError                the state directory / database cannot be used
    CheckError                    a check kind could not measure its target:
    +-- ProbeConnectError         refused, reset, DNS, unreachable
    +-- ProbeTimeout              the target did not answer in time
    +-- ProbeTLSError             the TLS handshake or certificate failed
    +-- ProbeResponseError        it answered, but not what was asserted
    +-- CannotRun                 the check cannot run here at all: UNKNOWN, not CRITICAL

A ``CheckError`` becomes a result at its ``status`` (CRITICAL, but UNKNOWN for
``CannotRun``) with its message as the reason; any other exception escaping a
check becomes UNKNOWN ("the check itself is broken").
"""

from __future__ import annotations

from watchdog.status import Status


class WatchdogError(Exception):
    """An error a user can cause; the CLI prints ``str(err)`` and exits ``exit_code``."""

    exit_code: int = 3


class ConfigError(WatchdogError):
    """The configuration is invalid; the message names the file, the table and the key."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        self.reason = message
        parts = [p for p in (file, key) if p]
        super().__init__(": ".join([*parts, message]))


class UsageError(WatchdogError):
    """A command-line argument is invalid."""


class StoreError(WatchdogError):
    """The history store cannot be opened or written."""


class CheckError(Exception):
    """A check could not measure its target; ``str()`` is the human reason, ``status`` the verdict.

    ``metrics`` keeps what was measured before the failure (the response time
    of a 503), so history and reports still have the number.
    """

    status: Status = Status.CRITICAL

    def __init__(self, message: str, *, metrics: dict[str, float] | None = None,
                 evidence: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.metrics = dict(metrics or {})
        self.evidence = tuple(evidence)


class ProbeConnectError(CheckError):
    """The target refused or could not be reached (DNS, refused, reset)."""


class ProbeTimeout(CheckError):
    """The target did not answer within the timeout."""


class ProbeTLSError(CheckError):
    """The TLS handshake or certificate verification failed."""


class ProbeResponseError(CheckError):
    """The target answered, but not with what the check asserts."""


class CannotRun(CheckError):
    """The check cannot run here (no daemon to report on, a log program not installed):
    the target's state is unknown, which is not the same as failing."""

    status = Status.UNKNOWN
