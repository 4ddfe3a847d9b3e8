"""Gig views as data: what a reader sees, user text kept inert, and valid Block Kit (the fast
layer: no app, no database)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from slackapp.gigs import ids, views
from slackapp.gigs.models import Gig, GigRequest, Spot
from slackapp.gigs.service import Joined, Roster
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems, view_problems
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons

pytestmark = pytest.mark.fast


def gig(**changes) -> Gig:
    fields = dict(
        id=5, team_id="T1", title="Club website", needed="Rebuild our page", skills="web design", hours=Decimal("4.5"), slots=2,
        due_date=date(2031, 3, 20), contact="UCONTACT", organization=None, posted_by="UOFF", status="open",
    )
    fields.update(changes)
    return Gig(**fields)


def message(text_and_blocks) -> dict:
    text, blocks = text_and_blocks
    found = {"text": text, "blocks": to_dicts(blocks)}
    assert message_problems(found) == []
    return found


def test_the_announcement_shows_the_gig_and_how_full_it_is():
    post = message(views.announcement(gig(), Roster(volunteers=["U1"], waitlist=[])))
    text = all_text(post["blocks"])
    assert "about 4.5 h · skills: web design · due Mar 20, 2031 · contact <@UCONTACT>" in text and "*1 of 2 spots filled*" in text
    assert [(b["text"]["text"], b["action_id"]) for b in buttons(post["blocks"])] == [
        ("Volunteer", ids.VOLUNTEER), ("Withdraw", ids.WITHDRAW), ("Mark done", ids.DONE)]


def test_a_full_gig_offers_the_waitlist_and_a_done_gig_offers_nothing():
    full = message(views.announcement(gig(slots=1), Roster(volunteers=["U1"], waitlist=["U2", "U3"])))
    assert buttons(full["blocks"])[0]["text"]["text"] == "Join the waitlist"
    assert "*1 of 1 spot filled* · 2 on the waitlist" in all_text(full["blocks"])
    done = message(views.announcement(gig(status="done"), Roster(volunteers=["U1"], waitlist=[])))
    assert buttons(done["blocks"]) == [] and "*Done* · thank you, volunteers!" in all_text(done["blocks"])


def test_user_text_in_a_gig_is_escaped_everywhere_it_is_shown():
    shown = gig(title=EVIL, needed=EVIL, skills=EVIL, organization=EVIL)
    rendered = [
        json.dumps(message(views.announcement(shown, Roster(volunteers=[], waitlist=[])))),
        json.dumps(to_dicts(views.gig_list([(shown, Roster(volunteers=[], waitlist=[]))]))),
        views.volunteer_dm(shown), views.joined(shown, Joined(spot=Spot.waitlist, position=3, new=True)),
    ]
    assert all(ESCAPED in text for text in rendered[2:]) and ESCAPED in all_text(json.loads(rendered[0])["blocks"])
    assert not [live for text in rendered for live in LIVE if live in text]


def test_the_finish_form_asks_each_volunteers_hours_prefilled_with_the_estimate():
    view = views.finish_form(gig(title=EVIL), [("U1", "Ada"), ("U2", "Grace")]).to_dict()
    assert view_problems(view) == []
    inputs = {block["block_id"]: block["element"]["initial_value"] for block in view["blocks"] if block["type"] == "input"}
    assert inputs == {f"{ids.HOURS_BLOCK}U1": "4.5", f"{ids.HOURS_BLOCK}U2": "4.5"}
    nobody = views.finish_form(gig(), []).to_dict()
    assert view_problems(nobody) == [] and "Nobody volunteered" in all_text(nobody["blocks"])


def test_a_decided_request_shows_who_decided_and_why_instead_of_buttons():
    asked = GigRequest(id=3, team_id="T1", requester="UGUEST", organization=EVIL, needed="A webmaster", hours=Decimal("6"), status="pending")
    pending = message(views.request_review(asked))
    assert [b["action_id"] for b in buttons(pending["blocks"])] == [ids.APPROVE, ids.DECLINE]
    asked.status, asked.decided_by, asked.reason = "declined", "UOFF", EVIL
    declined = message(views.request_review(asked))
    assert buttons(declined["blocks"]) == [] and f"Declined by <@UOFF>: {ESCAPED}" in all_text(declined["blocks"])


@pytest.mark.parametrize("form", [lambda: views.gig_form(poster="UOFF", channel="C1"), views.request_form,
                                  lambda: views.decline_form(GigRequest(id=3, organization=EVIL), channel="C1", ts="1.2")])
def test_the_gig_forms_are_valid_modals(form):
    assert view_problems(form().to_dict()) == []


def test_counts_of_one_read_right_in_the_overdue_note_and_the_thanks():
    _, blocks = views.overdue(gig(slots=1), Roster(volunteers=[], waitlist=[]))
    assert "has 0 of 1 spot filled" in all_text(to_dicts(blocks))
    assert "1 volunteer hour is on your record" in views.thanks_dm(gig(), Decimal("1.0"))
    assert "2.5 volunteer hours are on your record" in views.thanks_dm(gig(), Decimal("2.5"))
