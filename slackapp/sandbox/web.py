"""The sandbox's page: a channel list, the message pane, a composer, modals and App Home, drawn on
the server (Jinja2) and kept fresh with htmx. Every route turns a person's move into what Slack
would send the app (slackapp.sandbox.player) and draws the page again.

The app's own endpoints (/slack/events, /healthz) are served by the same server, next to the page.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from slackapp.sandbox.blockkit import Surface, render_blocks
from slackapp.sandbox.mrkdwn import EMOJI, Viewer, emoji, pictured, to_html
from slackapp.sandbox.player import Player
from slackapp.slack.phrases import plural

HERE = Path(__file__).parent
STATIC = HERE / "static"
HOME = "home"
QUICK_REACTIONS = ("white_check_mark", "thinking_face", "x", "+1", "tada", "eyes")
APP_PATHS = ("/slack/events", "/healthz")
# The page's forms are a few KB; a message typed into the composer stays far below this.
MAX_FORM = 1 << 20

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """What one person looks at: who they are, which channel (or the app's Home), which thread."""

    user: str
    channel: str
    thread: str | None = None

    def link(self, **change) -> str:
        place = {"as": self.user, "c": self.channel, **({"t": self.thread} if self.thread else {}), **change}
        return "/?" + "&".join(f"{key}={quote(str(value))}" for key, value in place.items() if value)


@dataclass(frozen=True)
class Skipped:
    """What "Skip ahead" played: where the clock landed, and what came due on the way (name -> count)."""

    until: datetime
    came_due: dict[str, int]


class Page:
    """The WSGI app of the page; `app` answers Slack's paths (the real slackapp, as in HTTP mode)."""

    def __init__(self, player: Player, *, app: Callable, channels: list[tuple[str, str]], default_user: str,
                 shortcuts: dict[str, str], now: Callable[[], datetime], skip_day: Callable[[], Skipped], address: str):
        self.player = player
        self.app = app
        self.channels = channels  # (id, name), in the order the sidebar lists them
        self.default_user = default_user
        self.shortcuts = shortcuts  # callback_id -> name
        self.now = now
        self.skip_day = skip_day
        self.skipped: Skipped | None = None  # the last skip, told next to the clock
        self.address = address
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
        self.templates.filters["pictured"] = pictured  # emoji as the pictures shipped in static/emoji/

    # ---- WSGI --------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD")
        if path in APP_PATHS:
            return self.app(environ, start_response)
        if not self._from_this_page(environ):
            return _answer(start_response, "403 Forbidden", b"only the sandbox's own page may use it", "text/plain")
        if path.startswith("/static/"):
            return self._static(path[len("/static/"):], start_response)
        if path == "/favicon.ico":  # asked for by browsers that don't read the page's <link rel="icon">
            return self._static("favicon.svg", start_response)
        if path.startswith("/files/"):
            return self._file(path.split("/")[2], start_response)
        query = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True)
        if method == "GET" and path == "/":
            return self._html(start_response, self.page(self._where(query), full=True))
        if method == "GET" and path == "/poll":
            return self._poll(query, start_response)
        if method == "POST" and path in self._moves:
            try:
                form = _form(environ)
                where = self._where(form)
                where = self._moves[path](self, where, form) or where
            except Refused as refused:
                log.info("the sandbox refused a request to %s: %s", path, refused)
                return _answer(start_response, refused.status, str(refused).encode("utf-8"), "text/plain; charset=utf-8")
            return self._html(start_response, self.page(where, full=False), push=where.link())
        return _answer(start_response, "404 Not Found", b"not found", "text/plain")

    def _from_this_page(self, environ) -> bool:
        """Loopback is not enough: a web page elsewhere could post here from the same browser, or
        reach it under another host name (DNS rebinding). Only this page's own origin acts."""
        port = self.address.rsplit(":", 1)[1]
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        origin = environ.get("HTTP_ORIGIN")
        return environ.get("HTTP_HOST") in hosts and (origin is None or origin.removeprefix("http://") in hosts)

    def _where(self, fields: dict[str, list[str]]) -> Where:
        users = {user["id"] for user in self.player.fake.users()}
        user = _first(fields, "as")
        channel = _first(fields, "c") or self.channels[0][0]
        return Where(user=user if user in users else self.default_user, channel=channel, thread=_first(fields, "t") or None)

    # ---- moves -------------------------------------------------------------------------

    def _send(self, where: Where, form) -> None:
        self.player.type(where.user, where.channel, _first(form, "text"), thread_ts=where.thread)

    def _act(self, where: Where, form) -> None:
        act = _block_and_action(_first(form, "act"))
        if act is None:
            return
        value = form["value"][0] if "value" in form else None
        surface = _first(form, "surface")
        if surface == "message":
            sent = form.get(_first(form, "act")) or []
            self.player.act_on_message(where.user, _first(form, "channel"), _first(form, "ts"), act[0], act[1], sent, value)
        elif surface in ("view", HOME):
            view = self.player.workspace.top_view(where.user) if surface == "view" else self.player.workspace.home(where.user)
            if view is not None:
                self.player.act_in_view(where.user, view, act[0], act[1], form, value)

    def _submit(self, where: Where, form) -> None:
        self.player.submit(where.user, form)

    def _close(self, where: Where, form) -> None:
        self.player.close(where.user)

    def _react(self, where: Where, form) -> None:
        self.player.react(where.user, _first(form, "channel"), _first(form, "ts"), _first(form, "name"))

    def _shortcut(self, where: Where, form) -> None:
        self.player.shortcut(where.user, _first(form, "channel"), _first(form, "ts"), _first(form, "callback_id"))

    def _skip(self, where: Where, form) -> None:
        self.skipped = self.skip_day()
        self.player.settle()

    _moves = {"/send": _send, "/act": _act, "/submit": _submit, "/close": _close, "/react": _react, "/shortcut": _shortcut, "/skip": _skip}

    # ---- drawing -----------------------------------------------------------------------

    def viewer(self, user_id: str) -> Viewer:
        users = {user["id"]: user.get("real_name") or user["name"] for user in self.player.fake.users()}
        users[self.player.fake.workspace.bot_user_id] = "slackapp"
        person = self.player.person(user_id)
        return Viewer(tz=person.tz, users=users, channels=dict(self.channels), now=self.now())

    def page(self, where: Where, *, full: bool) -> str:
        if where.channel == HOME and full:
            self.player.open_home(where.user)
        template = self.templates.get_template("page.html" if full else "app.html")
        return template.render(**self._context(where))

    def _context(self, where: Where) -> dict:
        viewer = self.viewer(where.user)
        workspace = self.player.workspace
        modal = workspace.top_view(where.user)
        return {
            "where": where, "viewer": viewer, "address": self.address, "version": workspace.version,
            "people": self._people(), "channels": self._sidebar(where), "title": self._title(where),
            "messages": self._messages(where.channel, where.user, viewer) if where.channel != HOME else [],
            "thread": self._messages(where.channel, where.user, viewer, thread=where.thread) if where.thread else [],
            "on_home": where.channel == HOME, "home": self._home(where.user, viewer) if where.channel == HOME else None,
            "modal": self._modal(modal, viewer), "modal_key": _modal_key(modal),
            "clock": self._clock(viewer), "skipped": self._skipped(viewer), "quick": [(name, EMOJI[name]) for name in QUICK_REACTIONS], "shortcuts": self.shortcuts,
        }

    def _people(self) -> list[dict]:
        return sorted(self.player.fake.users(), key=lambda user: (not user.get("is_admin"), user.get("real_name") or ""))

    def _sidebar(self, where: Where) -> list[dict]:
        listed = [{"id": cid, "label": f"# {name}", "link": where.link(c=cid, t=None)} for cid, name in self.channels]
        listed.append({"id": HOME, "label": "slackapp — Home", "link": where.link(c=HOME, t=None), "app": True})
        listed.append({"id": "D" + where.user, "label": "slackapp — Messages", "link": where.link(c="D" + where.user, t=None), "app": True})
        return listed

    def _title(self, where: Where) -> str:
        if where.channel == HOME:
            return "slackapp"
        if where.channel.startswith("D"):
            return "slackapp"
        return "#" + dict(self.channels).get(where.channel, where.channel)

    def _messages(self, channel: str, user: str, viewer: Viewer, *, thread: str | None = None) -> list[dict]:
        shown = self.player.workspace.visible(channel, user, thread_ts=thread)
        for message in shown:
            # Played in skipped time: read as at its own moment, as it was sent to be read.
            as_read = replace(viewer, now=datetime.fromtimestamp(float(message["ts"]), timezone.utc)) if message.get("played") else viewer
            message["author"] = viewer.user_name(message["user"]) if message["user"] != "USLACKBOT" else "Slackbot"
            message["is_app"] = message["user"] in (self.player.fake.workspace.bot_user_id, "USLACKBOT")
            message["time"] = _time_of(message["ts"], viewer)
            message["html"] = render_blocks(message["blocks"], Surface(viewer=as_read)) if message["blocks"] else to_html(message["text"], as_read)
            message["reaction_list"] = [
                {"name": name, "emoji": emoji(f":{name}:"), "count": len(users), "mine": user in users}
                for name, users in message["reactions"].items()
            ]
        return shown

    def _home(self, user: str, viewer: Viewer) -> Markup | None:
        home = self.player.workspace.home(user)
        return render_blocks(home.get("blocks"), Surface(viewer=viewer)) if home else None

    def _modal(self, view: dict | None, viewer: Viewer) -> dict | None:
        if view is None:
            return None
        surface = Surface(viewer=viewer, modal=True, values=(view.get("state") or {}).get("values") or {}, errors=view.get("errors") or {})
        return {
            "title": (view.get("title") or {}).get("text") or "", "submit": (view.get("submit") or {}).get("text"),
            "close": (view.get("close") or {}).get("text") or "Cancel", "html": render_blocks(view.get("blocks"), surface),
            "stacked": bool(view.get("previous_view_id")),
        }

    def _clock(self, viewer: Viewer) -> dict:
        now = viewer.now.astimezone(ZoneInfo(viewer.tz))
        ahead = viewer.now - datetime.now(timezone.utc)
        days = round(ahead / timedelta(days=1))
        return {"now": f"{now:%a %b} {now.day}, {now.hour % 12 or 12}:{now:%M %p}", "ahead_days": days}

    def _skipped(self, viewer: Viewer) -> str | None:
        if self.skipped is None:
            return None
        until = self.skipped.until.astimezone(ZoneInfo(viewer.tz))
        came = ", ".join(plural(count, name) for name, count in self.skipped.came_due.items()) or "nothing came due"
        return f"Skipped to {until:%a} {until.hour % 12 or 12}:{until:%M %p}: {came}"

    # ---- other answers -----------------------------------------------------------------

    def _poll(self, query, start_response):
        """Only what changed since the page's version: the messages, and the modal when it is another."""
        where = self._where(query)
        workspace = self.player.workspace
        if _first(query, "v") == str(workspace.version):
            return _answer(start_response, "204 No Content", b"", "text/plain")
        context = self._context(where)
        context["modal_changed"] = _first(query, "mv") != context["modal_key"]
        return self._html(start_response, self.templates.get_template("poll.html").render(**context))

    def _html(self, start_response, html: str, *, push: str | None = None):
        headers = [("HX-Replace-Url", push)] if push else []
        return _answer(start_response, "200 OK", html.encode("utf-8"), "text/html; charset=utf-8", headers)

    def _static(self, name: str, start_response):
        path = (STATIC / name).resolve()
        if path.parent not in (STATIC.resolve(), STATIC.resolve() / "emoji") or not path.is_file():
            return _answer(start_response, "404 Not Found", b"not found", "text/plain")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return _answer(start_response, "200 OK", path.read_bytes(), kind, [("Cache-Control", "max-age=3600")])

    def _file(self, file_id: str, start_response):
        found = self.player.fake.file(file_id)
        if not found or found.get("content") is None:
            return _answer(start_response, "404 Not Found", b"no such file", "text/plain")
        name = str(found["filename"])
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return _answer(start_response, "200 OK", found["content"], kind, [("Content-Disposition", f"attachment; filename=\"{quote(name)}\"")])


class Refused(Exception):
    """A request the page can't make sense of (not one its own page sends); the message says why."""

    def __init__(self, message: str, status: str = "400 Bad Request"):
        super().__init__(message)
        self.status = status


def _form(environ) -> dict[str, list[str]]:
    length = environ.get("CONTENT_LENGTH") or "0"
    if not (length.isascii() and length.isdigit()):
        raise Refused(f"Content-Length must be a number of bytes, not {length[:40]!r}.")
    if int(length) > MAX_FORM:
        raise Refused(f"The form is too large ({length} bytes; at most {MAX_FORM}).", "413 Payload Too Large")
    try:
        text = environ["wsgi.input"].read(int(length)).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("The form is not UTF-8.") from None
    return parse_qs(text, keep_blank_values=True)


def _block_and_action(act: str) -> tuple[str, str] | None:
    """The element a press names: [block_id, action_id] as JSON, as the page's own elements send it."""
    if not act:
        return None
    try:
        named = json.loads(act)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        raise Refused("act must be JSON: [block_id, action_id].") from None
    if not (isinstance(named, list) and len(named) == 2 and all(isinstance(part, str) for part in named)):
        raise Refused("act must be [block_id, action_id], two strings.")
    return named[0], named[1]


def _modal_key(view: dict | None) -> str:
    if view is None:
        return ""
    return f"{view['id']}:{view.get('hash')}:{len(view.get('errors') or {})}:{json.dumps(view.get('errors') or {}, sort_keys=True)}"


def _first(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


def _time_of(ts: str, viewer: Viewer) -> str:
    moment = datetime.fromtimestamp(float(ts), timezone.utc).astimezone(ZoneInfo(viewer.tz))
    clock = f"{moment.hour % 12 or 12}:{moment:%M %p}"
    if moment.date() == viewer.now.astimezone(ZoneInfo(viewer.tz)).date():
        return clock
    return f"{moment:%b} {moment.day}, {clock}"


def _answer(start_response, status: str, body: bytes, content_type: str, headers: list | None = None):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]
