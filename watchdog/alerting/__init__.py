"""Alerting: the pure policy that decides, the message that says it, the outbox that
delivers it durably, and the channels (Slack, webhook, console, log) that carry it.

    policy.py     result history -> decisions (firing, escalated, resolved...), pure
    message.py    decision + Result -> Message, the channel-neutral content
    outbox.py     Message -> Notification rows in the store -> channels, with retries
    channels/     one module per channel type behind the Channel protocol
    config.py     the [channels.NAME] tables
"""
