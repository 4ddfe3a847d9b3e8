"""Slack's errors are waited out: every message the app owes goes out exactly once whatever Slack
answers first (429 with Retry-After, a server error), posts that show counts converge, and what a
person is waiting for right now (a modal, a file) fails with a clear word instead of silence."""

from __future__ import annotations

import pytest

from tests.conftest import new_id
from tests.events.support import GOING, create_event, react, updates_of as event_updates
from tests.gigs.test_gigs_e2e import gigs_of, post_announced_gig, updates_of as gig_updates
from tests.helpers import all_text, answer_to, dms, eventually, eventually_got, press, share_lead

RATE_LIMITED = {"status": 429, "error": "ratelimited", "retry_after": 1}


def sent(calls) -> list:
    return [call for call in calls if not call.failed]


def test_a_promotion_dm_refused_once_with_429_is_sent_once(workspace):
    officer, first, second = workspace.officer(), workspace.member(), workspace.member()
    gig = post_announced_gig(workspace, officer, slots="1")
    press(workspace, "gig_volunteer", str(gig.id), user=first)
    press(workspace, "gig_volunteer", str(gig.id), user=second)
    workspace.fake.fail("chat.postMessage", **RATE_LIMITED, match={"channel": second})

    press(workspace, "gig_withdraw", str(gig.id), user=first)

    [promotion] = eventually_got(lambda: dms(workspace, second, "A spot opened up"), count=1, timeout=15)
    tries = [call for call in workspace.fake.calls_to("chat.postMessage", channel=second) if "A spot opened up" in (call.args.get("text") or "")]
    assert [call.status for call in tries] == [429, 200]
    assert promotion.at - tries[0].at >= 1.0  # Slack's Retry-After was respected


def test_a_gig_post_update_refused_with_429_ends_up_right(workspace):
    officer, volunteer = workspace.officer(), workspace.member()
    gig = post_announced_gig(workspace, officer, slots="3")
    workspace.fake.fail("chat.update", **RATE_LIMITED, match={"ts": gig.announce_ts})

    press(workspace, "gig_volunteer", str(gig.id), user=volunteer)

    def shows_the_volunteer() -> bool:
        updates = gig_updates(workspace, gig)
        return bool(updates) and not updates[-1].failed and "1 of 3 spots filled" in all_text(updates[-1].args["blocks"])

    eventually(shows_the_volunteer, timeout=15)
    assert [call.status for call in gig_updates(workspace, gig)] == [429, 200]


def test_an_event_announcement_refused_with_429_is_posted_once_and_nobody_is_told_otherwise(workspace):
    officer = workspace.officer()
    workspace.fake.fail("chat.postMessage", **RATE_LIMITED, match={"channel": workspace.channel})

    event = create_event(workspace, officer)

    posts = [call for call in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) if event.title in all_text(call.args.get("blocks") or [])]
    assert [call.status for call in posts] == [429, 200]
    assert dms(workspace, officer) == []  # no "couldn't announce" note, so no reason to try again


def test_reactions_and_deletions_refused_with_429_are_done_once(workspace):
    officer = workspace.officer()
    workspace.fake.fail("reactions.add", **RATE_LIMITED, match={"channel": workspace.channel})
    event = create_event(workspace, officer)
    eventually(lambda: len(sent(workspace.fake.calls_to("reactions.add", channel=event.channel, timestamp=event.post_ts))) == 3, timeout=15)
    assert sorted(call.args["name"] for call in sent(workspace.fake.calls_to("reactions.add", timestamp=event.post_ts))) == ["thinking_face", "white_check_mark", "x"]

    workspace.fake.fail("chat.delete", **RATE_LIMITED, match={"ts": event.post_ts})
    assert "Deleted" in press(workspace, "event_delete", str(event.id), user=officer)["text"]
    eventually(lambda: [call.status for call in workspace.fake.calls_to("chat.delete", ts=event.post_ts)] == [429, 200], timeout=15)


def test_counts_converge_after_a_server_error_on_the_update(workspace):
    officer, member = workspace.officer(), workspace.member()
    event = create_event(workspace, officer)
    workspace.fake.fail("chat.update", status=503, error="service_unavailable", match={"ts": event.post_ts})
    react(workspace, event, member, GOING)

    def shows_one_going() -> bool:
        updates = event_updates(workspace, event, failed=True)
        return bool(updates) and not updates[-1].failed and "1 going" in all_text(updates[-1].args["blocks"])

    # A server error backs off (about a second, then 10 s and more) instead of hammering Slack.
    eventually(shows_one_going, timeout=30)


def test_a_lead_announcement_slack_refuses_for_good_is_told_to_the_poster(workspace):
    workspace.fake.fail("chat.postMessage", error="is_archived", match={"channel": workspace.channel})
    poster = workspace.member()
    share_lead(workspace, poster, role=f"Archived {new_id('R')}")
    [note] = eventually_got(lambda: dms(workspace, poster, "couldn't announce"), count=1, timeout=10)
    assert f"<#{workspace.channel}> is archived" in note.args["text"]


@pytest.mark.parametrize(
    "method, error, command, expected",
    [
        ("views.open", "expired_trigger_id", "post", "Slack took too long to open the form"),
        ("views.open", "internal_error", "request", "Slack took too long to open the form"),
    ],
)
def test_a_modal_slack_cant_open_is_explained(workspace, method, error, command, expected):
    workspace.fake.fail(method, error=error)
    url = workspace.response_url()
    user = workspace.officer() if command == "post" else workspace.member()
    reply = workspace.command("/gigs", command, user=user, response_url=url)
    assert reply.status == 200
    [answer] = workspace.responses(url)
    assert expected in answer.args["text"]
    assert gigs_of(workspace) == []


@pytest.mark.parametrize("method", ["conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal"])
def test_a_file_slack_doesnt_take_is_explained(workspace, method):
    officer = workspace.officer()
    event = create_event(workspace, officer)
    workspace.fake.fail(method, error="internal_error", match={} if method != "conversations.open" else {"users": officer})
    answers = []
    url = workspace.response_url()
    workspace.click("event_roster_csv", str(event.id), user=officer, response_url=url)
    answers = workspace.responses(url, timeout=10)
    assert "Slack didn't take the file" in answers[-1].args["text"]


def test_an_admin_whom_slack_cant_look_up_is_refused_politely(workspace):
    admin = workspace.member(admin=True)
    workspace.fake.fail("users.info", status=500, error="internal_error", times=None, match={"user": admin})
    url = workspace.response_url()
    reply = workspace.command("/club", "config", user=admin, response_url=url)
    assert "Only club officers" in answer_to(workspace, reply, url)["text"]
