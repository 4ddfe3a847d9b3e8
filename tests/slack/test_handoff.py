"""The registry runs a listener in the listener pool and answers with its ack as soon as it is given."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_bolt import BoltContext
from slack_bolt.context.ack import Ack

from slackapp import logs
from slackapp.slack.blocks import ephemeral
from slackapp.slack.listeners import Registry

pytestmark = pytest.mark.fast


@pytest.fixture
def registry():
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="listener")
    yield Registry(pool)
    pool.shutdown(wait=True)


def command(name: str = "/internships", text: str = "") -> dict:
    return {"command": name, "text": text, "team_id": "T1", "user_id": "U1"}


def test_answered_at_the_ack_while_the_listener_goes_on(registry):
    after_ack, finished = threading.Event(), threading.Event()

    def listener(ack):
        ack(ephemeral("right away"))
        after_ack.wait(10)  # slow work after the ack (a modal, say)
        finished.set()

    registry.command("/internships", listener)
    response = registry.answer(command(), BoltContext(ack=Ack()))
    assert response.status == 200 and '"right away"' in response.body
    assert not finished.is_set()
    after_ack.set()
    assert finished.wait(10)


def test_a_listener_logs_under_its_request_and_team(registry):
    seen = {}

    def listener(ack):
        seen["thread"] = threading.current_thread().name
        seen["request"], seen["team"] = logs._REQUEST.get(), logs._TEAM.get()
        ack()

    registry.command("/internships", listener)
    with logs.request("REQ42"):
        registry.answer(command(), BoltContext(ack=Ack(), team_id="T1"))
    assert seen == {"thread": seen["thread"], "request": "REQ42", "team": "T1"}
    assert seen["thread"].startswith("listener")


def test_a_listener_that_fails_before_its_ack_is_answered_500(registry, monkeypatch):
    apologies = []
    monkeypatch.setattr("slackapp.slack.listeners.apologise", lambda error, body, logger: apologies.append(str(error)))

    def listener(ack):
        raise RuntimeError("our bug")

    registry.command("/internships", listener)
    response = registry.answer(command(), BoltContext(ack=Ack()))
    assert response.status == 500 and apologies == ["our bug"]


def test_kinds_of_request_the_registry_doesnt_route_go_on_to_bolt(registry):
    assert registry.answer({"type": "view_closed", "view": {"callback_id": "x"}}, BoltContext(ack=Ack())) is None
