"""Stand-ins for PagerDuty, Opsgenie, Microsoft Teams (Workflows) and Discord on the local receiver.

Each request is checked against what the service documents as required and
the limits it enforces, and answered as the service answers:

* PagerDuty Events API v2 (``/pagerduty/v2/enqueue``): ``routing_key`` of 32
  characters, ``event_action`` trigger|acknowledge|resolve, ``dedup_key`` at
  most 255 (required to acknowledge or resolve), a trigger's
  ``payload.summary`` (at most 1024), ``payload.source``, ``payload.severity``
  critical|error|warning|info, links with ``href``; 512 KB at most.
  202 ``{"status": "success", ...}``; 400 ``{"status": "invalid event", "errors": [...]}``.
* Opsgenie Alert API (``/opsgenie/v2/alerts``, ``.../{alias}/close|acknowledge?identifierType=alias``):
  ``Authorization: GenieKey <key>``; ``message`` 1-130, ``alias`` at most 512,
  ``description`` 15000, ``tags`` at most 20 of 50, ``details`` values strings,
  ``entity`` 512, ``source`` and ``user`` 100, ``note`` 25000, ``priority`` P1-P5.
  202 ``{"result": "Request will be processed", ...}``; 422 / 401 otherwise.
* Teams Workflows webhook (``/teams/...``): ``{"type": "message", "attachments": [...]}``
  with an Adaptive Card (``application/vnd.microsoft.card.adaptive``, ``type``
  AdaptiveCard, ``version``, a ``body`` of typed elements, TextBlocks with
  ``text``, FactSets with ``title``/``value``); about 28 KB at most (413).
  202 with an empty body; 400 otherwise.
* Discord webhook (``/discord/webhooks/ID/TOKEN``): ``content`` at most 2000,
  at most 10 embeds, title 256, description 4096, 25 fields of name 256 and
  value 1024 (both required), footer 2048, 6000 characters over all embeds,
  colour 0-0xFFFFFF, username 80. 204 (200 with the message under ``?wait=true``);
  400 ``{"code": 50035, "message": "Invalid Form Body", ...}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGERDUTY, OPSGENIE, TEAMS, DISCORD = "/pagerduty/", "/opsgenie/", "/teams/", "/discord/"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")


def too_long(problems: list[str], where: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append(f"'{where}' is longer than {limit} characters")


def parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# -- PagerDuty -------------------------------------------------------------------------------------

def pagerduty_problems(path: str, headers: dict[str, str], body: bytes) -> list[str]:
    data = parsed(body)
    if not isinstance(data, dict):
        return ["Event object is not a JSON object"]
    problems = [] if len(body) <= 512 * 1024 else ["Event is larger than 512 KB"]
    if not isinstance(data.get("routing_key"), str) or len(data["routing_key"]) != 32:
        problems.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = data.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        problems.append("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
    too_long(problems, "dedup_key", data.get("dedup_key"), 255)
    if action in ("acknowledge", "resolve") and not data.get("dedup_key"):
        problems.append("'dedup_key' is missing")
    if action == "trigger":
        problems += _pagerduty_payload(data.get("payload"))
    for link in data.get("links", []):
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            problems.append("'links' need an 'href'")
    return problems


def _pagerduty_payload(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    problems = [f"'payload.{key}' is missing" for key in ("summary", "source", "severity")
                if not isinstance(payload.get(key), str) or not payload[key]]
    too_long(problems, "payload.summary", payload.get("summary"), 1024)
    if payload.get("severity") not in ("critical", "error", "warning", "info"):
        problems.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
    if "timestamp" in payload and not ISO.match(str(payload["timestamp"])):
        problems.append("'payload.timestamp' is not an ISO 8601 time")
    if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
        problems.append("'payload.custom_details' is not an object")
    return problems


def pagerduty_reply(path: str, body: bytes, problems: list[str]) -> tuple[int, Any]:
    if problems:
        return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": problems}
    return 202, {"status": "success", "message": "Event processed", "dedup_key": parsed(body)["dedup_key"]}


# -- Opsgenie --------------------------------------------------------------------------------------

def opsgenie_problems(path: str, headers: dict[str, str], body: bytes) -> list[str]:
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not auth.startswith("GenieKey ") or len(auth) <= len("GenieKey "):
        return ["Could not authenticate"]
    data = parsed(body) if body else {}
    if not isinstance(data, dict):
        return ["Request body is not a JSON object"]
    route = urlsplit(path)
    if route.path.rstrip("/").endswith("/v2/alerts"):
        return _opsgenie_create(data)
    action = route.path.rsplit("/", 1)[-1]
    problems = [] if action in ("close", "acknowledge", "notes") else [f"no such action {action!r}"]
    if parse_qs(route.query).get("identifierType") != ["alias"]:
        problems.append("identifierType must be alias here")
    for key, limit in (("user", 100), ("source", 100), ("note", 25000)):
        too_long(problems, key, data.get(key), limit)
    return problems


def _opsgenie_create(data: dict[str, Any]) -> list[str]:
    message = data.get("message")
    problems = [] if isinstance(message, str) and message.strip() else ["Message can not be empty."]
    for key, limit in (("message", 130), ("alias", 512), ("description", 15000), ("entity", 512),
                       ("source", 100), ("user", 100), ("note", 25000)):
        too_long(problems, key, data.get(key), limit)
    tags = data.get("tags", [])
    if len(tags) > 20 or any(not isinstance(t, str) or len(t) > 50 for t in tags):
        problems.append("at most 20 tags of at most 50 characters")
    details = data.get("details", {})
    if not isinstance(details, dict) or any(not isinstance(v, str) for v in details.values()):
        problems.append("details must map names to strings")
    if "priority" in data and data["priority"] not in ("P1", "P2", "P3", "P4", "P5"):
        problems.append("Priority should be one of [P1, P2, P3, P4, P5]")
    return problems


def opsgenie_reply(path: str, body: bytes, problems: list[str]) -> tuple[int, Any]:
    request_id = str(uuid.uuid4())
    if problems == ["Could not authenticate"]:
        return 401, {"message": "Could not authenticate", "took": 0.0, "requestId": request_id}
    if problems:
        return 422, {"message": "; ".join(problems), "took": 0.001, "requestId": request_id}
    return 202, {"result": "Request will be processed", "took": 0.002, "requestId": request_id}


# -- Teams (Workflows) -----------------------------------------------------------------------------

def teams_problems(path: str, headers: dict[str, str], body: bytes) -> list[str]:
    if len(body) > 28 * 1024:
        return ["Request Entity Too Large"]
    data = parsed(body)
    if not isinstance(data, dict) or data.get("type") != "message":
        return ["the body must be {\"type\": \"message\", \"attachments\": [...]}"]
    attachments = data.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["'attachments' must list at least one card"]
    problems: list[str] = []
    for item in attachments:
        if item.get("contentType") != "application/vnd.microsoft.card.adaptive":
            problems.append("contentType must be application/vnd.microsoft.card.adaptive")
        problems += _card_problems(item.get("content"))
    return problems


def _card_problems(card: Any) -> list[str]:
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard" or not card.get("version"):
        return ["content must be an AdaptiveCard with a version"]
    problems: list[str] = []
    for element in _elements(card.get("body", [])):
        kind = element.get("type")
        if not kind:
            problems.append("every body element needs a type")
        if kind == "TextBlock" and not isinstance(element.get("text"), str):
            problems.append("a TextBlock needs text")
        if kind == "FactSet" and any(not {"title", "value"} <= set(f) for f in element.get("facts", [])):
            problems.append("every fact needs a title and a value")
    for action in card.get("actions", []):
        if action.get("type") == "Action.OpenUrl" and not str(action.get("url", "")).startswith("http"):
            problems.append("Action.OpenUrl needs an http(s) url")
    return problems


def _elements(items: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        out.append(item)
        out += _elements(item.get("items", []))  # a Container's children
    return out


def teams_reply(path: str, body: bytes, problems: list[str]) -> tuple[int, Any]:
    if problems == ["Request Entity Too Large"]:
        return 413, b"Request Entity Too Large"
    if problems:
        return 400, {"error": {"code": "InvalidRequestContent", "message": "; ".join(problems)}}
    return 202, b""


# -- Discord ---------------------------------------------------------------------------------------

def discord_problems(path: str, headers: dict[str, str], body: bytes) -> list[str]:
    data = parsed(body)
    if not isinstance(data, dict):
        return ["Invalid Form Body"]
    embeds = data.get("embeds", [])
    problems = [] if data.get("content") or embeds else ["Cannot send an empty message"]
    too_long(problems, "content", data.get("content"), 2000)
    too_long(problems, "username", data.get("username"), 80)
    if len(embeds) > 10:
        problems.append("at most 10 embeds")
    total = 0
    for embed in embeds:
        problems += _embed_problems(embed)
        total += sum(len(str(t)) for t in _embed_texts(embed))
    if total > 6000:
        problems.append("embeds hold more than 6000 characters in all")
    return problems


def _embed_problems(embed: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    too_long(problems, "embed.title", embed.get("title"), 256)
    too_long(problems, "embed.description", embed.get("description"), 4096)
    too_long(problems, "embed.footer.text", (embed.get("footer") or {}).get("text"), 2048)
    too_long(problems, "embed.author.name", (embed.get("author") or {}).get("name"), 256)
    fields = embed.get("fields", [])
    if len(fields) > 25:
        problems.append("at most 25 fields")
    for field in fields:
        if not field.get("name") or not field.get("value"):
            problems.append("a field needs a name and a value")
        too_long(problems, "embed.field.name", field.get("name"), 256)
        too_long(problems, "embed.field.value", field.get("value"), 1024)
    if not isinstance(embed.get("color", 0), int) or not 0 <= embed.get("color", 0) <= 0xFFFFFF:
        problems.append("color must be an integer 0-16777215")
    if "timestamp" in embed and not ISO.match(str(embed["timestamp"])):
        problems.append("timestamp is not ISO 8601")
    return problems


def _embed_texts(embed: dict[str, Any]) -> list[Any]:
    texts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", ""),
             (embed.get("author") or {}).get("name", "")]
    return texts + [part for f in embed.get("fields", []) for part in (f.get("name", ""), f.get("value", ""))]


def discord_reply(path: str, body: bytes, problems: list[str]) -> tuple[int, Any]:
    if problems:
        return 400, {"code": 50035, "message": "Invalid Form Body", "errors": problems}
    if parse_qs(urlsplit(path).query).get("wait") == ["true"]:
        return 200, {"id": str(uuid.uuid4().int)[:18], "type": 0, **(parsed(body) or {})}
    return 204, b""


Check = Callable[[str, dict[str, str], bytes], list[str]]
Answer = Callable[[str, bytes, list[str]], tuple[int, Any]]
SERVICES: dict[str, tuple[Check, Answer]] = {
    PAGERDUTY: (pagerduty_problems, pagerduty_reply),
    OPSGENIE: (opsgenie_problems, opsgenie_reply),
    TEAMS: (teams_problems, teams_reply),
    DISCORD: (discord_problems, discord_reply),
}


def service_for(path: str) -> tuple[Check, Answer] | None:
    return next((pair for prefix, pair in SERVICES.items() if path.startswith(prefix)), None)
