"""The help queue end to end (signed requests in, Web API calls and stored rows out), on SQLite and
PostgreSQL: twenty helpers claiming one request at the same instant leave exactly one claim and one
introduction, the link reaches the claimer only, the officers hear of a request unclaimed for 48 h
once, both people are reminded at 2 and 7 days and the request closes by itself at 14, the rating
reaches only the helper and the officers, the helper earns passport points, the requester withdraws,
and crafted clicks and forms change nothing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import select

from slackapp.ask import ids
from slackapp.ask.models import HelpRequest
from slackapp.club import ids as club_ids
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import (
    ESCAPED,
    EVIL,
    LIVE,
    all_text,
    answer_to,
    buttons,
    config_values,
    dms,
    eventually,
    eventually_got,
    owed_now,
    press,
    text_state,
    tick,
)
from tests.home.test_home_e2e import click_in_home, open_home, publishes
from tests.leads.test_moderation_e2e import list_officer, message_of, posted_in

HELPERS = 20


# ---- acting ------------------------------------------------------------------------------------------


def option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def ask(workspace, user: str, *, kind="resume", topic="Review my resume for a marketing internship", link=None, availability="Weekday evenings"):
    values = {
        ids.KIND: {ids.VALUE: {"type": "static_select", "selected_option": option(kind)}},
        ids.TOPIC: text_state(topic),
        ids.LINK: text_state(link),
        ids.AVAILABILITY: text_state(availability),
    }
    reply = workspace.submit(ids.FORM, values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text
    return requests_of(workspace)[-1]


def become_helper(workspace, user: str, *kinds: str) -> None:
    url = workspace.response_url()
    answer = answer_to(workspace, workspace.command(ids.COMMAND, "helper on " + " ".join(kinds), user=user, response_url=url), url)
    assert "You take requests for" in answer["text"], answer


def configure(workspace, officer: str, *, officers_channel=None, helpers_channel=None) -> None:
    values = config_values(officers_channel=officers_channel)
    values[club_ids.HELPERS_CHANNEL] = {"value": {"type": "conversations_select", "selected_conversation": helpers_channel}}
    reply = workspace.submit(club_ids.CONFIG_FORM, values, user=officer)
    assert reply.status == 200 and reply.body == b"", reply.text


def rate(workspace, user: str, request_id: int, rating: str, note: str | None = None):
    values = {ids.RATING: {ids.VALUE: {"type": "radio_buttons", "selected_option": option(rating)}}, ids.NOTE: text_state(note)}
    return workspace.submit(ids.DONE_FORM, values, user=user, private_metadata=json.dumps({"request_id": request_id}))


# ---- reading -------------------------------------------------------------------------------------------


def requests_of(workspace) -> list[HelpRequest]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(HelpRequest).where(HelpRequest.team_id == workspace.team_id).order_by(HelpRequest.id)))


def the_request(workspace, request_id: int) -> HelpRequest:
    [found] = [request for request in requests_of(workspace) if request.id == request_id]
    return found


def state(workspace, request_id: int) -> tuple:
    found = the_request(workspace, request_id)
    return found.status, found.helper, found.turn, found.rating, found.note, found.closed_at


def jobs_of(workspace) -> list[str]:
    with workspace.server.store.read() as session:
        return sorted(session.scalars(select(Job.key).where(Job.team_id == workspace.team_id)))


def settle(workspace) -> None:
    eventually(lambda: owed_now(workspace) == [], timeout=10)


def calls_naming(workspace, text: str, since: int) -> list:
    """Every Web API and response_url call the app made since `since` that carries `text` anywhere."""
    return [call for call in workspace.fake.calls[since:] if text in json.dumps(call.args, default=str)]


def helper_forms(workspace) -> list:
    return [call for call in workspace.fake.calls_to("views.open") if call.args["view"].get("callback_id") == ids.HELPER_FORM]


def refused(answer: dict, message: str) -> bool:
    return message in (answer.get("text") or "") and answer.get("response_type") == "ephemeral"


# ---- the claim race ------------------------------------------------------------------------------------------


def test_twenty_helpers_claim_at_once_and_exactly_one_gets_the_request_and_its_link(workspace):
    since = len(workspace.fake.calls)
    officer, requester = workspace.officer(), workspace.member()
    helpers_channel = new_id("C")
    configure(workspace, officer, helpers_channel=helpers_channel)
    helpers = [workspace.member() for _ in range(HELPERS)]
    for helper in helpers[1:]:
        become_helper(workspace, helper, "resume", "interview")
    # One opts in through the form.
    forms = len(helper_forms(workspace))
    workspace.command(ids.COMMAND, "helper on", user=helpers[0])
    eventually(lambda: len(helper_forms(workspace)) == forms + 1)
    reply = workspace.submit(ids.HELPER_FORM, {ids.KINDS: {ids.VALUE: {"type": "checkboxes", "selected_options": [option("resume")]}}}, user=helpers[0])
    assert reply.status == 200 and reply.body == b"", reply.text
    eventually_got(lambda: dms(workspace, helpers[0], "You take requests for: resume review"), count=1)

    link = f"https://drive.example/{new_id('resume')}.pdf"
    request = ask(workspace, requester, topic=EVIL, link=link, availability=EVIL)
    assert (request.status, request.link, request.helper) == ("open", link, None)
    [post] = eventually_got(lambda: posted_in(workspace, helpers_channel), count=1)
    shown = post.args["text"] + all_text(post.args["blocks"])
    assert ESCAPED in shown and not any(live in shown for live in LIVE) and link not in json.dumps(post.args)
    assert [(b["action_id"], b["value"]) for b in buttons(post.args["blocks"])] == [(ids.CLAIM, str(request.id))]
    eventually_got(lambda: dms(workspace, requester, "went in the helpers' channel"), count=1)

    # Twenty helpers press Claim on the post at the same instant.
    urls = {helper: workspace.response_url() for helper in helpers}
    start = threading.Barrier(HELPERS)
    replies: list = []

    def click(helper: str) -> None:
        start.wait()
        replies.append(workspace.click(ids.CLAIM, str(request.id), user=helper, response_url=urls[helper], channel_id=helpers_channel, message=message_of(post)))

    threads = [threading.Thread(target=click, args=(helper,)) for helper in helpers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [reply.status for reply in replies] == [200] * HELPERS

    def answers(helper):
        return [call.args for call in workspace.fake.calls_to("response_url") if call.tag == urls[helper].rsplit("/", 1)[1]]

    # Each claim is decided before its answer: the request is taken now.
    status, winner, *_ = state(workspace, request.id)
    assert status == "claimed" and winner in helpers
    losers = [helper for helper in helpers if helper != winner]
    eventually(lambda: all(len(answers(helper)) == 1 for helper in losers) and len(answers(winner)) == 2, timeout=20)
    assert all(refused(answers(helper)[0], f"<@{winner}> already claimed this request.") for helper in losers)
    replaced, told = answers(winner)
    assert replaced["replace_original"] is True and f"Claimed by <@{winner}>" in all_text(replaced["blocks"]) and buttons(replaced["blocks"]) == []
    assert "It's yours" in told["text"]

    # One introduction each, the link to the claimer only.
    [intro] = eventually_got(lambda: dms(workspace, winner, "You claimed"), count=1)
    assert f"<{link}>" in all_text(intro.args["blocks"]) and ESCAPED in all_text(intro.args["blocks"])
    assert [b["action_id"] for b in buttons(intro.args["blocks"])] == [ids.HAND_BACK]
    [met] = eventually_got(lambda: dms(workspace, requester, "claimed your request"), count=1)
    assert f"<@{winner}>" in met.args["text"] and [b["action_id"] for b in buttons(met.args["blocks"])] == [ids.DONE, ids.WITHDRAW]
    settle(workspace)
    assert sum(len(dms(workspace, helper, "You claimed")) for helper in helpers) == 1
    assert len(dms(workspace, requester, "claimed your request")) == 1
    assert [(call.method, call.args.get("channel")) for call in calls_naming(workspace, link, since)] == [("chat.postMessage", winner)]
    # The post was answered in place, so the outbox owes it no update; nothing more was planned.
    assert [call for call in workspace.fake.calls_to("chat.update", channel=helpers_channel) if call.args.get("ts") == post.response["ts"]] == []
    assert [key for key in jobs_of(workspace) if key.startswith(f"{ids.REMIND}:{request.id}:")] == sorted(
        f"{ids.REMIND}:{request.id}:1:{days}:{role}" for days in (2, 7) for role in ("helper", "requester"))

    # Too late, or crafted: nothing changes.
    assert refused(press(workspace, ids.CLAIM, str(request.id), user=officer), f"<@{winner}> already claimed this request.")
    assert state(workspace, request.id)[:2] == ("claimed", winner)


# ---- follow-ups -----------------------------------------------------------------------------------------------


def test_unclaimed_for_48_hours_goes_to_the_officers_once_then_reminders_and_the_close_at_14_days(workspace, dispatcher):
    officer, requester, helper = workspace.officer(), workspace.member(), workspace.member()
    officers_channel = new_id("C")
    configure(workspace, officer, officers_channel=officers_channel)  # no helpers' channel: the officers'
    become_helper(workspace, helper, "interview")
    request = ask(workspace, requester, kind="interview", topic="A mock interview for a consulting role")
    [post] = eventually_got(lambda: posted_in(workspace, officers_channel), count=1)
    assert "Mock interview" in all_text(post.args["blocks"])
    settle(workspace)

    def unclaimed():
        return [call for call in posted_in(workspace, officers_channel) if "Unclaimed for 48 hours" in call.args["text"]]

    tick(workspace, dispatcher, request.queued_at + timedelta(hours=47, minutes=59))
    assert unclaimed() == []
    tick(workspace, dispatcher, request.queued_at + timedelta(hours=48))
    [notice] = unclaimed()
    assert [(b["action_id"], b["value"]) for b in buttons(notice.args["blocks"])] == [(ids.CLAIM, str(request.id))]
    for hours in (49, 72, 200):
        tick(workspace, dispatcher, request.queued_at + timedelta(hours=hours))
    assert len(unclaimed()) == 1

    # Claimed from the officers' notice: reminders at 2 and 7 days, to both, with a way to stop them.
    press(workspace, ids.CLAIM, str(request.id), user=helper, channel_id=officers_channel, message=message_of(notice))
    eventually_got(lambda: dms(workspace, helper, "You claimed"), count=1)
    claimed_at = the_request(workspace, request.id).claimed_at
    # The channel's post shows who claimed it.
    [update] = eventually_got(lambda: [c for c in workspace.fake.calls_to("chat.update", channel=officers_channel) if c.args["ts"] == post.response["ts"]], count=1)
    assert f"Claimed by <@{helper}>" in all_text(update.args["blocks"]) and buttons(update.args["blocks"]) == []
    settle(workspace)

    tick(workspace, dispatcher, claimed_at + timedelta(days=2) - timedelta(minutes=1))
    assert dms(workspace, requester, "It's been") == [] and dms(workspace, helper, "It's been") == []
    tick(workspace, dispatcher, claimed_at + timedelta(days=2))
    [to_requester] = dms(workspace, requester, "It's been 2 days")
    [to_helper] = dms(workspace, helper, "It's been 2 days")
    assert [b["action_id"] for b in buttons(to_requester.args["blocks"])] == [ids.DONE, ids.WITHDRAW]
    assert [b["action_id"] for b in buttons(to_helper.args["blocks"])] == [ids.HAND_BACK]
    tick(workspace, dispatcher, claimed_at + timedelta(days=3))
    tick(workspace, dispatcher, claimed_at + timedelta(days=7))
    assert len(dms(workspace, requester, "It's been 7 days")) == 1 and len(dms(workspace, helper, "It's been 7 days")) == 1
    assert len(dms(workspace, requester, "It's been")) == 2 and len(dms(workspace, helper, "It's been")) == 2

    # Nobody closed it: at 14 days it closes by itself, with a note to both, once.
    tick(workspace, dispatcher, claimed_at + timedelta(days=14) - timedelta(minutes=1))
    assert the_request(workspace, request.id).status == "claimed"
    tick(workspace, dispatcher, claimed_at + timedelta(days=14))
    assert the_request(workspace, request.id).status == "expired"
    assert len(dms(workspace, requester, "Your request for a mock interview closed by itself")) == 1
    assert len(dms(workspace, helper, f"<@{requester}>'s request for a mock interview closed by itself")) == 1
    closed = [c for c in workspace.fake.calls_to("chat.update", channel=officers_channel) if c.args["ts"] == post.response["ts"]]
    assert len(closed) == 2 and "Closed." in all_text(closed[-1].args["blocks"])
    tick(workspace, dispatcher, claimed_at + timedelta(days=15))
    assert len(dms(workspace, requester, "closed by itself")) == 1 and len(dms(workspace, helper, "closed by itself")) == 1
    assert the_request(workspace, request.id).rating is None
    # Closed by itself, nobody confirmed the help: no points.
    url = workspace.response_url()
    record = answer_to(workspace, workspace.command("/passport", "", user=helper, response_url=url), url)
    assert "*Helping others*: 0 points" in all_text(record["blocks"])


# ---- closing: the requester only; the rating for the helper and officers ----------------------------------------


def test_the_requester_rates_the_help_which_only_the_helper_and_officers_see_and_the_helper_earns_points(workspace, dispatcher):
    since = len(workspace.fake.calls)
    officer, requester, helper, member = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    list_officer(workspace, officer)  # no channels: every helper and officer is asked by DM
    become_helper(workspace, helper, "advice")
    become_helper(workspace, member, "interview")  # a helper, of another kind
    open_home(workspace, officer)
    open_home(workspace, member)
    eventually(lambda: publishes(workspace, officer, "Help queue") != [], timeout=15)

    # Home's "Ask for help" opens the same form.
    trigger = new_id("trigger")
    click_in_home(workspace, ids.OPEN, None, user=requester, trigger_id=trigger)
    [form] = workspace.fake.wait_for("views.open", predicate=lambda call: call.args.get("trigger_id") == trigger)
    assert form.args["view"]["callback_id"] == ids.FORM

    link = f"https://docs.example/{new_id('plan')}"
    request = ask(workspace, requester, kind="advice", topic="Choosing between two offers", link=link)
    [asked] = eventually_got(lambda: dms(workspace, helper, "A member asks for help"), count=1)
    assert [(b["action_id"], b["value"]) for b in buttons(asked.args["blocks"])] == [(ids.CLAIM, str(request.id)), (ids.STOP, str(request.id))]
    eventually_got(lambda: dms(workspace, officer, "A member asks for help"), count=1)
    assert dms(workspace, member, "A member asks for help") == [] and dms(workspace, requester, "A member asks for help") == []
    # The helper, the listed officer and the one configured in SLACKAPP_OFFICERS.
    eventually_got(lambda: dms(workspace, requester, "went to 3 helpers"), count=1)
    eventually(lambda: publishes(workspace, officer, "1 open request") != [], timeout=15)

    # Crafted claims: a member who doesn't take this kind, the requester, a value naming someone else.
    before = state(workspace, request.id)
    assert refused(press(workspace, ids.CLAIM, str(request.id), user=member), "Only helpers can claim requests")
    assert refused(press(workspace, ids.CLAIM, str(request.id), user=workspace.member()), "Only helpers can claim requests")
    assert refused(press(workspace, ids.CLAIM, str(request.id), user=requester), "That's your own request")
    for crafted in (f"{request.id}:{member}", json.dumps({"request_id": request.id, "helper": member}), f"{request.id} {member}"):
        assert refused(press(workspace, ids.CLAIM, crafted, user=helper), "That request no longer exists.")
    settle(workspace)
    assert state(workspace, request.id) == before
    assert [key for key in jobs_of(workspace) if key.startswith((f"{ids.REMIND}:", f"dm:ask-{request.id}-1-claimed"))] == []

    # The helper claims from their DM.
    press(workspace, ids.CLAIM, str(request.id), user=helper, channel_id=asked.response["channel"], message=message_of(asked))
    assert state(workspace, request.id)[:2] == ("claimed", helper)
    eventually_got(lambda: dms(workspace, requester, "claimed your request"), count=1)
    # The officer's copy of the question now says who claimed it.
    [officers_copy] = dms(workspace, officer, "A member asks for help")
    eventually_got(lambda: [c for c in workspace.fake.calls_to("chat.update", ts=officers_copy.response["ts"]) if f"Claimed by <@{helper}>" in all_text(c.args["blocks"])], count=1)

    # Crafted closes: nobody but the requester marks it done, rates it or withdraws it.
    before = state(workspace, request.id)
    for someone in (helper, member, officer):
        assert refused(press(workspace, ids.DONE, str(request.id), user=someone), "Only the member who asked can close or withdraw this request.")
        assert refused(press(workspace, ids.WITHDRAW, str(request.id), user=someone), "Only the member who asked can close or withdraw this request.")
        crafted = rate(workspace, someone, request.id, "1", "Terrible").json()
        assert crafted == {"response_action": "errors", "errors": {ids.RATING: "Only the member who asked can close or withdraw this request."}}
    assert refused(press(workspace, ids.HAND_BACK, str(request.id), user=member), "Only the helper who claimed this request can hand it back.")
    settle(workspace)
    assert state(workspace, request.id) == before

    # The requester marks it done and rates it.
    trigger = new_id("trigger")
    workspace.click(ids.DONE, str(request.id), user=requester, trigger_id=trigger)
    [done_form] = workspace.fake.wait_for("views.open", predicate=lambda call: call.args.get("trigger_id") == trigger)
    assert done_form.args["view"]["callback_id"] == ids.DONE_FORM and json.loads(done_form.args["view"]["private_metadata"]) == {"request_id": request.id}
    assert rate(workspace, requester, request.id, "9").json()["errors"] == {ids.RATING: "Pick a rating from 1 to 5."}
    note = f"{new_id('Note')} {EVIL}"
    thanks = rate(workspace, requester, request.id, "4", note).json()
    assert thanks["response_action"] == "update" and "Your helper sees your rating" in all_text(thanks["view"]["blocks"])
    status, _, _, rating, stored_note, _ = state(workspace, request.id)
    assert (status, rating, stored_note) == ("done", 4, note)
    [told] = eventually_got(lambda: dms(workspace, helper, "rated it ★★★★☆ 4/5"), count=1)
    assert note.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in told.args["text"] and not any(live in told.args["text"] for live in LIVE)
    eventually(lambda: publishes(workspace, officer, note.split()[0]) != [], timeout=15)
    home = all_text(publishes(workspace, officer, note.split()[0])[-1].args["view"]["blocks"])
    assert "*Latest ratings* (officers only)" in home and f"★★★★☆ 4/5 · <@{helper}> for <@{requester}>" in home and ESCAPED in home
    # A second "done" changes nothing.
    assert rate(workspace, requester, request.id, "1").json()["errors"] == {ids.RATING: "This request is done."}
    assert state(workspace, request.id)[3] == 4

    # The helper's passport counts it, in "Helping others".
    url = workspace.response_url()
    record = answer_to(workspace, workspace.command("/passport", "", user=helper, response_url=url), url)
    assert "*Helping others*: 2 points from 1 activity" in all_text(record["blocks"])

    # The requester withdraws another request after it was claimed: the helper is told, reminders are moot.
    second = ask(workspace, requester, kind="advice", topic="Negotiating a salary")
    [asked_again] = eventually_got(lambda: dms(workspace, helper, "Negotiating a salary"), count=1)
    press(workspace, ids.CLAIM, str(second.id), user=helper, channel_id=asked_again.response["channel"], message=message_of(asked_again))
    withdrawn = press(workspace, ids.WITHDRAW, str(second.id), user=requester)
    assert "is withdrawn" in withdrawn["text"] and the_request(workspace, second.id).status == "withdrawn"
    eventually_got(lambda: dms(workspace, helper, f"<@{requester}> withdrew their request"), count=1)
    assert refused(press(workspace, ids.WITHDRAW, str(second.id), user=requester), "This request was withdrawn.")
    settle(workspace)
    tick(workspace, dispatcher, the_request(workspace, second.id).claimed_at + timedelta(days=2))
    assert dms(workspace, requester, "It's been") == [] and dms(workspace, helper, "It's been") == []
    # An open one withdrawn: nobody but the requester hears of it.
    third = ask(workspace, requester, kind="other", topic="Something else")
    assert "is withdrawn" in press(workspace, ids.WITHDRAW, str(third.id), user=requester)["text"]

    # `/ask mine`: the requester sees where each request is, never the rating; the helper sees it.
    url = workspace.response_url()
    mine = all_text(answer_to(workspace, workspace.command(ids.COMMAND, "mine", user=requester, response_url=url), url)["blocks"])
    assert "Career advice" in mine and "withdrawn" in mine and "done" in mine and "4/5" not in mine
    url = workspace.response_url()
    helped = all_text(answer_to(workspace, workspace.command(ids.COMMAND, "mine", user=helper, response_url=url), url)["blocks"])
    assert "★★★★☆ 4/5" in helped

    # The link went to the helper only; the rating's note to the helper and the officers' Home only.
    settle(workspace)
    assert {(call.method, call.args.get("channel")) for call in calls_naming(workspace, link, since)} == {("chat.postMessage", helper)}
    for call in calls_naming(workspace, note.split()[0], since):
        assert (call.method, call.args.get("channel") or call.args.get("user_id")) in {("chat.postMessage", helper), ("views.publish", officer)}
    assert publishes(workspace, member, note.split()[0]) == [] and publishes(workspace, member, "Help queue") == []

    # Requests by DM stop from the DM: a helper stops helping; an officer is told where they could go instead.
    assert press(workspace, ids.STOP, str(third.id), user=helper)["text"].startswith("You no longer take requests for help.")
    fourth = ask(workspace, requester, kind="advice", topic="After stopping")
    eventually_got(lambda: dms(workspace, officer, "After stopping"), count=1)
    settle(workspace)
    assert dms(workspace, helper, "After stopping") == []
    assert "an officer can choose one in `/club config`" in press(workspace, ids.STOP, str(fourth.id), user=officer)["text"]


def test_ask_help_and_helper_settings(workspace):
    member = workspace.member()
    url = workspace.response_url()
    shown = answer_to(workspace, workspace.command(ids.COMMAND, "help", user=member, response_url=url), url)
    assert "`/ask helper on`" in all_text(shown["blocks"])
    url = workspace.response_url()
    wrong = answer_to(workspace, workspace.command(ids.COMMAND, "helper on astrology", user=member, response_url=url), url)
    assert "Name kinds of help from" in wrong["text"]
    url = workspace.response_url()
    off = answer_to(workspace, workspace.command(ids.COMMAND, "helper off", user=member, response_url=url), url)
    assert off["text"].startswith("You weren't taking requests")
    become_helper(workspace, member, "resume")
    url = workspace.response_url()
    assert answer_to(workspace, workspace.command(ids.COMMAND, "helper off", user=member, response_url=url), url)["text"].startswith("You no longer take")
    refused_form = workspace.submit(ids.HELPER_FORM, {ids.KINDS: {ids.VALUE: {"type": "checkboxes", "selected_options": []}}}, user=member).json()
    assert refused_form == {"response_action": "errors", "errors": {ids.KINDS: "Pick at least one kind of help you take."}}
    bad = workspace.submit(ids.FORM, {ids.KIND: {ids.VALUE: {"type": "static_select", "selected_option": None}}, ids.TOPIC: text_state(""),
                                      ids.LINK: text_state("javascript:alert(1)"), ids.AVAILABILITY: text_state("now")}, user=member).json()
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {ids.KIND, ids.TOPIC, ids.LINK}
    assert requests_of(workspace) == []
