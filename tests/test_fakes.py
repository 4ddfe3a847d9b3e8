"""Self-tests for the test harness: the fake Web API, request signing, payloads, PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from slackapp.sandbox import payloads
from tests import pg
from tests.specs import specs_dir
from slackapp.sandbox.fake import BOT_USER_ID, FakeSlack
from slackapp.sandbox.slackhttp import SlackClient, post_signed, sign


PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    # urllib (and so slack_sdk) would send even 127.0.0.1 traffic through a configured proxy.
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(base_url=fake.url, token="xoxb-test", timeout=5)


# ---- Web API fake --------------------------------------------------------------------

def test_post_message_is_recorded_with_blocks(fake, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    r1 = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    r2 = client.chat_postMessage(channel="U42", text="dm")

    assert r1["ok"] and r1["channel"] == "C1"
    assert r1["message"]["blocks"] == blocks and r1["message"]["user"] == BOT_USER_ID
    assert r2["channel"] == "DU42"
    assert float(r2["ts"]) > float(r1["ts"])

    (call,) = fake.calls_to("chat.postMessage", channel="C1")
    assert call.args["blocks"] == blocks
    assert call.token == "xoxb-test"
    assert call.response["ts"] == r1["ts"]
    assert not call.failed


def test_form_encoded_json_fields_are_decoded(fake, client):
    blocks = [{"type": "divider"}]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})
    client.chat_getPermalink(channel="C1", message_ts="1700000000.000101")

    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == blocks
    (link,) = fake.calls_to("chat.getPermalink")
    assert link.response["permalink"] == "https://fake.slack.test/archives/C1/p1700000000000101"


def test_auth_test_and_unauthenticated_requests(fake, client):
    assert client.auth_test()["user_id"] == BOT_USER_ID
    with pytest.raises(SlackApiError) as e:
        WebClient(base_url=fake.url).auth_test()
    assert e.value.response["error"] == "not_authed"
    assert fake.calls[-1].failed


def test_users_info_registered_and_unknown(fake, client):
    fake.add_user("U1", name="ada", tz="Europe/Paris", is_admin=True)

    user = client.users_info(user="U1")["user"]
    assert user["id"] == "U1" and user["name"] == "ada" and user["is_admin"] is True
    assert user["tz"] == "Europe/Paris" and user["tz_offset"] in (3600, 7200)
    assert user["tz_label"].startswith("Central European")
    assert user["profile"]["display_name"] == "ada"

    with pytest.raises(SlackApiError) as e:
        client.users_info(user="U404")
    assert e.value.response["error"] == "user_not_found"


def test_rate_limit_fault_then_recovery(fake, client):
    fake.fail("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="x")
    assert e.value.response.status_code == 429
    assert e.value.response.headers["Retry-After"] == "7"
    assert e.value.response["error"] == "ratelimited"

    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.failed for c in fake.calls_to("chat.postMessage")] == [True, False]


def test_a_fault_can_be_kept_for_one_message(fake, client):
    fake.fail("chat.update", status=429, retry_after=1, match={"channel": "C1", "ts": "1.000002"})

    assert client.chat_update(channel="C1", ts="1.000001", text="someone else's post")["ok"]
    with pytest.raises(SlackApiError) as e:
        client.chat_update(channel="C1", ts="1.000002", text="ours")
    assert e.value.response.status_code == 429
    assert client.chat_update(channel="C1", ts="1.000002", text="ours again")["ok"]
    assert [(c.args["ts"], c.failed) for c in fake.calls_to("chat.update")] == [("1.000001", False), ("1.000002", True), ("1.000002", False)]


def test_error_and_server_faults(fake, client):
    fake.fail("*", error="account_inactive", times=2)
    fake.fail("users.info", status=503)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            client.auth_test()
        assert e.value.response["error"] == "account_inactive"
    with pytest.raises(SlackApiError) as e:
        client.users_info(user="U1")
    assert e.value.response.status_code == 503
    assert client.auth_test()["ok"]


def test_files_upload_v2_records_the_bytes(fake, client):
    content = b"name,score\nada,3\n"
    resp = client.files_upload_v2(channel="C1", filename="scores.csv", content=content, title="Scores")

    (upload,) = fake.calls_to("upload")
    assert upload.args["content"] == content
    (get_url,) = fake.calls_to("files.getUploadURLExternal")
    assert upload.args["file_id"] == get_url.response["file_id"]
    (complete,) = fake.calls_to("files.completeUploadExternal", channel_id="C1")
    assert complete.args["files"][0]["id"] == upload.args["file_id"]
    assert resp["file"]["title"] == "Scores" and resp["file"]["size"] == len(content)


def test_conversations_join_flow(fake, client):
    fake.add_channel("C2", name="random", is_member=False)
    fake.add_channel("G9", name="secret", is_private=True, is_member=False)

    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C2", text="hi")
    assert e.value.response["error"] == "not_in_channel"
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is False

    joined = client.conversations_join(channel="C2")
    assert joined["channel"]["id"] == "C2" and joined["channel"]["name"] == "random"
    assert client.chat_postMessage(channel="C2", text="hi")["ok"]
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is True

    with pytest.raises(SlackApiError) as e:
        client.conversations_join(channel="G9")
    assert e.value.response["error"] == "method_not_supported_for_channel_type"
    assert client.conversations_join(channel="C777")["ok"]
    assert client.conversations_open(users="U5")["channel"]["id"] == "DU5"


def test_set_delay_does_not_block_other_requests(fake, client):
    fake.set_delay("users.info", 0.6)
    fake.add_user("U1")
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(client.users_info, user="U1")
        fake.wait_for("users.info")
        start = time.monotonic()
        client.chat_postMessage(channel="C1", text="fast")
        assert time.monotonic() - start < 0.3
        assert not slow.done()
        assert slow.result(timeout=5)["ok"]


def test_a_held_method_answers_once_released_and_others_meanwhile(fake, client):
    fake.hold("chat.postMessage")
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(client.chat_postMessage, channel="C1", text="waits")
        fake.wait_for("chat.postMessage", text="waits")
        assert client.auth_test()["ok"]  # another method is answered meanwhile
        assert not held.done()
        fake.release("chat.postMessage")
        assert held.result(timeout=5)["ok"]
    assert client.chat_postMessage(channel="C1", text="after")["ok"]  # released for good


def test_views_echo_the_view_and_reject_reused_triggers(fake, client):
    view = {"type": "modal", "callback_id": "signup", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=view)["view"]
    assert opened["callback_id"] == "signup" and opened["id"].startswith("V") and opened["hash"]

    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="t1", view=view)
    assert e.value.response["error"] == "expired_trigger_id"

    updated = client.views_update(view_id=opened["id"], view=view)["view"]
    assert updated["id"] == opened["id"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["type"] == "home"


def test_response_url_is_recorded(fake):
    resp = WebhookClient(fake.response_url("cmd-1")).send(text="done", response_type="ephemeral")
    assert resp.status_code == 200

    (call,) = fake.wait_for("response_url")
    assert call.tag == "cmd-1" and call.args == {"text": "done", "response_type": "ephemeral"}


def test_wait_for_and_assert_no_call(fake, client):
    with pytest.raises(AssertionError, match="received:"):
        fake.wait_for("chat.update", timeout=0.1)
    fake.assert_no_call("chat.update", within=0.05)
    client.chat_update(channel="C1", ts="1.2", text="x")
    with pytest.raises(AssertionError):
        fake.assert_no_call("chat.update", within=0.05)
    fake.reset()
    assert fake.calls == []


def test_socket_mode_connection_url_needs_app_token(fake, client):
    app_client = WebClient(base_url=fake.url, token="xapp-1-test")
    assert app_client.apps_connections_open(app_token="xapp-1-test")["url"] == f"ws://127.0.0.1:{fake.port}/socket"
    with pytest.raises(SlackApiError):
        client.apps_connections_open(app_token="xoxb-test")


# ---- signing and payloads ------------------------------------------------------------

def test_sign_matches_slack_known_answer():
    vector = json.loads((specs_dir() / "signing" / "known_answer.json").read_text())
    ts = int(vector["headers"]["X-Slack-Request-Timestamp"])
    assert sign(vector["signing_secret"], ts, vector["body"].encode()) == vector["expected_signature"]


def test_payload_ids_are_consistent():
    body = parse_qs(payloads.slash_command("/club", "join", user_id="U7", team_id="T7"))
    assert body["user_id"] == ["U7"] and body["team_id"] == ["T7"] and body["enterprise_id"] == [payloads.ORG]
    assert body["trigger_id"] != parse_qs(payloads.slash_command("/club"))["trigger_id"]

    act = payloads.block_actions("rsvp", "yes", user_id="U7", team_id="T7", channel_id="C7")
    assert act["user"]["team_id"] == act["team"]["id"] == "T7"
    assert act["container"]["channel_id"] == act["channel"]["id"] == "C7"
    modal_act = payloads.block_actions("pick", user_id="U7", team_id="T7", view={"callback_id": "m"},
                                       action_type="static_select", selected_option="a")
    assert modal_act["container"] == {"type": "view", "view_id": modal_act["view"]["id"]}
    assert modal_act["view"]["team_id"] == "T7" and "channel" not in modal_act

    sub = payloads.view_submission("signup", {"name": {"input": "Ada"}}, user_id="U7", team_id="T7")
    assert sub["view"]["state"]["values"]["name"]["input"] == {"type": "plain_text_input", "value": "Ada"}
    assert sub["view"]["team_id"] == sub["user"]["team_id"] == sub["team"]["id"] == "T7"

    ev = payloads.reaction_added("tada", user_id="U7", team_id="T7", channel_id="C7", item_ts="1.2")
    assert ev["team_id"] == ev["authorizations"][0]["team_id"] == "T7"
    assert ev["event"]["item"] == {"type": "message", "channel": "C7", "ts": "1.2", "channel_type": "channel"}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def bolt_app(fake):
    """A tiny real Bolt app in HTTP mode wired to the fake, to prove the harness end to end."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    app = App(client=WebClient(base_url=fake.url, token="xoxb-test"), signing_secret="shh")

    @app.command("/club")
    def on_command(ack, command, respond):
        ack(f"got {command['text']}")
        respond(text="later")

    @app.action("rsvp")
    def on_action(ack, body, client):
        ack()
        client.chat_postMessage(channel=body["channel"]["id"], text=body["actions"][0]["value"])

    @app.view("signup")
    def on_view(ack, view):
        name = view["state"]["values"]["name"]["input"]["value"]
        if not name:
            ack(response_action="errors", errors={"name": "required"})
        else:
            ack()

    @app.shortcut("remember")
    def on_shortcut(ack, shortcut, client):
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"], view={"type": "modal", "callback_id": "m",
                          "title": {"type": "plain_text", "text": shortcut["message"]["text"]}, "blocks": []})

    @app.event("reaction_added")
    def on_reaction(event, client):
        client.reactions_add(channel=event["item"]["channel"], timestamp=event["item"]["ts"], name=event["reaction"])

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), _ThreadingWSGIServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield SlackClient(f"http://127.0.0.1:{server.server_port}", "shh")
    server.shutdown()
    server.server_close()


def test_bolt_app_end_to_end(fake, bolt_app):
    resp = bolt_app.command("/club", "join", response_url=fake.response_url("c1"))
    assert resp.status == 200 and resp.text == "got join"
    assert fake.wait_for("response_url")[0].tag == "c1"

    assert bolt_app.interact(payloads.block_actions("rsvp", "yes", channel_id="C5")).status == 200
    fake.wait_for("chat.postMessage", channel="C5", text="yes")

    bad = bolt_app.interact(payloads.view_submission("signup", {"name": {"input": ""}}))
    assert bad.json() == {"response_action": "errors", "errors": {"name": "required"}}

    assert bolt_app.interact(payloads.message_action("remember", text="keep me")).status == 200
    (opened,) = fake.wait_for("views.open")
    assert opened.args["view"]["title"]["text"] == "keep me" and not opened.failed

    assert bolt_app.event(payloads.reaction_added("tada", channel_id="C5", item_ts="9.9")).status == 200
    fake.wait_for("reactions.add", channel="C5", timestamp="9.9", name="tada")


def test_bolt_rejects_bad_signatures(bolt_app):
    body = payloads.slash_command("/club", "x")
    stale = int(time.time()) - 6 * 60
    assert bolt_app.command(body=body, timestamp=stale).status == 401
    assert bolt_app.command(body=body, headers={"X-Slack-Signature": "v0=00"}).status == 401
    unsigned = post_signed(bolt_app.url, body, content_type="application/x-www-form-urlencoded", secret=None)
    assert unsigned.status == 401


# ---- PostgreSQL ----------------------------------------------------------------------

@pytest.mark.skipif(not pg.available(), reason="PostgreSQL binaries not installed")
def test_start_postgres_and_connect(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    server = pg.start_postgres(tmp_path / "pg")
    try:
        assert server.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
        with psycopg.connect(server.dsn) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        other = server.create_database()
        with psycopg.connect(other.replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0].startswith("t_")
    finally:
        server.stop()
    assert not server.is_running()
