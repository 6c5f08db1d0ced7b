"""Alerting: the pure policy that decides, the message that says it, the outbox that
delivers it durably, and the channels (registered under ``watchdog.channels``) that carry it.

    rules.py      the [defaults.alert] / [checks.NAME.alert] model, maintenance windows
    policy.py     (state, result status, time, rules, silenced) -> decisions, pure
    dispatch.py   per result: policy step, alert.* events, messages into the outbox
    message.py    decision + Result -> Message, the channel-neutral content
    outbox.py     Message -> Notification rows in the store -> channels, with retries
    retry.py      how long to wait before the next attempt (RetryPolicy)
    channels/     one module per channel type: its config model, renderer and sender
    config.py     the [channels.NAME] loader hook: type -> channel class -> its Config
"""
