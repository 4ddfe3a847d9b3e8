"""The shapes of secrets that are cut out of every log line, whichever library writes it, and the
ordinary text around them that stays (the end-to-end proof: test_log_secrets_e2e.py)."""

from __future__ import annotations

import logging

import pytest

from slackapp import logs

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    "line, secret",
    [
        ("body: {\"ok\": true, \"access_token\": \"xoxb-17-abcDEF\", \"token_type\": \"bot\"}", "xoxb-17-abcDEF"),
        ("body_params: {'code': '4724469134.4644010092847.232b4e2b'}", "4724469134.4644010092847.232b4e2b"),
        ("callback (request: {'code': ['4724469134.46440.2b4e'], 'state': ['s']})", "4724469134.46440.2b4e"),
        ("Failed to fetch oauth.v2.access result with code: 4724469134.46440.2b4e - error: x", "4724469134.46440.2b4e"),
        ("Error handling request /slack/oauth_redirect?code=4724469134.46440.2b4e&state=s", "4724469134.46440.2b4e"),
        ("rotated: xoxe.xoxp-1-Mi0yLTE3 refresh xoxe-1-My0xLTE3 app xapp-1-A01-123-abc", "Mi0yLTE3"),
        ("headers: {'Authorization': 'Basic MTExMS4yMjIyOnRlc3Qtc2VjcmV0'}", "MTExMS4yMjIyOnRlc3Qtc2VjcmV0"),
        ("form: token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T1", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("client_secret=3ee4c8b0a1d5", "3ee4c8b0a1d5"),
    ],
)
def test_secrets_are_cut_out_of_a_line(line, secret):
    assert secret not in logs.redact(line) and "[redacted]" in logs.redact(line)


def test_ordinary_text_stays():
    line = "status code: 500, exit code=1, 'state': ['s'], 'next_token': 'n', \"token_type\": \"bot\" for team T012AB"
    assert logs.redact(line) == line


def test_the_settings_secrets_are_cut_out_wherever_they_show():
    logs.keep_out("a-signing-secret-of-ours", "short")
    assert logs.redact("x a-signing-secret-of-ours y short") == "x [redacted] y short"


def test_records_of_any_logger_come_out_cleaned_with_their_tracebacks():
    record = logs.Redacted("slack_sdk.web.base_client", logging.DEBUG, __file__, 1, "answer %s", ({"access_token": "xoxb-1-2"},), None)
    assert "xoxb-1-2" not in record.getMessage()
    try:
        raise ValueError("refused xoxp-9-8-7")
    except ValueError:
        import sys

        failed = logs.Redacted("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "xoxp-9-8-7" not in logging.Formatter().format(failed)
