"""GET /metrics answers in Prometheus' text format: requests and acks by kind with latencies, Web API
calls by method and outcome, 429s, the outbox's depth and age, the scheduler's lag."""

from __future__ import annotations

import re

from tests.helpers import eventually, http_get, share_lead


def _metrics(server) -> str:
    status, headers, text = http_get(server.metrics_url + "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    return text


def _value(text: str, name: str, **labels: str) -> float:
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    found = [line for line in text.splitlines() if line.startswith(name + "{") or line.startswith(name + " ")]
    total = sum(float(line.rsplit(" ", 1)[1]) for line in found if all(label in line for label in wanted))
    return total


def test_metrics_count_requests_web_api_calls_and_the_outbox(workspace):
    before = _metrics(workspace.server)
    user = workspace.member()
    workspace.command("/internships", user=user)
    share_lead(workspace, user, role="Counted", url="https://count.example/1")
    workspace.posted(channel=workspace.channel)
    workspace.fake.fail("chat.postMessage", status=429, retry_after=1, match={"channel": workspace.channel})
    share_lead(workspace, user, role="Counted twice", url="https://count.example/2")
    workspace.fake.wait_for("chat.postMessage", count=2, timeout=15, predicate=lambda call: call.args.get("channel") == workspace.channel and not call.failed)

    # The sender records a send (and its lag) a moment after Slack answered.
    eventually(lambda: _value(_metrics(workspace.server), "slackapp_scheduler_lag_seconds_count") >= 2)
    after = _metrics(workspace.server)
    assert _value(after, "slackapp_request_seconds_count", kind="command") > _value(before, "slackapp_request_seconds_count", kind="command")
    assert _value(after, "slackapp_acks_total", kind="view_submission", status="200") >= 2
    assert _value(after, "slackapp_web_api_seconds_count", method="chat.postMessage", outcome="ok") >= 2
    assert _value(after, "slackapp_rate_limited_total", method="chat.postMessage") >= 1
    assert re.search(r"^slackapp_outbox_depth \d", after, re.M) and re.search(r"^slackapp_outbox_oldest_seconds \d", after, re.M)
    assert "slackapp_request_seconds_bucket{" in after
