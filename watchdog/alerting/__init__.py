"""Alerting: the pure policy that decides, the message that says it, the outbox that
delivers it durably, and the channels (Slack, webhook, console, log) that carry it.

    rules.py      the [defaults.alert] / [checks.NAME.alert] model, maintenance windows
    policy.py     (state, result status, time, rules, silenced) -> decisions, pure
    dispatch.py   per result: policy step, alert.* events, messages into the outbox
    message.py    decision + Result -> Message, the channel-neutral content
    outbox.py     Message -> Notification rows in the store -> channels, with retries
    retry.py      how long to wait before the next attempt (RetryPolicy)
    channels/     one module per channel type behind the Channel protocol
    config.py     the [channels.NAME] tables
"""
