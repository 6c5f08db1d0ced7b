"""The daemon's log: repeated warnings and errors are held back and counted, never flooded."""

from __future__ import annotations

import logging

from watchdog.cli.run import Repeats


def record(msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("watchdog.daemon", level, __file__, 1, msg, args, None)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_same_error_is_let_through_once_a_minute_with_the_count_held_back() -> None:
    clock = Clock()
    repeats = Repeats(every=60.0, clock=clock)
    passed = []
    for second in range(0, 150):  # 150 checks failing to record, one a second
        clock.now = float(second)
        line = record("could not record %s: %s", f"check-{second}", "disk full")
        if repeats.filter(line):
            passed.append(line.getMessage())
    assert passed == ["could not record check-0: disk full",
                      "could not record check-60: disk full (59 more like this in the last 60s)",
                      "could not record check-120: disk full (59 more like this in the last 60s)"]


def test_an_answer_to_what_a_person_did_is_never_held_back() -> None:
    repeats = Repeats(clock=Clock())
    lines = [record("reload refused: %s", "bad key") for _ in range(3)]
    for line in lines:
        line.every_time = True
    assert [repeats.filter(line) for line in lines] == [True, True, True]


def test_different_messages_and_info_lines_are_not_held_back() -> None:
    repeats = Repeats(clock=Clock())
    assert repeats.filter(record("could not record %s: %s", "a", "x"))
    assert repeats.filter(record("outbox pass failed: %s", "x"))
    assert all(repeats.filter(record("checkpoint written: %s", "p", level=logging.INFO)) for _ in range(3))
