"""Reports as JSON: the same figures as Markdown and HTML, for machines.

``format`` names the document and its version so a consumer can tell a
checkpoint report from a daily one and notice a change of shape.
"""

from __future__ import annotations

import json
import math
from typing import Any

from watchdog.reports.model import CheckpointReport, DailyReport

CHECKPOINT_FORMAT = "watchdog.checkpoint-report/1"
DAILY_FORMAT = "watchdog.daily-report/1"


def _clean(value: Any) -> Any:
    """NaN and infinities are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def render(report: CheckpointReport | DailyReport) -> str:
    kind = CHECKPOINT_FORMAT if isinstance(report, CheckpointReport) else DAILY_FORMAT
    data = {"format": kind, **report.to_dict()}
    if isinstance(report, DailyReport):
        data["title"] = report.title
    return json.dumps(_clean(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
