"""A local fake of the Slack Web API that records every call it receives.

Point the app at it with ``WebClient(token="xoxb-…", base_url=fake.url)``.  It also serves
the two absolute URLs Slack hands out: ``response_url``s (see :meth:`FakeSlack.response_url`)
and the ``upload_url`` of ``files.getUploadURLExternal``, so ``respond()`` and
``files_upload_v2`` land here too.

Replies are shaped like the documented success examples in
``slack-specs/web-api/club_bot_methods.summary.json`` and ``web-api/shapes/``.

Besides recording calls, it keeps what a workspace would show (``fake.workspace``: messages,
threads, reactions, ephemerals, modal stacks, App Home), which the sandbox draws as a page.
"""

from __future__ import annotations

import copy
import datetime as _dt
import email.parser
import email.policy
import http.server
import itertools
import json
import threading
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from slackapp.sandbox.workspace import Workspace

TEAM_ID = "T0FAKE"
# Unless a token was given another identity (FakeSlack.set_identity), it belongs to an org-wide
# install in this Enterprise Grid org, which serves every workspace the tests make up.
ENTERPRISE_ID = "E0FAKE"
TEAM_NAME = "Fake Team"
TEAM_URL = "https://fake.slack.test/"
BOT_USER_ID = "UBOT"
BOT_USER_NAME = "slackapp"
BOT_ID = "BBOT"
APP_ID = "AFAKE"

# Form-encoded Web API calls carry these arguments as JSON text; decoding them lets tests
# compare blocks and views the same way whichever encoding slack_sdk chose.
JSON_ARG_FIELDS = frozenset(
    {"blocks", "view", "files", "attachments", "metadata", "unfurls", "user_auth_blocks"}
)

# zoneinfo only knows abbreviations; Slack's tz_label spells them out.
_TZ_LABELS = {
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time", "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time",
    "GMT": "Greenwich Mean Time", "BST": "British Summer Time", "UTC": "Coordinated Universal Time",
    "CET": "Central European Time", "CEST": "Central European Summer Time",
    "EET": "Eastern European Time", "EEST": "Eastern European Summer Time",
    "IST": "India Standard Time", "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}


@dataclass
class Call:
    """One request the fake received.

    ``failed`` is True whenever the fake answered with an error (non-200 status or
    ``"ok": false``), whether injected with :meth:`FakeSlack.fail` or not.
    """

    method: str
    args: dict
    headers: dict
    token: str | None
    at: float
    tag: str | None = None
    failed: bool = False
    status: int = 200
    response: Any = None
    # When the answer was written back (time.monotonic()); None until then, or if the client left.
    answered_at: float | None = None


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: float | int | None
    remaining: int | None  # None: until reset()
    match: dict | None = None  # only calls with these arguments

    def applies_to(self, args: dict | None) -> bool:
        return not self.match or all((args or {}).get(key) == value for key, value in self.match.items())


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict
    content_type: str = "application/json; charset=utf-8"

    @property
    def ok(self) -> bool:
        if self.status != 200:
            return False
        return not (isinstance(self.body, dict) and self.body.get("ok") is False)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def _error(error: str, **extra: Any) -> dict:
    return {"ok": False, "error": error, **extra}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _single_values(multi: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in multi.items()}


def _parse_body(content_type: str, body: bytes) -> dict:
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        parsed = json.loads(body.decode("utf-8"))
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if ctype == "multipart/form-data":
        # The legacy files.upload path; the email package parses multipart without cgi.
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        args: dict[str, Any] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            args[name] = payload if part.get_filename() else payload.decode("utf-8")
        return args
    return _single_values(parse_qs(body.decode("utf-8"), keep_blank_values=True))


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


class FakeSlack:
    """A threaded local Slack Web API.  Use as a context manager or call start()/stop()."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        """`clock` (seconds since the epoch) makes message timestamps follow it, as Slack's follow
        the time; without it they are small made-up numbers counting up."""
        self._clock = clock
        self._last_ts = 0.0
        self.workspace = Workspace(bot_user_id=BOT_USER_ID)
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}
        # Methods whose answers wait until released (hold/release), each with the event they wait on.
        self._holds: dict[str, threading.Event] = {}
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._files: dict[str, dict] = {}
        self._used_triggers: set[str] = set()
        self._seq = itertools.count(101)
        self._identities: dict[str, dict] = {}
        # Distribution mode: codes the OAuth flow exchanges, and calls made with another workspace's token.
        self._grants: dict[str, dict] = {}
        self.token_mismatches: list[Call] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict, Call], dict]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "oauth.v2.access": lambda args, call: _error("invalid_code"),
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> "FakeSlack":
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name="FakeSlack", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, tag: str = "x") -> str:
        return f"{self.base}/response/{tag}"

    # ---- registries and fault injection ----------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = "T1",
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> dict:
        name = name or user_id.lower()
        real_name = real_name or name.replace(".", " ").title()
        profile = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "team": team_id,
        }
        if email is not None:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": is_primary_owner,
            "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": profile,
        }
        zoneinfo.ZoneInfo(tz)  # fail at registration, not inside the server thread
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str = "general",
        is_private: bool = False,
        is_member: bool = True,
        team_id: str | None = None,
    ) -> None:
        """``team_id``: the workspace the channel is in (a token of another one can't see it)."""
        with self._lock:
            self._channels[channel_id] = {
                "name": name, "is_private": is_private, "is_member": is_member,
            }
            if team_id is not None:
                self._channels[channel_id]["team_id"] = team_id

    # ---- distribution mode: installs through the OAuth flow, one token per workspace -------

    def grant(self, team_id: str, *, team_name: str | None = None, bot_user_id: str = BOT_USER_ID) -> tuple[str, str]:
        """A workspace approving the install: the ``code`` Slack's redirect carries, and the bot
        token oauth.v2.access will hand out for it (its auth.test names that workspace only)."""
        code = "code-" + uuid.uuid4().hex
        token = f"xoxb-{team_id.lower()}-{uuid.uuid4().hex[:12]}"
        with self._lock:
            self._grants[code] = {"team_id": team_id, "team_name": team_name or f"Team {team_id}", "token": token, "bot_user_id": bot_user_id}
        self.set_identity(token, team_id=team_id)
        return code, token

    def _oauth_v2_access(self, args: dict, headers: dict) -> dict:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not (auth.lower().startswith("basic ") or (args.get("client_id") and args.get("client_secret"))):
            return _error("invalid_client_id")
        with self._lock:
            grant = self._grants.pop(args.get("code") or "", None)
        if grant is None:
            # A code is good once.
            return _error("invalid_code")
        return {
            "ok": True, "access_token": grant["token"], "token_type": "bot", "scope": "commands,chat:write",
            "bot_user_id": grant["bot_user_id"], "app_id": APP_ID,
            "team": {"id": grant["team_id"], "name": grant["team_name"]}, "enterprise": None,
            "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"},
        }

    def workspace_named_by(self, call: Call) -> str | None:
        """The workspace of the user or channel `call` names, when the fake knows it."""
        with self._lock:
            return self._team_named_by(call.args)[0]

    def _team_named_by(self, args: dict) -> tuple[str | None, str]:
        """The workspace of the user or channel a call names, when the fake knows it."""
        user = args.get("user") or args.get("users")
        if isinstance(user, str) and user in self._users:
            return self._users[user]["team_id"], "user_not_found"
        channel = args.get("channel") or args.get("channel_id")
        if isinstance(channel, str) and channel.startswith("D") and channel[1:] in self._users:
            return self._users[channel[1:]]["team_id"], "channel_not_found"
        if isinstance(channel, str) and channel in self._users:  # a DM addressed by user ID
            return self._users[channel]["team_id"], "channel_not_found"
        if isinstance(channel, str) and channel in self._channels:
            return self._channels[channel].get("team_id"), "channel_not_found"
        return None, ""

    def _wrong_workspace(self, token: str, args: dict) -> str | None:
        """Slack's error when a workspace's own token names another workspace's user or channel."""
        with self._lock:
            identity = self._identities.get(token)
            if not identity or identity.get("is_enterprise_install") or "team_id" not in identity:
                return None
            team, error = self._team_named_by(args)
        return error if team is not None and team != identity["team_id"] else None

    def set_delay(self, method: str, seconds: float | None) -> None:
        """Sleep ``seconds`` before answering ``method`` (only that request's thread waits)."""
        with self._lock:
            if seconds:
                self._delays[method] = float(seconds)
            else:
                self._delays.pop(method, None)

    def hold(self, method: str) -> None:
        """Keep every answer to ``method`` waiting (each in its request's thread) until
        ``release(method)``: a test can then see what the callers did meanwhile."""
        with self._lock:
            self._holds.setdefault(method, threading.Event())

    def release(self, method: str) -> None:
        with self._lock:
            gate = self._holds.pop(method, None)
        if gate is not None:
            gate.set()

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | int | None = None,
        times: int | None = 1,
        match: dict | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (``times=None``: all).

        ``method`` may also be ``"response_url"``, ``"upload"`` or ``"*"`` (every Web API method).
        With ``match``, only calls whose arguments have those values fail (``{"ts": post_ts}``),
        so work of other tests still in flight can't use the fault up.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(status=status, error=error, retry_after=retry_after, remaining=times, match=match)
            )

    def reset(self) -> None:
        """Forget calls, faults, delays and used trigger ids; users and channels stay."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._delays.clear()
            self._used_triggers.clear()

    # ---- queries ---------------------------------------------------------------------

    def users(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(user) for user in self._users.values()]

    def user(self, user_id: str) -> dict | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channels(self) -> dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._channels)

    def file(self, file_id: str) -> dict | None:
        """An uploaded file: filename, content (bytes, or None before its upload)."""
        with self._lock:
            found = self._files.get(file_id)
            return dict(found) if found else None

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        return [
            c for c in self.calls
            if c.method == method and all(c.args.get(k) == v for k, v in match.items())
        ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
        **match: Any,
    ) -> list[Call]:
        """Poll until at least ``count`` matching calls exist and return all matches.

        Listeners run after ``ack()`` on Bolt's worker threads, so calls show up late.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method, **match) if predicate is None or predicate(c)]
            if len(found) >= count or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        if len(found) < count:
            raise AssertionError(
                f"expected {count} call(s) to {method} {match or ''}within {timeout}s, "
                f"got {len(found)}; received:\n{self.describe()}"
            )
        return found

    def assert_no_call(self, method: str, within: float = 0.3, **match: Any) -> None:
        deadline = time.monotonic() + within
        while True:
            found = self.calls_to(method, **match)
            if found:
                raise AssertionError(
                    f"unexpected call to {method}: {found[0].args!r}\nreceived:\n{self.describe()}"
                )
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    def describe(self) -> str:
        lines = []
        for c in self.calls:
            args = {k: ("<%d bytes>" % len(v) if isinstance(v, bytes) else v) for k, v in c.args.items()}
            text = json.dumps(args, default=repr, ensure_ascii=False)
            if len(text) > 300:
                text = text[:297] + "..."
            flag = " FAILED" if c.failed else ""
            lines.append(f"  {c.method}{flag} {text}")
        return "\n".join(lines) or "  (nothing)"

    # ---- HTTP plumbing ---------------------------------------------------------------

    def _serve(self, h: _Handler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = dict(h.headers.items())
        segments = parts.path.strip("/").split("/", 1)
        kind, rest = (segments + [""])[:2]
        rest = unquote(rest)

        if kind == "api" and rest:
            call, reply = self._api(rest, parts.query, headers, body, arrived)
        elif kind == "response" and rest:
            call, reply = self._response_url(rest, headers, body, arrived)
        elif kind == "upload" and rest:
            call, reply = self._upload(rest, headers, body, arrived)
        else:
            call, reply = None, _Reply(404, _error("unknown_path"), {})

        if call is not None:
            with self._lock:
                delay = self._delays.get(call.method, 0.0)
                gate = self._holds.get(call.method)
            if delay:
                time.sleep(delay)
            if gate is not None:
                gate.wait()

        data = reply.encode()
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", reply.content_type)
            h.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (e.g. its timeout was shorter than set_delay)
        if call is not None:
            call.answered_at = time.monotonic()

    def _record(self, call: Call, reply: _Reply) -> None:
        call.status = reply.status
        call.response = reply.body
        call.failed = not reply.ok
        with self._lock:
            self._calls.append(call)

    def _take_fault(self, method: str, *, any_method: bool, args: dict | None = None) -> _Fault | None:
        with self._lock:
            for key in (method, "*") if any_method else (method,):
                queue = self._faults.get(key) or []
                fault = next((fault for fault in queue if fault.applies_to(args)), None)
                if fault is None:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_reply(fault: _Fault, *, as_text: bool = False) -> _Reply:
        headers: dict[str, str] = {}
        if fault.status == 429:
            error = fault.error or "ratelimited"
            retry_after = fault.retry_after if fault.retry_after is not None else 1
            headers["Retry-After"] = str(retry_after)
        elif fault.status >= 500:
            error = fault.error or "internal_error"
        else:
            error = fault.error or "fatal_error"
        if as_text:
            return _Reply(fault.status, error, headers, "text/plain; charset=utf-8")
        return _Reply(fault.status, _error(error), headers)

    def _api(
        self, method: str, query: str, headers: dict, body: bytes, arrived: float
    ) -> tuple[Call, _Reply]:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        try:
            args = _single_values(parse_qs(query, keep_blank_values=True))
            args.update(_parse_body(ctype, body))
            parse_error = None
        except (ValueError, UnicodeDecodeError) as e:
            args, parse_error = {"_raw": body}, e
        for key in JSON_ARG_FIELDS & args.keys():
            args[key] = _maybe_json(args[key])

        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        # Slack also accepts the token as a form argument (slack_sdk never sends it that way).
        token = token or (args.get("token") if isinstance(args.get("token"), str) else None)

        call = Call(method=method, args=args, headers=headers, token=token, at=arrived)
        if method == "oauth.v2.access" and parse_error is None:
            # The OAuth exchange is authenticated with the app's client id and secret, not a token.
            reply = _Reply(200, self._oauth_v2_access(args, headers), {})
        elif parse_error is not None:
            reply = _Reply(200, _error("invalid_json" if "json" in ctype else "invalid_form_data"), {})
        elif not token:
            reply = _Reply(200, _error("not_authed"), {})
        elif not token.startswith(("xox", "xapp-")):
            reply = _Reply(200, _error("invalid_auth"), {})
        elif (fault := self._take_fault(method, any_method=True, args=args)) is not None:
            reply = self._fault_reply(fault)
        elif (method == "apps.connections.open") != token.startswith("xapp-"):
            # Socket Mode needs the app-level token, and app-level tokens work nowhere else.
            reply = _Reply(200, _error("not_allowed_token_type"), {})
        elif (wrong := self._wrong_workspace(token, args)) is not None:
            reply = _Reply(200, _error(wrong), {})
            with self._lock:
                self.token_mismatches.append(call)
        else:
            handler = self._methods.get(method)
            with self._lock:
                result = handler(args, call) if handler else {"ok": True}
            reply = _Reply(200, result, {})
        self._record(call, reply)
        return call, reply

    def _response_url(self, tag: str, headers: dict, body: bytes, arrived: float) -> tuple[Call, _Reply]:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        try:
            args = _parse_body(ctype or "application/json", body)
        except (ValueError, UnicodeDecodeError):
            args = {"_raw": body}
        call = Call(method="response_url", args=args, headers=headers, token=None, at=arrived, tag=tag)
        fault = self._take_fault("response_url", any_method=False)
        # Like incoming webhooks, Slack answers response_url posts with a plain-text body.
        if fault is not None:
            reply = self._fault_reply(fault, as_text=True)
        else:
            self.workspace.respond(tag, args, ts=self._next_ts())
            reply = _Reply(200, "ok", {}, "text/plain; charset=utf-8")
        self._record(call, reply)
        return call, reply

    def _upload(self, file_id: str, headers: dict, body: bytes, arrived: float) -> tuple[Call, _Reply]:
        call = Call(
            method="upload", args={"file_id": file_id, "content": body},
            headers=headers, token=None, at=arrived,
        )
        fault = self._take_fault("upload", any_method=False)
        with self._lock:
            known = file_id in self._files
            if known and fault is None:
                self._files[file_id]["content"] = body
        if fault is not None:
            reply = self._fault_reply(fault, as_text=True)
        elif not known:
            reply = _Reply(404, "file_not_found", {}, "text/plain; charset=utf-8")
        else:
            reply = _Reply(200, f"OK - {len(body)}", {}, "text/plain; charset=utf-8")
        self._record(call, reply)
        return call, reply

    # ---- canned methods (called with self._lock held) --------------------------------

    def _next_ts(self) -> str:
        if self._clock is not None:
            with self._lock:
                self._last_ts = max(self._clock(), self._last_ts + 0.000001)
                return f"{self._last_ts:.6f}"
        n = next(self._seq)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def next_ts(self) -> str:
        """A new message timestamp, as Slack gives one to a message a person posts."""
        return self._next_ts()

    @staticmethod
    def _new_id(prefix: str) -> str:
        return prefix + uuid.uuid4().hex[:10].upper()

    def set_identity(self, token: str, *, team_id: str, enterprise_id: str | None = None, org_wide: bool = False) -> None:
        """What auth.test answers for `token`: a workspace's own install, or an org-wide one."""
        with self._lock:
            self._identities[token] = {"team_id": team_id, "enterprise_id": enterprise_id, "is_enterprise_install": org_wide}

    def revoke(self, token: str) -> None:
        """From now on Slack refuses `token` (auth.test answers invalid_auth)."""
        with self._lock:
            self._identities[token] = {"error": "invalid_auth"}

    def _auth_test(self, args: dict, call: Call) -> dict:
        with self._lock:
            identity = self._identities.get(call.token or "", {"team_id": TEAM_ID, "enterprise_id": ENTERPRISE_ID, "is_enterprise_install": True})
        if "error" in identity:
            return _error(identity["error"])
        return {
            "ok": True, "url": TEAM_URL, "team": TEAM_NAME, "user": BOT_USER_NAME,
            "user_id": BOT_USER_ID, "bot_id": BOT_ID, **identity,
        }

    def _apps_connections_open(self, args: dict, call: Call) -> dict:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _resolve_channel(self, channel: Any) -> tuple[str | None, str | None]:
        """Return (channel id, error) the way Slack resolves a ``channel`` argument."""
        if not channel or not isinstance(channel, str):
            return None, "channel_not_found"
        if channel.startswith("#"):
            for cid, ch in self._channels.items():
                if ch["name"] == channel[1:]:
                    return cid, None
            return None, "channel_not_found"
        if channel[0] in "UW":
            return "D" + channel, None
        return channel, None

    def _membership_error(self, channel_id: str) -> str | None:
        ch = self._channels.get(channel_id)
        if ch is None or ch["is_member"]:
            return None
        # A private channel the bot is not in is invisible to it.
        return "channel_not_found" if ch["is_private"] else "not_in_channel"

    def _chat_post_message(self, args: dict, call: Call) -> dict:
        channel, err = self._resolve_channel(args.get("channel"))
        err = err or self._membership_error(channel)
        if err:
            return _error(err)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        ts = self._next_ts()
        message = {
            "type": "message", "subtype": "bot_message", "text": args.get("text", ""),
            "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "team": TEAM_ID, "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        self.workspace.post(channel, user=BOT_USER_ID, ts=ts, text=args.get("text", ""), blocks=args.get("blocks"), thread_ts=args.get("thread_ts"))
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: dict, call: Call) -> dict:
        channel, err = self._resolve_channel(args.get("channel"))
        err = err or self._membership_error(channel)
        if err:
            return _error(err)
        if not args.get("user"):
            return _error("user_not_found")
        ts = self._next_ts()
        self.workspace.post(channel, user=BOT_USER_ID, ts=ts, text=args.get("text", ""), blocks=args.get("blocks"),
                            thread_ts=args.get("thread_ts"), ephemeral_to=args["user"])
        return {"ok": True, "message_ts": ts}

    def _chat_update(self, args: dict, call: Call) -> dict:
        channel, err = self._resolve_channel(args.get("channel"))
        if err:
            return _error(err)
        if not args.get("ts"):
            return _error("message_not_found")
        text = args.get("text", "")
        message = {"type": "message", "text": text, "user": BOT_USER_ID, "bot_id": BOT_ID}
        for key in ("blocks", "attachments"):
            if args.get(key) is not None:
                message[key] = args[key]
        self.workspace.update(channel, args["ts"], text=text, blocks=args.get("blocks"))
        return {"ok": True, "channel": channel, "ts": args["ts"], "text": text, "message": message}

    def _chat_delete(self, args: dict, call: Call) -> dict:
        channel, err = self._resolve_channel(args.get("channel"))
        if err:
            return _error(err)
        self.workspace.delete(channel, args.get("ts") or "")
        return {"ok": True, "channel": channel, "ts": args.get("ts")}

    def _chat_get_permalink(self, args: dict, call: Call) -> dict:
        channel, ts = args.get("channel"), args.get("message_ts")
        if not channel:
            return _error("channel_not_found")
        if not ts:
            return _error("message_not_found")
        return {
            "ok": True, "channel": channel,
            "permalink": f"https://fake.slack.test/archives/{channel}/p{str(ts).replace('.', '')}",
        }

    def _echo_view(self, args: dict, view: dict, view_id: str | None, default_type: str) -> dict:
        vid = view_id or self._new_id("V")
        team = args.get("team_id") or TEAM_ID
        out = {
            "id": vid, "team_id": team, "type": default_type, "blocks": [],
            "private_metadata": "", "callback_id": "", "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": False, "notify_on_close": False, "close": None, "submit": None,
            "previous_view_id": None, "root_view_id": vid, "app_id": APP_ID, "external_id": "",
            "app_installed_team_id": team, "bot_id": BOT_ID,
        }
        out.update(view)
        out["id"] = vid
        return out

    def _view_arg(self, args: dict) -> dict | None:
        view = args.get("view")
        return view if isinstance(view, dict) else None

    def _views_open(self, args: dict, call: Call) -> dict:
        view = self._view_arg(args)
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if view is None or not trigger:
            return _error("invalid_arguments", response_metadata={"messages": ["missing view or trigger_id"]})
        # A trigger_id is good for one modal; reusing it is a real-world bug worth surfacing.
        if trigger in self._used_triggers:
            return _error("expired_trigger_id")
        self._used_triggers.add(trigger)
        echoed = self._echo_view(args, view, None, "modal")
        user = self.workspace.user_of_trigger(trigger)
        if user is not None:
            self.workspace.open_view(user, echoed, push=call.method == "views.push")
        return {"ok": True, "view": echoed}

    def _views_update(self, args: dict, call: Call) -> dict:
        view = self._view_arg(args)
        if view is None:
            return _error("invalid_arguments", response_metadata={"messages": ["missing view"]})
        if not (args.get("view_id") or args.get("external_id")):
            return _error("not_found")
        echoed = self._echo_view(args, view, args.get("view_id"), "modal")
        self.workspace.update_view(args.get("view_id"), echoed, external_id=args.get("external_id"))
        return {"ok": True, "view": echoed}

    def _views_publish(self, args: dict, call: Call) -> dict:
        view = self._view_arg(args)
        if view is None:
            return _error("invalid_arguments", response_metadata={"messages": ["missing view"]})
        if not args.get("user_id"):
            return _error("user_not_found")
        echoed = self._echo_view(args, view, None, "home")
        self.workspace.publish_home(args["user_id"], echoed)
        return {"ok": True, "view": echoed}

    def _reactions_add(self, args: dict, call: Call) -> dict:
        return self._react(args, add=True)

    def _reactions_remove(self, args: dict, call: Call) -> dict:
        return self._react(args, add=False)

    def _react(self, args: dict, *, add: bool) -> dict:
        channel, ts, name = args.get("channel"), args.get("timestamp"), args.get("name")
        if not (channel and ts and name):
            return _error("invalid_arguments")
        if self.workspace.find(channel, ts) is not None and not self.workspace.react(channel, ts, name=name, user=BOT_USER_ID, add=add):
            return _error("already_reacted" if add else "no_reaction")
        return {"ok": True}

    def _conversations_open(self, args: dict, call: Call) -> dict:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = args.get("users") or ""
        users = users if isinstance(users, list) else [u.strip() for u in users.split(",") if u.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0]}}
        return {"ok": True, "channel": {"id": "G" + uuid.uuid5(uuid.NAMESPACE_OID, ",".join(sorted(users))).hex[:10].upper()}}

    def _channel_object(self, channel_id: str) -> dict:
        if channel_id.startswith("D"):
            return {
                "id": channel_id, "created": 1_700_000_000, "is_im": True, "is_org_shared": False,
                "user": channel_id[1:], "is_user_deleted": False, "priority": 0,
            }
        ch = self._channels.get(channel_id) or {
            "name": f"c-{channel_id.lower()}", "is_private": False, "is_member": True,
        }
        private = ch["is_private"]
        return {
            "id": channel_id, "name": ch["name"], "name_normalized": ch["name"],
            "is_channel": not private, "is_group": private, "is_im": False, "is_mpim": False,
            "is_private": private, "is_archived": False, "is_general": ch["name"] == "general",
            "is_shared": False, "is_ext_shared": False, "is_org_shared": False,
            "is_pending_ext_shared": False, "is_member": ch["is_member"],
            "created": 1_700_000_000, "creator": "U0CREATOR", "unlinked": 0,
            "parent_conversation": None, "pending_shared": [], "previous_names": [],
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def _conversations_info(self, args: dict, call: Call) -> dict:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        ch = self._channels.get(channel)
        if ch is not None and ch["is_private"] and not ch["is_member"]:
            return _error("channel_not_found")
        return {"ok": True, "channel": self._channel_object(channel)}

    def _conversations_join(self, args: dict, call: Call) -> dict:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        ch = self._channels.get(channel)
        if ch is not None and ch["is_private"]:
            return _error("method_not_supported_for_channel_type")
        reply: dict[str, Any] = {"ok": True}
        if ch is not None:
            if ch["is_member"]:
                reply["warning"] = "already_in_channel"
                reply["response_metadata"] = {"warnings": ["already_in_channel"]}
            ch["is_member"] = True
        reply["channel"] = self._channel_object(channel)
        return reply

    def _user_object(self, user: dict) -> dict:
        out = copy.deepcopy(user)
        now = _dt.datetime.now(zoneinfo.ZoneInfo(user["tz"]))
        abbrev = now.tzname() or ""
        out["tz_label"] = _TZ_LABELS.get(abbrev, abbrev)
        out["tz_offset"] = int(now.utcoffset().total_seconds())  # type: ignore[union-attr]
        return out

    def _users_info(self, args: dict, call: Call) -> dict:
        user = self._users.get(args.get("user") or "")
        if user is None:
            return _error("user_not_found")
        return {"ok": True, "user": self._user_object(user)}

    def _users_list(self, args: dict, call: Call) -> dict:
        return {
            "ok": True, "members": [self._user_object(u) for u in self._users.values()],
            "cache_ts": int(time.time()), "response_metadata": {"next_cursor": ""},
        }

    def _files_get_upload_url(self, args: dict, call: Call) -> dict:
        if not args.get("filename") or not args.get("length"):
            return _error("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = {"filename": args["filename"], "length": args["length"], "content": None}
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict, call: Call) -> dict:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments")
        out = []
        now = int(self._clock() if self._clock else time.time())
        for f in files:
            fid = f.get("id") if isinstance(f, dict) else None
            stored = self._files.get(fid or "")
            if stored is None:
                return _error("file_not_found")
            name = stored["filename"]
            out.append({
                "id": fid, "title": f.get("title") or name, "name": name,
                "created": now, "timestamp": now, "user": BOT_USER_ID, "user_team": TEAM_ID,
                "size": len(stored["content"] or b""), "is_external": False, "is_public": False,
                "url_private": f"https://files.fake.slack.test/files-pri/{TEAM_ID}-{fid}/{name}",
                "permalink": f"https://fake.slack.test/files/{BOT_USER_ID}/{fid}/{name}",
                "channels": [args["channel_id"]] if args.get("channel_id") else [],
            })
        if args.get("channel_id"):
            shared = [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in out]
            self.workspace.post(args["channel_id"], user=BOT_USER_ID, ts=self._next_ts(), text=args.get("initial_comment") or "",
                                thread_ts=args.get("thread_ts"), files=shared)
        return {"ok": True, "files": out}
