import pytest

from watchdog.redact import Redactor, looks_secret, scrub_url


@pytest.mark.parametrize(
    ("text", "clean"),
    [("redis://:hunter22@cache:6379/0", "redis://:***@cache:6379/0"),
     ("redis://default:s3cret@cache:6379", "redis://default:***@cache:6379"),
     ("https://token@example.com/x", "https://***@example.com/x"),
     ("http://example.com/health", "http://example.com/health")],
)
def test_scrub_url_hides_userinfo(text, clean):
    assert scrub_url(text) == clean


def test_redactor_replaces_registered_secrets_and_token_shapes():
    r = Redactor(["hunter22-password"])
    assert r("auth failed for hunter22-password") == "auth failed for ***"
    assert r("token xoxb-FAKE-TOKN used") == "token *** used"
    assert r("POST https://hooks.slack.com/services/T000/B000/XXXXXXXX failed") == "POST https://*** failed"


def test_short_values_are_not_treated_as_secrets():
    assert Redactor(["on"])("connection lost") == "connection lost"


@pytest.mark.parametrize(("name", "secret"), [("REDIS_PASSWORD", True), ("SLACK_WEBHOOK_URL", True),
                                              ("api_token", True), ("APP_URL", False), ("interval", False)])
def test_looks_secret(name, secret):
    assert looks_secret(name) is secret
