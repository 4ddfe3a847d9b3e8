"""The HTTP door, in this process (the fast layer): `Routes` called as the WSGI app gunicorn calls,
with environ dicts shaped like gunicorn's, in front of a small Bolt app of the test's own. What
gets in (and reaches a listener), what is refused and with which status, /healthz, /metrics on
its own port, what each request counts as, and the settings gunicorn is started with.

End to end, through a real `slackapp run --http`: tests/slack/test_door_e2e.py."""

from __future__ import annotations

import io
import json
import logging
import os
import time
from types import SimpleNamespace
from urllib.parse import quote_plus, urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from prometheus_client import REGISTRY
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from slackapp import logs
from slackapp.config import Secret
from slackapp.sandbox.slackhttp import FORM, JSON, sign
from slackapp.slack import server
from slackapp.slack.server import EVENTS_PATH, MAX_BODY, Routes

pytestmark = pytest.mark.fast

SECRET = "door-rules-signing-secret"
TEAM = "TDOORRULES"
METRICS_PORT, SLACK_PORT = 9101, 3000


class Heard:
    """What reached the Bolt app behind the door."""

    def __init__(self):
        self.commands: list[dict] = []
        self.events: list[dict] = []
        self.actions: list[dict] = []
        self.request_ids: list[str] = []


def bolt_app(heard: Heard) -> App:
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id=TEAM, bot_user_id="UBOT", bot_id="BBOT", bot_token="xoxb-door-rules"),
        process_before_response=True,
        name="door-rules",
    )

    @app.middleware
    def note_request_id(next):
        heard.request_ids.append(logs.current_request())
        return next()

    @app.command("/ping")
    def ping(ack, command):
        heard.commands.append(command)
        ack(f"pong {command.get('text', '')}")

    @app.event("app_mention")
    def mention(ack, event):
        heard.events.append(event)
        ack()

    @app.action("go")
    def go(ack, body):
        heard.actions.append(body)
        ack()

    return app


class Health:
    def __init__(self, healthy: bool = True):
        self.healthy = healthy

    def ping(self) -> bool:
        return self.healthy


def metrics() -> tuple[bytes, str]:
    return b"# the metrics\n", "text/plain; version=0.0.4"


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def routes(heard) -> Routes:
    return Routes(bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=Secret(SECRET)), metrics=metrics)


class Listener:
    """gunicorn's socket of the connection, which says the port it came in on."""

    def __init__(self, port: int):
        self.port = port

    def getsockname(self):
        return ("127.0.0.1", self.port)


def call(
    routes,
    body: bytes | str = b"",
    *,
    path: str = EVENTS_PATH,
    method: str = "POST",
    content_type: str | None = FORM,
    signed: bool = True,
    timestamp: int | None = None,
    signature: str | None = None,
    length: str | None = None,
    port: int | None = None,
    request_id: str | None = None,
    input_extra: bytes = b"",
):
    """One request as gunicorn hands it over; (status code, headers, body)."""
    raw = body.encode() if isinstance(body, str) else body
    stamp = int(time.time()) if timestamp is None else timestamp
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "REMOTE_ADDR": "10.0.0.7"}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(raw + input_extra)
    environ["CONTENT_LENGTH"] = str(len(raw)) if length is None else length
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if signed:
        environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"] = str(stamp)
        environ["HTTP_X_SLACK_SIGNATURE"] = signature or sign(SECRET, stamp, raw)
    if port is not None:
        environ["gunicorn.socket"] = Listener(port)
    if request_id is not None:
        environ["HTTP_X_SLACK_REQUEST_ID"] = request_id
    started: list = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))

    chunks = routes(environ, start_response)
    answer = b"".join(chunks)
    status, headers = started[0]
    return int(status.split(" ")[0]), status, dict(headers), answer


def acks(kind: str, status: int) -> float:
    return REGISTRY.get_sample_value("slackapp_acks_total", {"kind": kind, "status": str(status)}) or 0.0


def command_body(text: str = "hello", command: str = "/ping") -> str:
    return urlencode({"command": command, "text": text, "team_id": TEAM, "user_id": "UDOOR1", "channel_id": "CDOOR1", "trigger_id": "1.2.3"})


def event_body(**extra) -> str:
    return json.dumps(
        {"type": "event_callback", "team_id": TEAM, "api_app_id": "ADOOR", "event": {"type": "app_mention", "user": "UDOOR1", "text": "hi", "channel": "CDOOR1"}, **extra}
    )


def action_payload(**extra) -> dict:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "UDOOR1"},
        "api_app_id": "ADOOR",
        "actions": [{"action_id": "go", "block_id": "b", "type": "button", "value": "v"}],
        **extra,
    }


def form(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


REFUSED = b'{"ok": false}'


STATUS_LINES = {400: "400 Bad Request", 401: "401 Unauthorized", 413: "413 Payload Too Large"}


def refused_with(answer, code: int) -> bool:
    status, line, headers, body = answer
    return (
        (status, line) == (code, STATUS_LINES[code])
        and body == REFUSED
        and headers == {"Content-Type": "application/json", "Content-Length": str(len(REFUSED))}
    )


# ---- what gets in ----------------------------------------------------------------------------


def test_a_signed_command_reaches_its_listener_and_is_counted_as_a_command(routes, heard):
    before = acks("command", 200)
    status, line, _, body = call(routes, command_body("hello"), request_id="req-door-1")
    assert (status, line, body) == (200, "200 OK", b"pong hello")
    assert [command["text"] for command in heard.commands] == ["hello"]
    assert heard.request_ids == ["req-door-1"]
    assert acks("command", 200) == before + 1


def test_without_slacks_request_id_one_is_made_up(routes, heard):
    call(routes, command_body("hello"))
    assert len(heard.request_ids) == 1 and heard.request_ids[0] not in ("-", "", None)


def test_a_signed_event_reaches_its_listener_and_is_counted_as_an_event(routes, heard):
    before = acks("event", 200)
    status, *_ = call(routes, event_body(), content_type=JSON)
    assert status == 200
    assert [event["text"] for event in heard.events] == ["hi"]
    assert acks("event", 200) == before + 1


def test_a_json_body_sent_as_a_form_is_still_read_as_json(routes, heard):
    assert call(routes, event_body(), content_type=FORM)[0] == 200
    assert len(heard.events) == 1
    assert refused_with(call(routes, '{"event": []}', content_type=FORM), 400)


def test_a_signed_interaction_reaches_its_listener_and_is_counted_by_its_type(routes, heard):
    before = acks("block_actions", 200)
    status, *_ = call(routes, form(action_payload()))
    assert status == 200
    assert [body["actions"][0]["value"] for body in heard.actions] == ["v"]
    assert acks("block_actions", 200) == before + 1


def test_an_unhandled_request_is_counted_with_bolts_status(routes):
    before = acks("view_submission", 404)
    status, *_ = call(routes, form({"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "U1"}, "view": {"type": "modal", "callback_id": "nobody"}}))
    assert status == 404
    assert acks("view_submission", 404) == before + 1


def test_the_time_taken_is_observed_for_the_requests_kind(routes):
    before_sum = REGISTRY.get_sample_value("slackapp_request_seconds_sum", {"kind": "command"}) or 0.0
    before_count = REGISTRY.get_sample_value("slackapp_request_seconds_count", {"kind": "command"}) or 0.0
    started = time.perf_counter()
    assert call(routes, command_body())[0] == 200
    around = time.perf_counter() - started
    assert REGISTRY.get_sample_value("slackapp_request_seconds_count", {"kind": "command"}) == before_count + 1
    # The time from the request's arrival to its answer: some, and no more than the whole call took.
    assert 0 < REGISTRY.get_sample_value("slackapp_request_seconds_sum", {"kind": "command"}) - before_sum <= around


@pytest.mark.parametrize(
    "body, kind",
    [
        (b'{"type": "event_callback"}', "event"),
        (b"command=%2Fping&text=x", "command"),
        (b"text=x&command=%2Fping", "command"),
        (b"payload=" + quote_plus(json.dumps({"type": "view_submission"})).encode(), "view_submission"),
        (b"payload=" + quote_plus(json.dumps({"type": "shortcut"})).encode(), "shortcut"),
        # A payload's text that mentions a command is still the interaction.
        (b"payload=" + quote_plus(json.dumps({"type": "block_actions", "text": "command=x"})).encode(), "block_actions"),
        (b"payload=" + quote_plus(json.dumps({"no": "type"})).encode(), "interaction"),
        (b"payload=" + quote_plus(json.dumps({"type": "Block-Actions"})).encode(), "interaction"),
        (b"payload=" + quote_plus(json.dumps({"type": "x_y"})).encode(), "x_y"),
        (b"", "interaction"),
        # A form whose payload comes first is an interaction, whatever other fields it has.
        (b"payload=" + quote_plus(json.dumps({"type": "block_actions"})).encode() + b"&command=%2Fping", "block_actions"),
        (b"payload=" + quote_plus(json.dumps({"x": 1})).encode() + b"&command=%2Fping", "interaction"),
    ],
)
def test_what_a_request_counts_as(body, kind):
    assert server.request_kind(body) == kind


def test_only_the_start_of_a_body_says_its_type():
    # The type is read from the first 400 bytes only: a match ending on byte 400 counts, one
    # byte further does not.
    def padded(pad: int) -> bytes:
        return b"payload=" + quote_plus(json.dumps({"pad": "x" * pad, "type": "block_actions"}), safe="").encode()

    ends = {pad: padded(pad).index(b"block_actions%22") + len(b"block_actions%22") for pad in range(300, 400)}
    fits = max(pad for pad, end in ends.items() if end <= 400)
    assert ends[fits] == 400
    assert server.request_kind(padded(fits)) == "block_actions"
    assert server.request_kind(padded(fits + 1)) == "interaction"


# ---- what is refused, and how ----------------------------------------------------------------


def test_an_unsigned_request_gets_401_and_is_counted_as_refused(routes, heard, caplog):
    before = acks("refused", 401)
    with caplog.at_level(logging.INFO, logger="slackapp.slack.server"):
        answer = call(routes, command_body(), signed=False)
    assert refused_with(answer, 401) and answer[1] == "401 Unauthorized"
    assert heard.commands == [] and heard.request_ids == []
    assert acks("refused", 401) == before + 1


@pytest.mark.parametrize("ahead", [-6 * 60, 6 * 60], ids=["stale", "future"])
def test_a_request_signed_outside_slacks_window_gets_401(routes, heard, ahead):
    # Signed correctly, but at a moment more than 5 minutes from now.
    answer = call(routes, command_body(), timestamp=int(time.time()) + ahead)
    assert refused_with(answer, 401)
    assert heard.commands == []


def test_a_wrong_signature_gets_401(routes, heard):
    assert refused_with(call(routes, command_body(), signature="v0=" + "0" * 64), 401)
    assert heard.commands == []


def test_a_signature_over_other_bytes_gets_401(routes, heard):
    stamp = int(time.time())
    answer = call(routes, command_body("changed"), timestamp=stamp, signature=sign(SECRET, stamp, command_body("original")))
    assert refused_with(answer, 401)
    assert heard.commands == []


def test_a_timestamp_that_is_not_a_number_gets_401(routes, heard):
    raw = command_body().encode()
    environ = {"PATH_INFO": EVENTS_PATH, "REQUEST_METHOD": "POST"}
    setup_testing_defaults(environ)
    environ.update(
        {"wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": FORM, "HTTP_X_SLACK_REQUEST_TIMESTAMP": "soon", "HTTP_X_SLACK_SIGNATURE": sign(SECRET, "soon", raw)}
    )
    started = []
    answer = b"".join(routes(environ, lambda status, headers, *_: started.append(status)))
    assert started == ["401 Unauthorized"] and answer == REFUSED
    assert heard.commands == []


def test_an_app_without_a_signing_secret_lets_nothing_in(heard):
    body = command_body()
    for secret in (None, Secret("")):
        routes = Routes(bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=secret), metrics=metrics)
        assert refused_with(call(routes, body, signed=False), 401)
        # Whatever it is signed with.
        for signing in (SECRET, "", "XXXX", "secret"):
            stamp = int(time.time())
            assert refused_with(call(routes, body, timestamp=stamp, signature=sign(signing, stamp, body)), 401)
    assert heard.commands == []


def test_the_signing_secret_of_the_settings_is_the_one_checked(heard):
    routes = Routes(bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=Secret("another-secret")), metrics=metrics)
    assert refused_with(call(routes, command_body()), 401)
    stamp = int(time.time())
    body = command_body()
    # The door lets it through (signed with the settings' secret); Bolt, with its own, refuses it.
    status, _, _, answer = call(routes, body, timestamp=stamp, signature=sign("another-secret", stamp, body))
    assert status == 401 and answer != REFUSED
    assert heard.commands == []


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", "１２", " 12", "12 "])
def test_a_content_length_that_is_not_a_number_gets_400(routes, heard, length):
    before = acks("refused", 400)
    answer = call(routes, command_body(), length=length)
    assert refused_with(answer, 400) and answer[1] == "400 Bad Request"
    assert heard.commands == []
    assert acks("refused", 400) == before + 1


@pytest.mark.parametrize("length", ["", None])
def test_no_content_length_is_a_body_of_none(routes, heard, length):
    """Signed as empty, it gets through the door: the listener is not reached (there is no command)."""
    raw = command_body().encode()
    environ = {"PATH_INFO": EVENTS_PATH, "REQUEST_METHOD": "POST"}
    setup_testing_defaults(environ)
    stamp = int(time.time())
    environ.update({"wsgi.input": io.BytesIO(raw), "CONTENT_TYPE": FORM, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(stamp), "HTTP_X_SLACK_SIGNATURE": sign(SECRET, stamp, b"")})
    environ.pop("CONTENT_LENGTH", None)
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    started = []
    answer = b"".join(routes(environ, lambda status, headers, *_: started.append(status)))
    assert answer != REFUSED and not started[0].startswith(("400", "401"))
    assert heard.commands == []


class Body:
    """gunicorn's request body: it can be read, and nothing more."""

    def __init__(self, raw: bytes):
        self._raw = io.BytesIO(raw)
        self.read_calls = 0

    def read(self, size: int = -1) -> bytes:
        self.read_calls += 1
        return self._raw.read(size)


@pytest.mark.parametrize("length, code", [("12x", 400), (str(MAX_BODY + 1), 413)])
def test_a_body_refused_before_it_is_read_is_never_read(routes, heard, length, code):
    body = command_body()
    reading = Body(body.encode())
    environ = {"PATH_INFO": EVENTS_PATH, "REQUEST_METHOD": "POST"}
    setup_testing_defaults(environ)
    stamp = int(time.time())
    environ.update(
        {"wsgi.input": reading, "CONTENT_LENGTH": length, "CONTENT_TYPE": FORM, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(stamp), "HTTP_X_SLACK_SIGNATURE": sign(SECRET, stamp, body)}
    )
    started = []
    answer = b"".join(routes(environ, lambda status, headers, *_: started.append(status)))
    assert started == [STATUS_LINES[code]] and answer == REFUSED
    assert reading.read_calls == 0
    assert heard.commands == []


def test_a_body_over_the_limit_gets_413_before_it_is_read(routes, heard):
    body = command_body()
    reading = io.BytesIO(body.encode())
    environ = {"PATH_INFO": EVENTS_PATH, "REQUEST_METHOD": "POST"}
    setup_testing_defaults(environ)
    stamp = int(time.time())
    environ.update(
        {"wsgi.input": reading, "CONTENT_LENGTH": str(MAX_BODY + 1), "CONTENT_TYPE": FORM, "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(stamp), "HTTP_X_SLACK_SIGNATURE": sign(SECRET, stamp, body)}
    )
    started = []
    before = acks("refused", 413)
    answer = b"".join(routes(environ, lambda status, headers, *_: started.append(status)))
    assert started == ["413 Payload Too Large"] and answer == REFUSED
    assert reading.tell() == 0
    assert acks("refused", 413) == before + 1
    assert heard.commands == []


def test_a_body_of_exactly_the_limit_is_read_and_checked():
    assert MAX_BODY == 1 << 20
    heard = Heard()
    routes = Routes(bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=Secret(SECRET)), metrics=metrics)
    text = command_body("x" * (MAX_BODY - len(command_body(""))))
    assert len(text) == MAX_BODY
    status, _, _, answer = call(routes, text)
    assert status == 200 and answer.startswith(b"pong xxx")
    # One byte more is refused, however it is signed.
    bigger = command_body("x" * (MAX_BODY + 1 - len(command_body(""))))
    assert refused_with(call(routes, bigger), 413)
    assert len(heard.commands) == 1


def test_a_request_without_a_content_type_is_read_by_its_shape(routes, heard):
    status, _, _, answer = call(routes, command_body("untyped"), content_type=None)
    assert (status, answer) == (200, b"pong untyped")
    assert refused_with(call(routes, "{\"event\": 1}", content_type=None), 400)
    assert refused_with(call(routes, "payload=%5B1%5D", content_type=None), 400)


def test_only_content_length_bytes_are_read(routes, heard):
    body = command_body("hello")
    status, _, _, answer = call(routes, body, input_extra=b"&text=smuggled")
    assert (status, answer) == (200, b"pong hello")


def test_a_body_that_is_not_utf8_gets_400_even_signed(routes, heard):
    raw = "command=%2Fping&text=caf\xe9".encode("latin-1")
    assert refused_with(call(routes, raw), 400)
    assert refused_with(call(routes, raw, signed=False), 400)
    assert heard.commands == []


@pytest.mark.parametrize(
    "body, content_type, problem",
    [
        ("[1, 2]", JSON, "JSON body is not a JSON object"),
        ('"text"', "application/json; charset=utf-8", "JSON body is not a JSON object"),
        ("{not json", FORM, "body is not JSON or a form"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, JSON, "JSON nested too deep"),
        ("payload=", FORM, "body is not JSON or a form"),
        ("payload=%7Bbroken", FORM, "body is not JSON or a form"),
        ("payload=" + quote_plus("[1]"), FORM, "payload is not a JSON object"),
        (form({"type": "block_actions", "actions": {"action_id": "go"}}), FORM, "payload's actions is a dict"),
        (form({"type": "block_actions", "actions": ["go"]}), FORM, "payload's actions holds something other than objects"),
        (urlencode([("payload", json.dumps(action_payload())), ("payload", json.dumps({"type": "block_actions", "team": 7}))]), FORM, "payload's team is a int"),
        (json.dumps({"type": "event_callback", "event": "app_mention"}), JSON, "JSON body's event is a str"),
        (json.dumps({"type": "event_callback", "authorizations": ["x"]}), JSON, "JSON body's authorizations holds something other than objects"),
        (json.dumps({"type": "event_callback", "authorizations": {"a": 1}}), JSON, "JSON body's authorizations is a dict"),
    ],
    ids=[
        "json-list",
        "json-string",
        "broken-json",
        "too-deep",
        "blank-payload",
        "broken-payload",
        "payload-list",
        "actions-dict",
        "actions-of-strings",
        "second-payload",
        "event-string",
        "authorizations-of-strings",
        "authorizations-dict",
    ],
)
def test_a_signed_body_not_of_slacks_shape_gets_400_and_the_log_says_why(routes, heard, caplog, body, content_type, problem):
    before = acks("refused", 400)
    with caplog.at_level(logging.INFO, logger="slackapp.slack.server"):
        answer = call(routes, body, content_type=content_type)
    assert refused_with(answer, 400)
    assert heard.commands == heard.events == heard.actions == []
    assert acks("refused", 400) == before + 1
    said = [record.getMessage() for record in caplog.records if record.name == "slackapp.slack.server"]
    assert len(said) == 1 and f": {problem} (" in said[0], said
    assert body[:30] not in said[0]  # the log line never carries the body


FIELDS = {
    "event": ({"type": "x"}, ["not", "an", "object"]),
    "view": ({"id": "V1"}, "V1"),
    "message": ({"ts": "1.2"}, []),
    "actions": ([{"action_id": "a"}], {"action_id": "a"}),
    "response_urls": ([{"url": "https://x"}], "https://x"),
    "authorizations": (None, "everyone"),
    "team": ("T1", 7),
    "user": ({"id": "U1"}, ["U1"]),
    "enterprise": (None, 1.5),
    "channel": ("C1", True),
}


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_bolt_reads_must_be_of_its_type(field):
    good, bad = FIELDS[field]
    assert server.not_slacks_object({"type": "x", field: good}, "payload") is None
    assert server.not_slacks_object({"type": "x", field: bad}, "payload") == f"payload's {field} is a {type(bad).__name__}"


@pytest.mark.parametrize("field", ["actions", "response_urls", "authorizations"])
def test_a_list_bolt_reads_must_hold_objects(field):
    assert server.not_slacks_object({field: [{}, {}]}, "JSON body") is None
    assert server.not_slacks_object({field: []}, "JSON body") is None
    assert server.not_slacks_object({field: [{}, "x"]}, "JSON body") == f"JSON body's {field} holds something other than objects"


@pytest.mark.parametrize("value", ["T1", {"id": "T1"}, None])
def test_team_user_enterprise_and_channel_may_be_a_string_an_object_or_null(value):
    for field in ("team", "user", "enterprise", "channel"):
        assert server.not_slacks_object({field: value}, "payload") is None


def test_fields_bolt_does_not_read_are_left_alone():
    assert server.not_slacks_object({"type": 5, "token": [], "trigger_id": {}, "state": "x"}, "payload") is None
    assert server.not_slacks_object([], "payload") == "payload is not a JSON object"
    assert server.not_slacks_object("x", "JSON body") == "JSON body is not a JSON object"


def test_a_form_that_only_mentions_payload_needs_no_check(routes, heard):
    before = acks("command", 404)
    status, _, _, answer = call(routes, command_body("payload={broken"))
    # The door lets it through (Bolt itself then finds no command in a body that says "payload").
    assert status == 404 and answer != REFUSED
    assert acks("command", 404) == before + 1
    # A field whose name only contains "payload" is not the payload.
    assert server.not_slacks_shape(FORM, "my_payload=%7Bbroken&command=%2Fping") is None
    assert server.not_slacks_shape(FORM, "command=%2Fping&text=") is None
    # Nor is a field whose name is "payload" only once decoded (Bolt, too, reads it as a plain form).
    assert server.not_slacks_shape(FORM, "%70ayload=%5B1%5D") is None


def test_a_form_with_good_payloads_is_let_through():
    assert server.not_slacks_shape(FORM, form(action_payload())) is None
    assert server.not_slacks_shape(FORM, urlencode([("payload", json.dumps(action_payload())), ("payload", json.dumps(action_payload()))])) is None
    assert server.not_slacks_shape("", "") is None


# ---- /healthz, /metrics, and what goes to Bolt ---------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_healthz_says_whether_the_store_answers(heard, method):
    settings = SimpleNamespace(slack_signing_secret=Secret(SECRET))
    up = Routes(bolt_app(heard), Health(True), settings=settings, metrics=metrics)
    down = Routes(bolt_app(heard), Health(False), settings=settings, metrics=metrics)
    status, line, headers, body = call(up, path="/healthz", method=method, signed=False)
    assert (status, line, json.loads(body)) == (200, "200 OK", {"ok": True, "store": "up"})
    assert headers == {"Content-Type": "application/json", "Content-Length": str(len(body))}
    status, line, headers, body = call(down, path="/healthz", method=method, signed=False)
    assert (status, line, json.loads(body)) == (503, "503 Service Unavailable", {"ok": False, "store": "down"})


def test_healthz_answers_only_get_and_head(routes):
    assert call(routes, path="/healthz", method="POST", signed=False)[0] == 404
    assert call(routes, path="/health", method="GET", signed=False)[0] == 404


def test_requests_elsewhere_go_to_bolt_unchecked(routes):
    # Bolt answers 404 for anything but a POST to its path; the door would have said 401.
    status, _, _, body = call(routes, command_body(), path="/elsewhere", signed=False)
    assert (status, body) == (404, b"Not Found")
    status, _, _, body = call(routes, path=EVENTS_PATH, method="GET", signed=False)
    assert (status, body) == (404, b"Not Found")


def metrics_routes(heard, *, slack_port=SLACK_PORT, metrics_port=METRICS_PORT) -> Routes:
    return Routes(
        bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=Secret(SECRET)), metrics=metrics, metrics_port=metrics_port, slack_port=slack_port
    )


def test_metrics_are_answered_on_their_own_port(heard):
    routes = metrics_routes(heard)
    status, line, headers, body = call(routes, path="/metrics", method="GET", signed=False, port=METRICS_PORT)
    assert (status, line, body) == (200, "200 OK", b"# the metrics\n")
    assert headers == {"Content-Type": "text/plain; version=0.0.4", "Content-Length": str(len(b"# the metrics\n"))}


def test_the_metrics_port_answers_nothing_else(heard):
    routes = metrics_routes(heard)
    for path, method in (("/healthz", "GET"), (EVENTS_PATH, "POST"), ("/metrics", "POST"), ("/metric", "GET")):
        status, line, _, body = call(routes, command_body(), path=path, method=method, port=METRICS_PORT)
        assert (status, line, json.loads(body)) == (404, "404 Not Found", {"ok": False}), path
    assert heard.commands == []


def test_metrics_are_not_answered_on_slacks_port(heard):
    routes = metrics_routes(heard)
    assert call(routes, path="/metrics", method="GET", signed=False, port=SLACK_PORT)[3] == b"Not Found"
    assert call(routes, path="/metrics", method="GET", signed=False)[3] == b"Not Found"
    assert call(routes, path="/healthz", method="GET", signed=False, port=SLACK_PORT)[0] == 200
    assert call(routes, command_body(), port=SLACK_PORT)[3] == b"pong hello"
    # Without a metrics port, a request on any port is Slack's.
    plain = Routes(bolt_app(heard), Health(), settings=SimpleNamespace(slack_signing_secret=Secret(SECRET)), metrics=metrics)
    assert call(plain, path="/metrics", method="GET", signed=False, port=METRICS_PORT)[3] == b"Not Found"


def test_a_metrics_port_that_is_also_slacks_answers_both(heard):
    routes = metrics_routes(heard, slack_port=METRICS_PORT)
    assert call(routes, path="/metrics", method="GET", signed=False, port=METRICS_PORT)[3] == b"# the metrics\n"
    assert call(routes, command_body("both"), port=METRICS_PORT)[3] == b"pong both"
    assert call(routes, path="/healthz", method="GET", signed=False, port=METRICS_PORT)[0] == 200


def test_the_port_is_the_connections_own():
    assert server.local_port({"gunicorn.socket": Listener(4321), "SERVER_PORT": "80"}) == 4321
    assert server.local_port({"SERVER_PORT": "80"}) is None


# ---- how the process serves -----------------------------------------------------------------------


def test_gunicorn_runs_threaded_workers_on_the_given_sockets():
    built = object()
    gunicorn = server.gunicorn_server(lambda: built, binds=["fd://5", "fd://6"], workers=3, threads=12)
    cfg = gunicorn.cfg
    assert cfg.bind == ["fd://5", "fd://6"]
    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads) == (3, 12)
    assert (cfg.timeout, cfg.graceful_timeout, cfg.keepalive, cfg.backlog) == (60, 10, 5, 2048)
    assert cfg.accesslog is None and cfg.errorlog == "-" and cfg.loglevel == "info"
    assert cfg.settings["control_socket_disable"].get() is True
    assert gunicorn.load() is built


def test_one_thread_is_still_a_threaded_worker():
    cfg = server.gunicorn_server(lambda: None, binds=["fd://5"], workers=1, threads=1).cfg
    assert cfg.worker_class_str == "gthread"
    assert cfg.threads == 1


def test_a_worker_serving_alone_outlives_whoever_started_it():
    # gunicorn's own worker stops once its parent is not the one it was started under (its master
    # died); with no master, that parent is a shell that may exit (nohup, a terminal closed).
    gunicorn = server.gunicorn_server(lambda: None, binds=["fd://5"], workers=1, threads=2)
    not_the_parent = os.getppid() + 1
    worker = server.AloneWorker(1, not_the_parent, [], gunicorn, gunicorn.cfg.timeout, gunicorn.cfg, logging.getLogger("test"))
    try:
        assert worker.is_parent_alive() is True
    finally:
        worker.tmp.close()


def test_options_gunicorn_does_not_know_are_left_out():
    gunicorn = server.Gunicorn(lambda: None, {"workers": 2, "no_such_setting": 1})
    assert gunicorn.cfg.workers == 2
    assert "no_such_setting" not in gunicorn.cfg.settings


def test_socket_mode_uses_the_apps_own_client(monkeypatch):
    from slack_bolt.adapter import socket_mode

    made = []

    class Handler:
        def __init__(self, app, app_token, web_client=None):
            made.append((app, app_token, web_client))

        def start(self):
            made.append("started")

    monkeypatch.setattr(socket_mode, "SocketModeHandler", Handler)
    app = SimpleNamespace(client=object())
    server.serve_socket_mode(app, "xapp-1-door")
    assert made == [(app, "xapp-1-door", app.client), "started"]
