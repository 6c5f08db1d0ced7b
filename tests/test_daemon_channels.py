"""Real ``watchdog run`` processes with the new channels: PagerDuty through an outage and a SIGKILL; two
daemons behind one real Alertmanager.
"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.support.receiver import Reply

KEY = "R0UTINGKEY0123456789abcdef012345"
PAGERDUTY = """
state_dir = "{state}"
[defaults]
interval = "0.5s"
timeout = "1s"
[defaults.alert]
after = 1
repeat = "2s"
channels = ["pager"]
[channels.pager]
type = "pagerduty"
routing_key = "{key}"
url = "{url}/pagerduty/v2/enqueue"
[checks.health]
type = "http"
url = "{service}/health"
"""


def triggers_and_resolves(requests):  # type: ignore[no-untyped-def]
    return [(r.json["event_action"], r.json.get("payload", {}).get("custom_details", {}).get("event"))
            for r in requests]


def test_pagerduty_episode_survives_an_outage_and_a_sigkill_each_event_once(
        tmp_path: Path, receiver, http_service, daemon_process) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "watchdog.toml"
    config.write_text(PAGERDUTY.format(state=tmp_path / "state", key=KEY, url=receiver.url,
                                       service=http_service.url))
    http_service.behave(status=503)
    receiver.script(*[Reply(503)] * 1000)  # PagerDuty is down: the trigger stays in the outbox
    daemon = daemon_process(config).start()
    daemon.wait_until(lambda: len(receiver.requests) >= 1, "the trigger was never attempted")
    daemon.kill()
    refused = len(receiver.requests)

    receiver.clear_script()  # PagerDuty is back
    restarted = daemon_process(config).start()
    restarted.wait_until(lambda: ("trigger", "reminder") in triggers_and_resolves(receiver.requests[refused:]),
                         "no reminder reached PagerDuty after the restart")
    http_service.behave(status=200)
    restarted.wait_until(lambda: ("resolve", None) in triggers_and_resolves(receiver.requests[refused:]),
                         "the resolve never reached PagerDuty")
    restarted.signal(signal.SIGTERM)
    assert restarted.wait_exit() == 0
    delivered = receiver.requests[refused:]
    events = triggers_and_resolves(delivered)
    assert events[0] == ("trigger", "firing") and events[-1] == ("resolve", None)
    assert events.count(("trigger", "firing")) == 1 and events.count(("resolve", None)) == 1
    assert {r.json["dedup_key"] for r in delivered} == {r.json["dedup_key"] for r in receiver.requests[:1]}
    ids = [r.json["payload"]["custom_details"]["notification_id"] for r in delivered if "payload" in r.json]
    assert len(ids) == len(set(ids)) and receiver.invalid == []


ALERTMANAGER = """
state_dir = "{state}"
[defaults]
interval = "0.5s"
timeout = "1s"
[defaults.alert]
after = 1
channels = ["am"]
[channels.am]
type = "alertmanager"
url = "{alertmanager}"
service = "api"
resend_interval = "1s"
[checks.health]
type = "http"
url = "{service}/health"
"""


def test_two_daemons_posting_the_same_alert_make_one_notification_out_of_alertmanager(
        tmp_path: Path, receiver, http_service, alertmanager, daemon_process) -> None:  # type: ignore[no-untyped-def]
    # the daemons see the recovery up to a check interval apart: one group interval covers both resolves
    am = alertmanager(receiver.hook_url("am"), group_interval="5s")
    http_service.behave(status=503)
    daemons = []
    for name in ("a", "b"):
        config = tmp_path / f"{name}.toml"
        config.write_text(ALERTMANAGER.format(state=tmp_path / name, alertmanager=am.url, service=http_service.url))
        daemons.append(daemon_process(config).start())
    for daemon in daemons:  # each has posted the alert (and keeps re-posting it)
        daemon.wait_until(lambda d=daemon: d.get("/status")["outbox"]["channels"]["am"]["sent"] >= 1,
                          "a daemon never posted the alert")
    receiver.wait_for(1, timeout=15)
    assert [a["labels"] for a in am.alerts()] == [{"alertname": "health", "service": "api", "severity": "critical"}]
    http_service.behave(status=200)
    daemons[0].wait_until(lambda: any(r.json["status"] == "resolved" for r in receiver.requests),
                          "Alertmanager never notified the resolve", timeout=30)
    for daemon in daemons:
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit() == 0
    notified = [(r.json["status"], len(r.json["alerts"])) for r in receiver.requests]
    assert notified == [("firing", 1), ("resolved", 1)]
