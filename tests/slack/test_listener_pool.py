"""Where a listener runs (slackapp.slack.middleware.ListenerPool, Bolt's listener executor): one
whose whole answer is its ack in the request's own thread, any other in the pool; both with the
request's session, closed once they are done."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import text

from slackapp.db import Store
from slackapp.slack.middleware import ForEveryRequest, ListenerPool, answers_in_its_ack
from tests.conftest import new_id


class EveryWorkspace:
    """Tenants serving every workspace: which ones are served is the door's test, not this one's."""

    def serves(self, *, team_id, enterprise_id, event_type=None) -> bool:
        return True


def signed_in(team_id, **_) -> AuthorizeResult:
    # Bolt would otherwise ask Slack's auth.test; the signature check is the door's tests' too.
    return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token="xoxb-test", bot_user_id="UBOT", bot_id="B1")


@pytest.fixture
def bolt(migrated_url):
    store = Store.from_url(migrated_url)
    pool = ListenerPool(threads=4, working=2)
    app = App(signing_secret="s" * 32, authorize=signed_in, request_verification_enabled=False, listener_executor=pool)
    app.use(ForEveryRequest(store=store, tenants=EveryWorkspace(), provide=lambda context: None))
    yield app
    pool.shutdown(wait=True)
    store.dispose()


def command(app: App, name: str) -> str:
    body = urlencode({"command": name, "text": "", "team_id": new_id("T"), "user_id": "U1", "channel_id": "C1", "trigger_id": "1.2", "response_url": "https://hooks.example/1"})
    response = app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))
    assert response.status == 200
    return response.body


def test_a_listener_answering_in_its_ack_runs_in_the_requests_thread_and_any_other_in_the_pool(bolt):
    ran, sessions = {}, {}

    def listener(name: str):
        def run(ack, session):
            ran[name] = threading.current_thread()
            sessions[name] = session
            assert session.scalar(text("SELECT 1")) == 1
            ack(name)

        return run

    bolt.command("/in-place", middleware=[answers_in_its_ack])(listener("in place"))
    bolt.command("/handed-over")(listener("handed over"))

    # In place first: what marked it must not send the next request of this thread in place too.
    assert command(bolt, "/in-place") == "in place"
    assert command(bolt, "/handed-over") == "handed over"
    assert command(bolt, "/in-place") == "in place"

    assert ran["in place"] is threading.current_thread()
    assert ran["handed over"] is not threading.current_thread()
    assert ran["handed over"].name.startswith("listener")
    # The one in place is done when its request is answered: its session is closed already.
    assert not sessions["in place"].in_transaction()


def test_a_listener_failing_in_place_is_answered_as_bolt_answers_any_failing_listener(bolt):
    def failing(ack):
        raise RuntimeError("the store went away")

    bolt.command("/fails", middleware=[answers_in_its_ack])(failing)
    body = urlencode({"command": "/fails", "text": "", "team_id": new_id("T"), "user_id": "U1", "channel_id": "C1", "trigger_id": "1.2"})
    response = bolt.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))
    assert response.status == 500
