"""Starting in HTTP mode logs nothing to worry about: Bolt's warning that the token it read from
SLACK_BOT_TOKEN "will be unused" (the client we give it carries that same token) is not logged."""

from __future__ import annotations


def test_an_http_start_logs_no_warning_about_the_token(server):
    # The app answered /healthz, so its worker has built the Bolt app.
    log = server.log()
    assert "token` will be unused" not in log and "will be ignored" not in log, log
