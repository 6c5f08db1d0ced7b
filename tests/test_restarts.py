import pytest

from watchdog.restarts import restart_seen


@pytest.mark.parametrize(("prev", "cur", "prev_labels", "labels", "kind"), [
    ({"uptime_s": 3600}, {"uptime_s": 213}, None, None, "restart"),
    ({"uptime_s": 3600}, {"uptime_s": 3630}, None, None, None),
    (None, {"uptime_s": 12}, None, None, None),
    ({"uptime_s": 3600}, {"uptime_s": 3630}, {"version": "1.0.0"}, {"version": "1.1.0"}, "deploy"),
    ({"uptime_s": 3600}, {"uptime_s": 5}, {"version": "1.0.0"}, {"version": "1.1.0"}, "deploy"),
    ({"response_ms": 90}, {"response_ms": 40}, None, None, None),
])
def test_restart_and_deploy_detection(prev, cur, prev_labels, labels, kind):
    seen = restart_seen(prev, cur, prev_labels, labels)
    assert (seen.kind if seen else None) == kind


def test_restart_message_names_the_metric_and_values():
    seen = restart_seen({"uptime_s": 3600}, {"uptime_s": 213})
    assert seen is not None and seen.message == "uptime_s went down 3600 -> 213 (up 3m33s)"
