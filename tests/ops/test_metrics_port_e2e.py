"""/metrics is for whoever runs the app, not for Slack: it listens on a port of its own
(SLACKAPP_METRICS_PORT, default PORT+1), on 127.0.0.1 unless SLACKAPP_METRICS_HOST says otherwise,
and the port Slack talks to does not answer it, unless the operator gives both the same port."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from tests.conftest import free_port, fresh_database, start_app
from tests.helpers import http_get


def _post(url: str, path: str) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_port_slack_talks_to_does_not_answer_metrics(server):
    status, _, text = http_get(server.url + "/metrics")
    assert status == 404 and "slackapp_" not in text


def test_the_metrics_port_answers_in_prometheus_text_on_this_machine_only(server):
    status, headers, text = http_get(server.metrics_url + "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert "slackapp_outbox_depth" in text
    listening = [line for line in server.log().splitlines() if "Listening at: " in line]
    assert listening and f"http://127.0.0.1:{urlsplit(server.metrics_url).port}" in listening[0].split("Listening at: ")[1].split()[0].split(",")


def test_the_metrics_port_answers_nothing_but_metrics(server):
    assert http_get(server.metrics_url + "/healthz")[0] == 404
    assert _post(server.metrics_url, "/slack/events") == 404
    assert _post(server.url, "/slack/events") == 401  # Slack's door is where it was


def test_an_operator_may_serve_metrics_on_the_slack_port(request, fake_slack, tmp_path_factory):
    port = free_port()
    app = start_app(
        fresh_database("sqlite", request, tmp_path_factory), fake_slack, tmp_path_factory.mktemp("shared-metrics") / "app.log",
        port=port, SLACKAPP_METRICS_PORT=str(port),
    )
    try:
        status, _, text = http_get(app.url + "/metrics")
        assert status == 200 and "slackapp_outbox_depth" in text
        assert http_get(app.url + "/healthz")[0] == 200
    finally:
        app.stop()
