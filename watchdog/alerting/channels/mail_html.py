"""The HTML part of an alert e-mail: the Slack message's content, escaped, with inline styles only.

Mail clients drop ``<style>`` blocks and scripts, so every style is inline
and there is nothing but markup. Everything that came from a check is
escaped; a link is only made of an ``http(s)`` URL.
"""

from __future__ import annotations

from html import escape

from watchdog.alerting.channels.base import alert_color
from watchdog.alerting.message import Message, human_time
from watchdog.text import format_number

_MUTED = "color:#666666;font-size:12px"


def mail_html(message: Message, notification_id: str) -> str:
    """The whole HTML document for one notification."""
    parts = [f'<h2 style="color:{alert_color(message)};margin:0 0 8px 0">{escape(message.title)}</h2>',
             f"<p>{escape(message.summary)}</p>"]
    if message.note:
        parts.append(f"<p><em>{escape(message.note)}</em></p>")
    if message.metrics:
        rows = "".join(f'<tr><th align="left">{escape(name)}</th><td>{escape(format_number(value))}</td></tr>'
                       for name, value in message.metrics)
        parts.append(f'<table cellpadding="4" style="border-collapse:collapse">{rows}</table>')
    if message.evidence:
        lines = escape("\n".join(message.evidence))
        parts.append(f'<pre style="background:#f4f4f4;padding:8px;white-space:pre-wrap">{lines}</pre>')
    parts += _runbook(message)
    parts.append(f'<p style="{_MUTED}">Started {escape(human_time(message.started))} · check '
                 f"{escape(message.check)} · id {escape(notification_id)}</p>")
    body = "\n".join(parts)
    return f'<html><body style="font-family:Helvetica,Arial,sans-serif">\n{body}\n</body></html>\n'


def _runbook(message: Message) -> list[str]:
    rb = message.runbook
    if rb is None:
        return []
    title = escape(rb.title)
    head = f'<a href="{escape(rb.url, quote=True)}">{title}</a>' if rb.url and rb.url.startswith(
        ("http://", "https://")) else title
    parts = [f"<p><strong>Runbook:</strong> {head}</p>"]
    if rb.steps:
        parts.append("<ol>" + "".join(f"<li>{escape(step)}</li>" for step in rb.steps[:3]) + "</ol>")
    return parts
