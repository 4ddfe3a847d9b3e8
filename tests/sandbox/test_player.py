"""Slack's side of a person's move, as the sandbox plays it: what a closed dialog tells the app."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from slackapp.sandbox.fake import FakeSlack
from slackapp.sandbox.player import Player


class RecordingSlack:
    """Stands in for the app: keeps every interaction payload it is sent."""

    def __init__(self):
        self.sent: list[dict] = []

    def interact(self, payload: dict):
        self.sent.append(payload)


@pytest.fixture
def fake():
    with FakeSlack() as running:
        running.add_user("U7", name="ada")
        yield running


@pytest.fixture
def app():
    return RecordingSlack()


@pytest.fixture
def player(fake, app):
    return Player(fake, app, team_id="T1", commands=set())


def open_modal(fake, **view) -> str:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    modal = {"type": "modal", "callback_id": "survey", "title": {"type": "plain_text", "text": "Survey"}, "blocks": [], **view}
    return client.views_open(trigger_id=fake.workspace.trigger_for("U7"), view=modal)["view"]["id"]


def test_closing_a_dialog_that_asks_to_hear_of_it_sends_view_closed(fake, app, player):
    view_id = open_modal(fake, notify_on_close=True, private_metadata="lead=4")
    player.close("U7")
    assert fake.workspace.top_view("U7") is None
    [closed] = app.sent
    assert closed["type"] == "view_closed" and closed["is_cleared"] is False
    assert closed["user"]["id"] == "U7" and closed["team"]["id"] == "T1"
    assert (closed["view"]["id"], closed["view"]["callback_id"], closed["view"]["private_metadata"]) == (view_id, "survey", "lead=4")
    assert "trigger_id" not in closed and "response_urls" not in closed


def test_closing_a_dialog_that_does_not_ask_sends_nothing(fake, app, player):
    open_modal(fake)
    player.close("U7")
    assert fake.workspace.top_view("U7") is None
    assert app.sent == []
