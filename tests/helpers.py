"""What every test shares: waiting for work the app does after it has answered Slack, reading what
it sent, and acting in Slack the way members and officers do."""

from __future__ import annotations

import inspect
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql

from slackapp.club import ids as club_ids
from slackapp.leads import ids
from slackapp.leads.models import Lead

# Text that would ping everyone or show a disguised link if the app sent it as it was typed.
EVIL = "<!channel> & <https://evil.example|bank>"
LIVE = ("<!channel>", "<https://evil.example|bank>")
ESCAPED = "&lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt;"

UTC = timezone.utc
POLL_SECONDS = 0.02


# ---- waiting ----------------------------------------------------------------------------------
#
# Listeners keep working after they have answered Slack (ack), so what they write and send shows
# up late. A wait names exactly what the test is waiting for: a condition that becomes true, or a
# number of things that have arrived. Neither returns early on "something is there".


def _described(function) -> str:
    try:
        return inspect.getsource(function).strip()
    except (OSError, TypeError):
        return getattr(function, "__qualname__", repr(function))


def eventually(check, timeout: float = 5.0) -> None:
    """Wait until `check()` holds.

    `check` returns True when the condition holds and False when it does not yet; or it asserts,
    and returning (None) means it holds. Any other return value is a mistake in the test — a list
    is not a condition — and raises TypeError at once: to wait for things to arrive, use
    `eventually_got`. On timeout the last AssertionError is raised, or one naming the check."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result is True or result is None:
                return
            if result is not False:
                raise TypeError(
                    f"eventually() needs a check returning True or False (or asserting and returning None), "
                    f"got {type(result).__name__} {result!r:.200} from: {_described(check)}\n"
                    "To wait for items to arrive, use eventually_got(fetch, count=N)."
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout}s: {_described(check)}")
        time.sleep(POLL_SECONDS)


def eventually_got(fetch, *, count: int, timeout: float = 5.0) -> list:
    """Wait until `fetch()` returns exactly `count` items, and return them.

    More than `count` fails at once (nothing the app sent or wrote goes away again); an
    AssertionError raised by `fetch` means "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = list(fetch())
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if len(found) == count:
                return found
            if len(found) > count:
                raise AssertionError(f"expected {count} item(s), got {len(found)}: {found!r:.2000}\nfrom: {_described(fetch)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} item(s) within {timeout}s, got {len(found)}: {found!r:.2000}\nfrom: {_described(fetch)}")
        time.sleep(POLL_SECONDS)


# ---- reading what was sent ----------------------------------------------------------------------


def walk(node):
    """Every dict inside a Block Kit structure, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def all_text(blocks) -> str:
    """The mrkdwn and plain text a reader sees, one text object per line."""
    return "\n".join(node["text"] for node in walk(blocks) if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str))


def buttons(blocks) -> list[dict]:
    return [node for node in walk(blocks) if node.get("type") == "button"]


def dms(workspace, user: str, contains: str = "") -> list:
    """Direct messages Slack took for `user` whose text or blocks contain `contains`."""
    return [
        call
        for call in workspace.fake.calls_to("chat.postMessage", channel=user)
        if not call.failed and contains in (call.args.get("text") or "") + all_text(call.args.get("blocks") or [])
    ]


def post_updates(workspace, channel: str | None, ts: str | None, *, failed: bool = False) -> list:
    """chat.update calls for one posted message, oldest first; only those Slack took, unless `failed`."""
    return [call for call in workspace.fake.calls_to("chat.update", channel=channel, ts=ts) if failed or not call.failed]


# ---- acting in Slack ------------------------------------------------------------------------------


def press(workspace, action_id: str, value: str | None, *, user: str, timeout: float = 10, **fields) -> dict:
    """Press a button (or use another element) as `user` and return the app's answer through the
    response_url; the listener has done its work by then."""
    url = workspace.response_url()
    reply = workspace.click(action_id, value, user=user, response_url=url, **fields)
    assert reply.status == 200, reply.text
    return workspace.responses(url, timeout=timeout)[-1].args


def text_state(value):
    """A plain_text_input's state in a view_submission, for an input whose action id is "value"."""
    return {"value": {"type": "plain_text_input", "value": value}}


def config_values(
    *,
    timezone: str = "UTC",
    leads_channel: str | None = None,
    digest_day: int = 0,
    digest_time: str = "09:00",
    events_channel: str | None = None,
    gigs_channel: str | None = None,
    officers_channel: str | None = None,
) -> dict:
    """The state of every input in `/club config`, as Slack submits it."""
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

    def channel(value):
        return {"value": {"type": "conversations_select", "selected_conversation": value}}

    return {
        club_ids.TIMEZONE: text_state(timezone),
        club_ids.LEADS_CHANNEL: channel(leads_channel),
        club_ids.EVENTS_CHANNEL: channel(events_channel),
        club_ids.GIGS_CHANNEL: channel(gigs_channel),
        club_ids.OFFICERS_CHANNEL: channel(officers_channel),
        club_ids.DIGEST_DAY: {
            "value": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": days[digest_day], "emoji": True}, "value": str(digest_day)},
            }
        },
        club_ids.DIGEST_TIME: {"value": {"type": "timepicker", "selected_time": digest_time}},
    }


def configure_club(workspace, officer: str, **settings) -> None:
    """Save `/club config` as `officer`; the settings are stored once the form is answered."""
    reply = workspace.submit(club_ids.CONFIG_FORM, config_values(**settings), user=officer)
    assert reply.status == 200 and reply.body == b"", reply.text


def zone_far_from_midnight() -> str:
    """A time zone where it is now between 06:00 and 18:00, so "today" there can't change while a
    test runs: answers that count days are then known in advance."""
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        # The Etc zones' signs are POSIX-style: Etc/GMT-5 is five hours ahead of UTC.
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
        if 6 <= now.astimezone(ZoneInfo(name)).hour < 18:
            return name
    raise AssertionError("every hour of the day is within 6 hours of midnight somewhere")


def local_today(tz: str):
    return datetime.now(ZoneInfo(tz)).date()


# ---- leads ------------------------------------------------------------------------------------------


def lead_values(
    *,
    company="Acme",
    role="Analyst intern",
    url=None,
    kind="internship",
    location="Storrs, CT",
    remote=False,
    pay=None,
    deadline=None,
    description=None,
    tags=None,
) -> dict:
    """view_submission state for the lead form, shaped like Slack's for each input type."""

    def text(value):
        return {ids.VALUE: {"type": "plain_text_input", "value": value}}

    remote_options = [{"text": {"type": "plain_text", "text": "Remote"}, "value": "remote"}] if remote else []
    return {
        "company": text(company),
        "role": text(role),
        "url": text(url or f"https://jobs.example/{uuid.uuid4().hex}"),
        "kind": {ids.VALUE: {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": kind}, "value": kind} if kind else None}},
        "location": text(location),
        "remote": {ids.VALUE: {"type": "checkboxes", "selected_options": remote_options}},
        "pay": text(pay),
        "deadline": {ids.VALUE: {"type": "datepicker", "selected_date": deadline}},
        "description": text(description),
        "tags": text(tags),
    }


def share_lead(workspace, user: str, *, private_metadata: str | None = None, **fields):
    """Submit the share form as `user`, from the workspace's channel."""
    metadata = private_metadata if private_metadata is not None else json.dumps({"lead_id": None, "channel": workspace.channel})
    return workspace.submit(ids.FORM, lead_values(**fields), user=user, private_metadata=metadata)


def leads_of(workspace) -> list[Lead]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Lead).where(Lead.team_id == workspace.team_id).order_by(Lead.id)))


def announced_leads(workspace) -> list[Lead]:
    """The workspace's leads whose announcement has been posted and recorded."""
    return [lead for lead in leads_of(workspace) if lead.announce_ts]


# ---- the scheduler ----------------------------------------------------------------------------------


def plan_all(store, now):
    """One run of every planner the app has, as the clock would do at `now`."""
    from slackapp.app import job_planners
    from slackapp.scheduler import runner

    return runner.plan_all(store, job_planners(), now)


def tick(workspace, dispatcher, now: datetime | int):
    """One turn of the scheduler at the moved clock `now` (a datetime, or unix seconds): plan every
    kind of timed work, then send what is due for this workspace."""
    if not isinstance(now, datetime):
        now = datetime.fromtimestamp(now, UTC)
    # What the app already owes (posts, DMs, reactions) is its own sender's to send, not this turn's.
    eventually(lambda: owed_now(workspace) == [], timeout=10)
    plan_all(workspace.server.store, now)
    return dispatcher.run_due(now, team_id=workspace.team_id)


def owed_now(workspace) -> list:
    """Messages the app owes this workspace that are due by now and not yet sent."""
    from sqlalchemy import select

    from slackapp.scheduler.models import Job, JobStatus

    with workspace.server.store.read() as session:
        return list(
            session.scalars(
                select(Job.key).where(
                    Job.team_id == workspace.team_id,
                    Job.status.in_((JobStatus.pending.value, JobStatus.claimed.value)),
                    Job.due_at <= datetime.now(timezone.utc),
                )
            )
        )


# ---- a change that lands while the planner is running (PostgreSQL) ----------------------


def while_planning(session, store, action):
    """Start `action` (a request to the app) while the planner's transaction is open; return once it
    has finished, or once the app is waiting on a lock that the planner's transaction holds (which
    is what a planner that guards against this race would make it do)."""
    from sqlalchemy import text

    planner = session.connection().exec_driver_sql("select pg_backend_pid()").scalar()
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = action()
        except BaseException as exc:  # re-raised in the test's own thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()

    def finished_or_waiting_for_the_planner():
        if not worker.is_alive():
            return True
        with store.engine.connect() as connection:
            waiting = connection.execute(
                text("select count(*) from pg_stat_activity where :planner = any(pg_blocking_pids(pid))"), {"planner": planner}
            ).scalar()
        return waiting > 0

    eventually(finished_or_waiting_for_the_planner, timeout=20)
    return worker, outcome


def finished(worker, outcome):
    worker.join(timeout=30)
    assert not worker.is_alive(), "the request never finished"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def answer_to(workspace, reply, response_url: str) -> dict:
    """What the person sees after a command: the ephemeral answer carried by the acknowledgement
    itself, or else the one message the app sent to the command's response_url."""
    assert reply.status == 200, reply
    if reply.text.strip():
        body = reply.json()
        if isinstance(body, dict) and body.get("text"):
            return body
    [call] = workspace.responses(response_url)
    return call.args


# ---- distribution mode: installing through Slack's OAuth flow ----------------------------------------


def http_get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    """A plain GET (a browser): status, headers (lower-case names), body."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        response = connection.getresponse()
        return response.status, {key.lower(): value for key, value in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


def start_install(app_url: str) -> tuple[str, str]:
    """Open the "Add to Slack" page: the state its link carries, and the cookie it set."""
    import html
    import re

    status, headers, page = http_get(app_url + "/slack/install")
    assert status == 200, page
    link = html.unescape(re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page).group(1))
    state = re.search(r"[?&]state=([^&]+)", link).group(1)
    cookie = headers["set-cookie"].split(";", 1)[0]
    return state, cookie


def finish_install(app_url: str, *, code: str, state: str, cookie: str) -> tuple[int, str]:
    """Slack's redirect back to the app after the person approved (status, page)."""
    status, _, page = http_get(f"{app_url}/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie})
    return status, page


def install(app_url: str, fake, team_id: str) -> str:
    """Install the app in `team_id` through the whole OAuth flow; the bot token Slack handed out."""
    code, token = fake.grant(team_id)
    state, cookie = start_install(app_url)
    status, page = finish_install(app_url, code=code, state=state, cookie=cookie)
    assert status == 200, page
    return token


def locked_tables(session) -> list[str]:
    """The tables whose rows this session's ORM statements lock (as PostgreSQL is told: FOR UPDATE)."""
    locked: list[str] = []

    def record(state):
        sql = str(state.statement.compile(dialect=postgresql.dialect())) if state.is_select else ""
        if re.search(r"\bFOR UPDATE\b", sql):
            locked.append(re.search(r"\bFROM\s+(\w+)", sql).group(1))

    event.listen(session, "do_orm_execute", record)
    return locked


def statements_run(session, work) -> int:
    """How many statements `work()` sends to the store."""
    sent = []
    connection = session.connection()
    listener = lambda *_args: sent.append(1)  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        work()
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    return len(sent)


def built_anew_for_each_test(*built_once: Callable):
    """An autouse fixture for a module whose code keeps statements it builds once (functools.cache):
    each test builds them anew, so every test checks how they are built and not only how they run."""

    @pytest.fixture(autouse=True)
    def fresh_statements():
        for kept in built_once:
            kept.cache_clear()
        yield
        for kept in built_once:
            kept.cache_clear()

    return fresh_statements
