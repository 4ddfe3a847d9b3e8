"""Reports and moderation, and first leads waiting for approval, end to end (signed requests in, Web
API calls and stored rows out), on SQLite and PostgreSQL: two members' reports or one officer's hide a
lead, the officers' review queue lists every reason, Restore and Remove tell the poster once, a
guest's first lead (or every member's, when the club says so) waits for Approve or Decline, crafted
clicks by members change nothing, and the history records each step."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from slackapp.club import ids as club_ids
from slackapp.club.models import Officer
from slackapp.leads import ids
from slackapp.leads.models import LeadChange, LeadReport
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import (
    ESCAPED,
    EVIL,
    LIVE,
    all_text,
    announced_leads,
    buttons,
    config_values,
    configure_club,
    dms,
    eventually,
    eventually_got,
    leads_of,
    owed_now,
    post_updates,
    press,
    share_lead,
)
from tests.home.test_home_e2e import click_in_home, open_home, publishes

ONLY_OFFICERS_REVIEW = "Only club officers can restore or remove a reported lead."
ONLY_OFFICERS_APPROVE = "Only club officers can approve or decline a lead."


# ---- acting ----------------------------------------------------------------------------------------


def report(workspace, user: str, lead_id: int, reason: str, note: str | None = None):
    """Submit the report form as `user`."""
    values = {
        ids.REPORT_REASON: {ids.VALUE: {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": reason}, "value": reason}}},
        ids.REPORT_NOTE: {ids.VALUE: {"type": "plain_text_input", "value": note}},
    }
    return workspace.submit(ids.REPORT_FORM, values, user=user, private_metadata=json.dumps({"lead_id": lead_id}))


def reported(workspace, user: str, lead_id: int, reason: str, note: str | None = None) -> dict:
    """Report, and return the view the form turns into."""
    reply = report(workspace, user, lead_id, reason, note)
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body["response_action"] == "update", body
    return body["view"]


def listing(workspace, words: str) -> str:
    return all_text(workspace.command("/internships", words, user=workspace.member()).json()["blocks"])


def the_lead(workspace, role: str):
    [lead] = [lead for lead in leads_of(workspace) if lead.role == role]
    return lead


def shared(workspace, poster: str, role: str):
    reply = share_lead(workspace, poster, role=role, url=f"https://jobs.example/{new_id('L')}")
    assert reply.status == 200 and reply.body == b"", reply.text
    return the_lead(workspace, role)


def history_of(workspace, lead_id: int) -> list[tuple[str, str]]:
    with workspace.server.store.read() as session:
        rows = session.scalars(select(LeadChange).where(LeadChange.team_id == workspace.team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id))
        return [(row.actor, row.action) for row in rows]


def reports_of(workspace, lead_id: int) -> list[tuple[str, str]]:
    with workspace.server.store.read() as session:
        rows = session.scalars(select(LeadReport).where(LeadReport.team_id == workspace.team_id, LeadReport.lead_id == lead_id).order_by(LeadReport.id))
        return [(row.user_id, row.reason) for row in rows]


def list_officer(workspace, officer: str) -> None:
    workspace.command("/club", f"officers add <@{officer}|o>", user=officer)

    def listed():
        with workspace.server.store.read() as session:
            return officer in set(session.scalars(select(Officer.user_id).where(Officer.team_id == workspace.team_id)))

    eventually(listed)


def settle(workspace) -> None:
    """Everything the app owed is sent: what it says now, it says for good."""
    eventually(lambda: owed_now(workspace) == [], timeout=10)


def posted_in(workspace, channel: str) -> list:
    return [call for call in workspace.fake.calls_to("chat.postMessage", channel=channel) if not call.failed]


def message_of(call) -> dict:
    """A posted message as a button press from it carries it."""
    return {"ts": call.response["ts"], "text": call.args["text"], "blocks": call.args["blocks"]}


def announcement_jobs(workspace, lead_id: int) -> list:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Job.key).where(Job.team_id == workspace.team_id, Job.key == f"lead_announcement:{lead_id}")))


# ---- reports hide a lead; officers restore or remove it ----------------------------------------------


def test_two_members_reports_hide_a_lead_and_an_officer_restores_it(workspace):
    officer, poster, first, second, third = workspace.officer(), workspace.member(), workspace.member(), workspace.member(), workspace.member()
    officers_channel = new_id("C")
    configure_club(workspace, officer, officers_channel=officers_channel)
    word = new_id("Reportable")
    lead = shared(workspace, poster, f"{word} analyst")
    [announced] = eventually_got(lambda: announced_leads(workspace), count=1)

    trigger = new_id("trigger")
    workspace.click(ids.REPORT, str(lead.id), user=first, trigger_id=trigger)
    [opened] = workspace.fake.wait_for("views.open", predicate=lambda call: call.args.get("trigger_id") == trigger)
    assert opened.args["view"]["callback_id"] == ids.REPORT_FORM and json.loads(opened.args["view"]["private_metadata"]) == {"lead_id": lead.id}

    thanks = reported(workspace, first, lead.id, "wrong", note=EVIL)
    assert "Thanks for reporting" in all_text(thanks["blocks"])
    assert the_lead(workspace, lead.role).status == "open" and lead.role in listing(workspace, word)

    hidden = reported(workspace, second, lead.id, "spam", note="Asks for a fee up front")
    assert "hidden from `/internships` until an officer reviews it" in all_text(hidden["blocks"])
    assert the_lead(workspace, lead.role).status == "hidden"
    assert lead.role not in listing(workspace, word)

    # The review queue: every reason, the notes escaped, Restore and Remove.
    [queued] = eventually_got(lambda: posted_in(workspace, officers_channel), count=1)
    shown = all_text(queued.args["blocks"])
    assert "Wrong details" in shown and "Spam or scam" in shown and "Asks for a fee up front" in shown and ESCAPED in shown
    assert not any(live in shown + queued.args["text"] for live in LIVE)
    assert {b["action_id"]: b["value"] for b in buttons(queued.args["blocks"])} == {ids.RESTORE: str(lead.id), ids.REMOVE: str(lead.id)}
    # The announcement says it is hidden, without Save or Report.
    [update] = eventually_got(lambda: post_updates(workspace, announced.announce_channel, announced.announce_ts), count=1)
    assert "Hidden while officers review it" in all_text(update.args["blocks"])
    assert [b["text"]["text"] for b in buttons(update.args["blocks"])] == ["Open"]

    # A report after hiding is kept, and the officers' message shows it.
    settle(workspace)
    reported(workspace, third, lead.id, "closed", note="Filled last week")
    assert reports_of(workspace, lead.id) == [(first, "wrong"), (second, "spam"), (third, "closed")]
    [refreshed] = eventually_got(lambda: post_updates(workspace, officers_channel, queued.response["ts"]), count=1)
    assert "*3 reports*" in all_text(refreshed.args["blocks"]) and "Filled last week" in all_text(refreshed.args["blocks"])
    queued.args["blocks"] = refreshed.args["blocks"]

    # A member's crafted clicks change nothing.
    for action in (ids.RESTORE, ids.REMOVE):
        assert ONLY_OFFICERS_REVIEW in press(workspace, action, str(lead.id), user=first)["text"]
    assert the_lead(workspace, lead.role).status == "hidden"

    decided = press(workspace, ids.RESTORE, str(lead.id), user=officer, channel_id=officers_channel, message=message_of(queued))
    assert decided["replace_original"] is True and f"Restored by <@{officer}>" in all_text(decided["blocks"]) and buttons(decided["blocks"]) == []
    assert the_lead(workspace, lead.role).status == "open" and lead.role in listing(workspace, word)
    eventually_got(lambda: dms(workspace, poster, "restored"), count=1)
    restored = eventually_got(lambda: post_updates(workspace, announced.announce_channel, announced.announce_ts), count=2)[-1]
    assert [b["text"]["text"] for b in buttons(restored.args["blocks"])] == ["Open", "Save", "Report"]

    # A second officer's click (or a double click) decides nothing more and tells nobody again.
    assert f"<@{officer}> already restored this lead." in press(workspace, ids.REMOVE, str(lead.id), user=workspace.officer())["text"]
    settle(workspace)
    assert len(dms(workspace, poster, "restored")) == 1 and dms(workspace, poster, "removed") == []
    assert the_lead(workspace, lead.role).status == "open"
    # The queue message was answered in place, not updated again.
    assert len(post_updates(workspace, officers_channel, queued.response["ts"])) == 1
    assert history_of(workspace, lead.id) == [
        (poster, "posted"), (first, "reported"), (second, "reported"), ("app", "hidden"), (third, "reported"), (officer, "restored")]


def test_an_officers_report_hides_a_lead_and_removing_it_from_home_tells_the_poster_once(workspace):
    officer, other_officer, poster = workspace.officer(), workspace.officer(), workspace.member()
    list_officer(workspace, officer)
    officers_channel = new_id("C")
    configure_club(workspace, officer, officers_channel=officers_channel)
    lead = shared(workspace, poster, f"{new_id('Scam')} role")
    open_home(workspace, officer)
    eventually_got(lambda: publishes(workspace, officer, "Leads to review"), count=1, timeout=10)

    reported(workspace, officer, lead.id, "inappropriate")
    assert the_lead(workspace, lead.role).status == "hidden"
    [queued] = eventually_got(lambda: posted_in(workspace, officers_channel), count=1)
    assert "Inappropriate" in all_text(queued.args["blocks"]) and f"<@{officer}> (officer)" in all_text(queued.args["blocks"])
    # The officers' Home lists it with its reason and the buttons.
    [home] = eventually_got(lambda: publishes(workspace, officer, "hidden after 1 report: Inappropriate"), count=1, timeout=10)
    assert {(b["action_id"], b.get("value")) for b in buttons(home.args["view"]["blocks"])} >= {(ids.RESTORE, str(lead.id)), (ids.REMOVE, str(lead.id))}

    # Two officers press Remove at the same instant: one decides, the poster hears once.
    answers: list = []
    threads = [threading.Thread(target=lambda who=who: answers.append(press(workspace, ids.REMOVE, str(lead.id), user=who))) for who in (officer, other_officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 2 and sum("already removed this lead" in (answer.get("text") or "") for answer in answers) == 1
    assert the_lead(workspace, lead.role).status == "removed"
    eventually_got(lambda: dms(workspace, poster, "removed"), count=1)
    # The queue message in the channel now says who decided.
    [update] = eventually_got(lambda: post_updates(workspace, officers_channel, queued.response["ts"]), count=1)
    assert "Removed by <@" in all_text(update.args["blocks"]) and buttons(update.args["blocks"]) == []
    # From Home, once decided, nothing more happens.
    click_in_home(workspace, ids.RESTORE, str(lead.id), user=officer)
    eventually(lambda: len(dms(workspace, officer, "already removed this lead")) == 1)
    settle(workspace)
    assert len(dms(workspace, poster, "removed")) == 1 and dms(workspace, poster, "restored") == []
    assert [action for _, action in history_of(workspace, lead.id)] == ["posted", "reported", "hidden", "removed"]
    eventually(lambda: publishes(workspace, officer, "Nothing waiting") != [], timeout=10)


def test_a_member_reports_a_lead_only_once_and_never_their_own(workspace):
    poster, member = workspace.member(), workspace.member()
    lead = shared(workspace, poster, f"{new_id('Once')} role")
    reported(workspace, member, lead.id, "closed")
    again = report(workspace, member, lead.id, "spam").json()
    assert again == {"response_action": "errors", "errors": {ids.REPORT_REASON: "You have already reported this lead. The officers see your report."}}
    assert "already reported" in press(workspace, ids.REPORT, str(lead.id), user=member)["text"]
    own = report(workspace, poster, lead.id, "spam").json()
    assert own["errors"] == {ids.REPORT_REASON: "You shared this lead: edit or close it instead of reporting it."}
    assert reports_of(workspace, lead.id) == [(member, "closed")]
    assert the_lead(workspace, lead.role).status == "open"
    assert [action for _, action in history_of(workspace, lead.id)] == ["posted", "reported"]


# ---- first leads wait for approval ---------------------------------------------------------------------


def test_a_guests_first_lead_waits_for_an_officers_approval(workspace):
    officer, member = workspace.officer(), workspace.member()
    list_officer(workspace, officer)  # no officers' channel: each officer is asked by DM
    guest = new_id("U")
    workspace.fake.add_user(guest, team_id=workspace.team_id, is_restricted=True)
    word = new_id("Guestlead")
    lead = shared(workspace, guest, f"{word} intern")
    assert lead.status == "pending" and announcement_jobs(workspace, lead.id) == []
    eventually_got(lambda: dms(workspace, guest, "waits for an officer's approval"), count=1)
    [asked] = eventually_got(lambda: dms(workspace, officer, "first lead waits for an officer's approval"), count=1)
    assert {b["action_id"]: b["value"] for b in buttons(asked.args["blocks"])} == {ids.APPROVE: str(lead.id), ids.DECLINE: str(lead.id)}
    assert lead.role not in listing(workspace, word)

    for crafted in (member, guest):
        assert ONLY_OFFICERS_APPROVE in press(workspace, ids.APPROVE, str(lead.id), user=crafted)["text"]
    assert the_lead(workspace, lead.role).status == "pending" and announcement_jobs(workspace, lead.id) == []

    decided = press(workspace, ids.APPROVE, str(lead.id), user=officer, channel_id=asked.response["channel"], message=message_of(asked))
    assert decided["replace_original"] is True and f"Approved by <@{officer}>" in all_text(decided["blocks"])
    [announced] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert announced.announce_channel == workspace.channel
    assert lead.role in listing(workspace, word)
    eventually_got(lambda: dms(workspace, guest, "was approved"), count=1)
    assert "already approved this lead" in press(workspace, ids.DECLINE, str(lead.id), user=workspace.officer())["text"]

    # Once one lead went out, the guest's next one doesn't wait.
    assert shared(workspace, guest, f"{word} second").status == "open"

    # Another guest's first lead, declined.
    stranger = new_id("U")
    workspace.fake.add_user(stranger, team_id=workspace.team_id, is_ultra_restricted=True)
    declined = shared(workspace, stranger, f"{new_id('Declined')} intern")
    assert declined.status == "pending"
    press(workspace, ids.DECLINE, str(declined.id), user=officer)
    assert the_lead(workspace, declined.role).status == "declined"
    eventually_got(lambda: dms(workspace, stranger, "declined your lead"), count=1)
    settle(workspace)
    assert len(dms(workspace, guest, "was approved")) == 1 and len(dms(workspace, stranger, "declined")) == 1
    assert announcement_jobs(workspace, declined.id) == [] and declined.role not in listing(workspace, declined.role.split()[0])
    assert history_of(workspace, lead.id) == [(guest, "posted"), (officer, "approved")]
    assert history_of(workspace, declined.id) == [(stranger, "posted"), (officer, "declined")]


def test_the_club_can_make_every_members_first_lead_wait(workspace):
    officer, member = workspace.officer(), workspace.member()
    list_officer(workspace, officer)
    values = config_values()
    values[club_ids.APPROVE_FIRST_LEADS] = {"value": {"type": "checkboxes", "selected_options": [{"text": {"type": "plain_text", "text": "on"}, "value": "on"}]}}
    assert workspace.submit(club_ids.CONFIG_FORM, values, user=officer).body == b""
    workspace.command("/club", "config", user=officer)
    [form] = workspace.fake.wait_for("views.open", predicate=lambda call: call.args["view"].get("callback_id") == club_ids.CONFIG_FORM
                                     and workspace.team_id in call.args["view"].get("private_metadata", "")
                                     and call.args["view"]["blocks"][-1].get("block_id") == club_ids.APPROVE_FIRST_LEADS
                                     and call.args["view"]["blocks"][-1]["element"].get("initial_options"))
    assert form.args["view"]["blocks"][-1]["element"]["initial_options"][0]["text"]["text"] == "Every new member's first lead waits for approval"

    open_home(workspace, officer)
    eventually_got(lambda: publishes(workspace, officer, "Leads to review"), count=1, timeout=10)
    word = new_id("Firstlead")
    lead = shared(workspace, member, f"{word} associate")
    assert lead.status == "pending"
    assert shared(workspace, officer, f"{new_id('Officers')} own").status == "open"  # officers never wait
    eventually_got(lambda: dms(workspace, member, "waits for an officer's approval"), count=1)
    [home] = eventually_got(lambda: publishes(workspace, officer, f"{word} associate"), count=1, timeout=10)
    assert (ids.APPROVE, str(lead.id)) in {(b["action_id"], b.get("value")) for b in buttons(home.args["view"]["blocks"])}

    click_in_home(workspace, ids.APPROVE, str(lead.id), user=officer)
    eventually(lambda: the_lead(workspace, lead.role).status == "open")
    eventually(lambda: the_lead(workspace, lead.role).announce_ts is not None)
    assert lead.role in listing(workspace, word)
    eventually_got(lambda: dms(workspace, member, "was approved"), count=1)

    # Turned off again (the form submitted without the box), a new member's first lead goes out at once.
    configure_club(workspace, officer)
    assert shared(workspace, workspace.member(), f"{new_id('Free')} role").status == "open"
