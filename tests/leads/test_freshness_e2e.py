"""Leads that stay fresh, end to end on SQLite and PostgreSQL: expiry 30 days after sharing (or
after the deadline), the poster's "Still open?" DM with Keep open and Close, expired leads leaving
search but staying in trackers marked closed, the duplicate warning in the form, and a lead's
history for officers with its CSV.

The app servers' own clocks run on real time; every DM here is due days ahead, so only the
in-process dispatcher on a moved clock (tick) sends them. Expiry itself is judged on the club's
real calendar, so a lead is made to reach its last day by moving its expiry in the store."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from slackapp.leads import ids
from slackapp.leads.models import Lead, LeadChange
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.events.support import uploads_to
from tests.helpers import all_text, buttons, dms, eventually_got, leads_of, press, share_lead, tick

UTC = timezone.utc
TZ = "America/Los_Angeles"


def today() -> date:
    # The workspace has no settings: the club's calendar is UTC's.
    return datetime.now(UTC).date()


def shared(workspace, poster: str, **fields) -> Lead:
    url = fields.pop("url", None) or f"https://fresh.example/{new_id('j')}"
    reply = share_lead(workspace, poster, url=url, **fields)
    assert reply.status == 200 and reply.body == b"", reply.text
    return _lead(workspace, url=url)


def _lead(workspace, *, url: str | None = None, lead_id: int | None = None) -> Lead:
    with workspace.server.store.read() as session:
        found = select(Lead).where(Lead.team_id == workspace.team_id)
        return session.scalar(found.where(Lead.url == url) if url else found.where(Lead.id == lead_id))


def history_of(workspace, lead_id: int) -> list[tuple[str, str, str | None]]:
    with workspace.server.store.read() as session:
        rows = session.scalars(select(LeadChange).where(LeadChange.team_id == workspace.team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id))
        return [(row.actor, row.action, row.detail) for row in rows]


def still_open_dms(workspace, poster: str) -> list:
    return [call for call in dms(workspace, poster) if ids.KEEP_OPEN in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]]


def listed(workspace, user: str, words: str = "") -> str:
    return all_text(workspace.command("/internships", words, user=user).json()["blocks"])


def test_a_lead_expires_30_days_after_it_is_shared_and_its_poster_is_asked_three_days_before(workspace, dispatcher):
    poster, stranger = workspace.member(tz=TZ), workspace.member()
    lead = shared(workspace, poster, role="Fresh analyst")
    assert lead.expires_on == today() + timedelta(days=30)
    assert [action for _, action, _ in history_of(workspace, lead.id)] == ["posted"]

    ask_day = lead.expires_on - timedelta(days=3)
    nine = datetime.combine(ask_day, time(9), tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    tick(workspace, dispatcher, nine - timedelta(minutes=1))
    assert still_open_dms(workspace, poster) == []
    tick(workspace, dispatcher, nine + timedelta(seconds=30))
    [asked] = eventually_got(lambda: still_open_dms(workspace, poster), count=1)
    assert "Fresh analyst" in all_text(asked.args["blocks"]) and f"{lead.expires_on:%b %-d}" in all_text(asked.args["blocks"])
    # Asked once for this expiry, however often the clock comes by.
    tick(workspace, dispatcher, nine + timedelta(hours=2))
    assert len(still_open_dms(workspace, poster)) == 1

    refused = press(workspace, ids.KEEP_OPEN, str(lead.id), user=stranger)
    assert "Only the person who shared this lead" in refused["text"]
    assert _lead(workspace, lead_id=lead.id).expires_on == lead.expires_on

    kept = press(workspace, ids.KEEP_OPEN, str(lead.id), user=poster)
    assert kept["replace_original"] is True and "Kept open" in kept["text"]
    assert _lead(workspace, lead_id=lead.id).expires_on == lead.expires_on + timedelta(days=30)
    assert history_of(workspace, lead.id)[-1] == (poster, "kept open", f"until {(lead.expires_on + timedelta(days=30)).isoformat()}")
    # The new expiry is asked about in its turn, not the old one again.
    with workspace.server.store.read() as session:
        keys = sorted(session.scalars(select(Job.key).where(Job.team_id == workspace.team_id, Job.kind == "lead_still_open")))
    assert keys == [f"lead_still_open:{lead.id}:{lead.expires_on.isoformat()}"]


def test_a_lead_with_a_deadline_expires_after_it_and_leaves_search_but_not_trackers(workspace, dispatcher):
    poster, member = workspace.member(), workspace.member()
    deadline = today() + timedelta(days=12)
    lead = shared(workspace, poster, role="Deadline analyst", deadline=deadline.isoformat())
    assert lead.expires_on == deadline
    [announced] = eventually_got(lambda: [row for row in leads_of(workspace) if row.id == lead.id and row.announce_ts], count=1)
    assert press(workspace, ids.SAVE, str(lead.id), user=member)["text"].startswith("Saved")
    assert "Deadline analyst" in listed(workspace, member, "deadline")

    # Its last day passes (deadline and expiry moved back, as days passing would).
    with workspace.server.store.write() as session:
        session.execute(update(Lead).where(Lead.id == lead.id).values(deadline=today() - timedelta(days=1), expires_on=today() - timedelta(days=1)))
    # A little ahead, so that the update of the post it plans is due in the same turn.
    tick(workspace, dispatcher, datetime.now(UTC) + timedelta(seconds=30))
    assert history_of(workspace, lead.id)[-1][:2] == ("app", "expired")
    assert _lead(workspace, lead_id=lead.id).expired_at is not None
    update_call = workspace.posted("chat.update", channel=announced.announce_channel, ts=announced.announce_ts)[-1]
    assert "Closed (expired)" in all_text(update_call.args["blocks"])
    assert ids.SAVE not in [b["action_id"] for b in buttons(update_call.args["blocks"])]

    assert "Deadline analyst" not in listed(workspace, member, "deadline")
    assert "Deadline analyst" not in listed(workspace, member)
    mine = listed(workspace, member, "mine")
    assert "Deadline analyst" in mine and "Closed (expired)" in mine
    # Recorded once.
    tick(workspace, dispatcher, datetime.now(UTC) + timedelta(minutes=2))
    assert [action for _, action, _ in history_of(workspace, lead.id)].count("expired") == 1


def test_close_from_the_still_open_dm(workspace, dispatcher):
    poster = workspace.member(tz=TZ)
    lead = shared(workspace, poster, role="Closable analyst", deadline=(today() + timedelta(days=9)).isoformat())
    ask = datetime.combine(lead.expires_on - timedelta(days=3), time(9), tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    tick(workspace, dispatcher, ask + timedelta(seconds=5))
    [asked] = eventually_got(lambda: still_open_dms(workspace, poster), count=1)
    [close] = [b for b in buttons(asked.args["blocks"]) if b["action_id"] == ids.CLOSE]
    assert "Closed" in press(workspace, ids.CLOSE, close["value"], user=poster)["text"]
    assert _lead(workspace, lead_id=lead.id).closed_at is not None
    assert [action for _, action, _ in history_of(workspace, lead.id)] == ["posted", "closed"]
    # A closed lead can't be kept open from an old DM.
    assert "isn't open any more" in press(workspace, ids.KEEP_OPEN, str(lead.id), user=poster)["text"]


def test_a_lead_shared_a_day_before_its_deadline_is_not_asked_about(workspace, dispatcher):
    poster = workspace.member(tz=TZ)
    lead = shared(workspace, poster, role="Short notice", deadline=(today() + timedelta(days=1)).isoformat())
    tick(workspace, dispatcher, datetime.now(UTC) + timedelta(hours=1))
    assert still_open_dms(workspace, poster) == []
    assert _lead(workspace, lead_id=lead.id).still_open_asked_for == lead.expires_on


def test_sharing_the_same_company_and_role_again_warns_and_links_the_open_lead(workspace):
    first_poster, second_poster = workspace.member(), workspace.member()
    first = shared(workspace, first_poster, company="Dupe Corp", role="Data intern")
    again_url = f"https://fresh.example/{new_id('again')}"
    reply = share_lead(workspace, second_poster, company="dupe corp ", role="Data Intern", url=again_url)
    answer = reply.json()
    assert answer["response_action"] == "update"
    warning = all_text(answer["view"]["blocks"])
    assert "already shared" in warning and first.url in json.dumps(answer["view"]["blocks"])
    assert answer["view"]["submit"]["text"] == "Share anyway"
    # The form keeps what was typed.
    role_block = next(block for block in answer["view"]["blocks"] if block.get("block_id") == "role")
    assert role_block["element"]["initial_value"] == "Data Intern"
    assert _lead(workspace, url=again_url) is None

    anyway = share_lead(workspace, second_poster, company="dupe corp ", role="Data Intern", url=again_url, private_metadata=answer["view"]["private_metadata"])
    assert anyway.status == 200 and anyway.body == b""
    assert _lead(workspace, url=again_url) is not None
    # A different role is no duplicate.
    assert shared(workspace, second_poster, company="Dupe Corp", role="Design intern") is not None


def test_officers_see_and_export_a_leads_history_and_members_cannot(workspace):
    poster, officer, member = workspace.member(), workspace.officer(), workspace.member()
    lead = shared(workspace, poster, company="History Co", role="=HYPERLINK(1) analyst")
    share_lead(workspace, poster, company="History Co", role="Renamed analyst", url=lead.url, private_metadata=json.dumps({"lead_id": lead.id}))
    assert "Closed" in press(workspace, ids.CLOSE, str(lead.id), user=officer)["text"]
    assert [(actor, action) for actor, action, _ in history_of(workspace, lead.id)] == [(poster, "posted"), (poster, "edited"), (officer, "closed")]
    assert history_of(workspace, lead.id)[1][2] == "role"

    refused = press(workspace, ids.HISTORY, str(lead.id), user=member)
    assert "Only officers" in refused["text"]
    # For a member the words are a search, not a history.
    assert "History of" not in json.dumps(workspace.command("/internships", f"history {lead.id}", user=member).json())

    shown = press(workspace, ids.HISTORY, str(lead.id), user=officer)
    text = all_text(shown["blocks"])
    assert "posted" in text and "edited" in text and "closed" in text and f"<@{officer}>" in text
    by_number = workspace.command("/internships", f"history #{lead.id}", user=officer).json()
    assert by_number["response_type"] == "ephemeral" and "*edited* — role" in all_text(by_number["blocks"])

    other = shared(workspace, poster, company="History Co", role="Second analyst")
    choices = workspace.command("/internships", "history history co", user=officer).json()
    assert sorted(b["value"] for b in buttons(choices["blocks"]) if b["action_id"] == ids.HISTORY) == sorted([str(lead.id), str(other.id)])
    assert "No lead matches" in workspace.command("/internships", "history 999999999", user=officer).json()["text"]

    assert "Only officers" in press(workspace, ids.HISTORY_CSV, str(lead.id), user=member)["text"]
    assert uploads_to(workspace, member, ".csv") == []
    press(workspace, ids.HISTORY_CSV, str(lead.id), user=officer)
    [(_, content)] = eventually_got(lambda: uploads_to(workspace, officer, ".csv"), count=1)
    rows = list(csv.reader(io.StringIO(content.decode() if isinstance(content, bytes) else content)))
    assert rows[0] == ["lead_id", "lead", "when_utc", "who", "action", "detail"]
    assert [row[4] for row in rows[1:]] == ["posted", "edited", "closed"]
    # Formula-safe: the name as first shared starts with "=", kept as text.
    assert rows[1][1].startswith("'=HYPERLINK")
