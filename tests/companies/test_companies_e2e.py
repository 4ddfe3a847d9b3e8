"""Companies end to end, through signed requests: one record for every spelling, merge and split,
the company page (leads, projects, events, consenting alumni), reviews and their approval, the
officers' contact log, Follow through the alerts' DMs, and crafted requests refused."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from slackapp.alerts import ids as alert_ids
from slackapp.companies import ids
from slackapp.companies.models import Company, Contact, Follow, Review
from slackapp.events import ids as event_ids
from slackapp.events.models import Event, Rsvp
from slackapp.leads.models import Lead
from slackapp.micro.models import Project
from tests.conftest import new_id
from tests.events.support import event_values, form_metadata
from tests.helpers import all_text, buttons, eventually, leads_of, plan_all, press, share_lead, text_state
from tests.micro.test_micro_e2e import project_values

# The app's clock matches every 10 s and sends at once; a minute is the promise.
INSTANT_WAIT = 60


# ---- acting and reading ------------------------------------------------------------------------


def shared(workspace, poster: str, company: str, role: str = "Analyst intern") -> Lead:
    url = f"https://companies.example/{new_id('j')}"
    reply = share_lead(workspace, poster, url=url, company=company, role=role)
    assert reply.status == 200 and reply.body == b"", reply.text
    [lead] = [lead for lead in leads_of(workspace) if lead.url == url]
    return lead


def page(workspace, text: str, *, user: str) -> list:
    reply = workspace.command("/companies", text, user=user)
    assert reply.status == 200, reply.text
    return reply.json()["blocks"]


def company_of(workspace, model, row_id: int) -> int | None:
    with workspace.server.store.read() as session:
        return session.scalar(select(model.company_id).where(model.id == row_id))


def companies(workspace) -> list[Company]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Company).where(Company.team_id == workspace.team_id).order_by(Company.id)))


def count(workspace, model) -> int:
    with workspace.server.store.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.team_id == workspace.team_id))


def linked(workspace) -> None:
    """One turn of every planner (the clock's own turn would do the same within 10 s)."""
    from datetime import UTC, datetime

    plan_all(workspace.server.store, datetime.now(UTC))


def button_value(blocks, action_id: str) -> str:
    return next(b for b in buttons(blocks) if b["action_id"] == action_id)["value"]


def project(workspace, poster: str, organization: str) -> Project:
    values = project_values(supervisor=poster)
    values["organization"] = text_state(organization)
    reply = workspace.submit("micro_project_form", values, user=poster)
    assert reply.status == 200 and reply.body == b"", reply.text
    with workspace.server.store.read() as session:
        return session.scalars(select(Project).where(Project.team_id == workspace.team_id).order_by(Project.id.desc())).first()


def event(workspace, officer: str, employer: str) -> Event:
    title = f"Meet the firm {new_id('E')}"
    values = event_values(title=title, channel=workspace.channel)
    values["employer"] = text_state(employer)
    reply = workspace.submit("event_form", values, user=officer, private_metadata=form_metadata(channel=workspace.channel))
    assert reply.status == 200 and reply.body == b"", reply.text
    with workspace.server.store.read() as session:
        return session.scalar(select(Event).where(Event.team_id == workspace.team_id, Event.title == title))


def profile(workspace, user: str, *, past: str, consent: bool) -> None:
    values = {"past_employers": text_state(past), "show_past_employers": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}] if consent else []}}}
    reply = workspace.submit("profile_form", values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text


def review(workspace, user: str, company_id: int, *, text: str, anonymous: bool, rating: str = "4"):
    values = {
        "rating": {"value": {"type": "static_select", "selected_option": {"value": rating}}},
        "role": text_state("Summer analyst"),
        "year": {"value": {"type": "number_input", "value": "2025"}},
        "text": text_state(text),
        "anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}] if anonymous else []}},
    }
    return workspace.submit(ids.REVIEW_FORM, values, user=user, private_metadata=json.dumps({"company_id": company_id}))


def reviews(workspace) -> list[Review]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Review).where(Review.team_id == workspace.team_id).order_by(Review.id)))


# ---- one record per company ----------------------------------------------------------------------


def test_four_spellings_are_one_company(workspace):
    poster = workspace.member()
    found = [shared(workspace, poster, name, role=f"Role {n}") for n, name in enumerate(("ACME Inc.", "Acme", "acme, inc.", "Acme Corporation"))]
    linked(workspace)
    [acme] = companies(workspace)
    assert acme.name == "ACME Inc." and acme.key == "acme"
    assert {company_of(workspace, Lead, lead.id) for lead in found} == {acme.id}
    text = all_text(page(workspace, "acme corp", user=workspace.member()))
    assert all(f"Role {n}" in text for n in range(4))


def test_officers_merge_and_split_and_every_link_follows(workspace):
    poster, officer, member = workspace.member(), workspace.officer(), workspace.member()
    globex = shared(workspace, poster, "Globex")
    holdings = shared(workspace, poster, "Globex Holdings")
    wrong = shared(workspace, poster, "Globex Holdings", role="Cook")
    linked(workspace)
    assert company_of(workspace, Lead, globex.id) != company_of(workspace, Lead, holdings.id)
    follower = workspace.member()
    press(workspace, ids.FOLLOW, str(company_of(workspace, Lead, holdings.id)), user=follower)

    # A member can't merge: nothing changes.
    before = [(c.id, c.merged_into) for c in companies(workspace)]
    refused = workspace.command("/companies", "merge Globex Holdings into Globex", user=member)
    assert "Only club officers" in refused.json()["text"]
    assert [(c.id, c.merged_into) for c in companies(workspace)] == before

    answer = workspace.command("/companies", "merge Globex Holdings into Globex", user=officer).json()
    assert answer["text"].startswith("Merged")
    kept = company_of(workspace, Lead, globex.id)
    assert company_of(workspace, Lead, holdings.id) == kept and company_of(workspace, Lead, wrong.id) == kept
    with workspace.server.store.read() as session:
        assert session.scalar(select(Follow.company_id).where(Follow.user_id == follower)) == kept
    # A new lead spelled as the merged one goes to the kept record.
    later = shared(workspace, poster, "Globex Holdings Inc")
    linked(workspace)
    assert company_of(workspace, Lead, later.id) == kept

    # Split the wrong match off, into a new record; a member can't.
    refused = workspace.command("/companies", f"split lead {wrong.id} into Globex Catering", user=member)
    assert "Only club officers" in refused.json()["text"]
    assert company_of(workspace, Lead, wrong.id) == kept
    answer = workspace.command("/companies", f"split lead {wrong.id} into Globex Catering", user=officer).json()
    assert answer["text"] == "Moved 1 to Globex Catering."
    catering = company_of(workspace, Lead, wrong.id)
    assert catering != kept and company_of(workspace, Lead, globex.id) == kept
    assert "Cook" in all_text(page(workspace, "Globex Catering", user=member))
    assert "Cook" not in all_text(page(workspace, "Globex", user=member))


# ---- the company page ------------------------------------------------------------------------------


def test_the_page_shows_leads_projects_events_and_consenting_alumni_only(workspace):
    poster, officer, viewer = workspace.member(), workspace.officer(), workspace.member()
    lead = shared(workspace, poster, "Initech LLC", role="Data intern")
    work = project(workspace, poster, "INITECH")
    meeting = event(workspace, officer, "Initech, Inc.")
    willing, shy, elsewhere = workspace.member(), workspace.member(), workspace.member()
    profile(workspace, willing, past="Hooli, Initech Corp", consent=True)
    profile(workspace, shy, past="Initech", consent=False)
    profile(workspace, elsewhere, past="Hooli", consent=True)
    linked(workspace)
    ids_linked = {company_of(workspace, Lead, lead.id), company_of(workspace, Project, work.id), company_of(workspace, Event, meeting.id)}
    assert len(ids_linked) == 1 and None not in ids_linked

    text = all_text(page(workspace, "Initech", user=viewer))
    assert "Data intern" in text and work.title in text and meeting.title in text
    assert "fewer than 5 going" in text
    assert f"<@{willing}>" in text
    assert f"<@{shy}>" not in text and f"<@{elsewhere}>" not in text
    # The directory finds it too.
    assert "Initech" in all_text(page(workspace, "", user=viewer))


# ---- reviews -----------------------------------------------------------------------------------------


def test_reviews_wait_for_an_officer_and_show_anonymously_to_members(workspace):
    poster, officer, author, reader = workspace.member(), workspace.officer(), workspace.member(), workspace.member()
    lead = shared(workspace, poster, "Umbrella Corp")
    linked(workspace)
    company_id = company_of(workspace, Lead, lead.id)
    reply = review(workspace, author, company_id, text="Friendly case interview, two rounds.", anonymous=True)
    assert reply.status == 200 and reply.body == b"", reply.text
    [written] = reviews(workspace)
    assert written.status == "pending"
    assert "Friendly case interview" not in all_text(page(workspace, "Umbrella", user=reader))

    # A member's crafted Approve changes nothing.
    refused = press(workspace, ids.APPROVE, str(written.id), user=reader)
    assert "Only club officers" in refused["text"]
    assert [r.status for r in reviews(workspace)] == ["pending"]

    press(workspace, ids.APPROVE, str(written.id), user=officer)
    assert [r.status for r in reviews(workspace)] == ["approved"]
    seen = all_text(page(workspace, "Umbrella", user=reader))
    assert "Friendly case interview" in seen and "by a member" in seen and author not in seen
    assert f"<@{author}> (anonymous to members)" in all_text(page(workspace, "Umbrella", user=officer))

    # Editing sends it back for approval; withdrawing takes it off.
    review(workspace, author, company_id, text="Edited: three rounds.", anonymous=False)
    assert [(r.status, r.text) for r in reviews(workspace)] == [("pending", "Edited: three rounds.")]
    assert "three rounds" not in all_text(page(workspace, "Umbrella", user=reader))
    blocks = page(workspace, "Umbrella", user=author)
    press(workspace, ids.REVIEW_WITHDRAW, button_value(blocks, ids.REVIEW_WITHDRAW), user=author)
    assert [r.status for r in reviews(workspace)] == ["withdrawn"]


# ---- the contact log ----------------------------------------------------------------------------------


def test_the_contact_log_is_for_officers_only(workspace):
    poster, officer, member = workspace.member(), workspace.officer(), workspace.member()
    lead = shared(workspace, poster, "Soylent GmbH")
    linked(workspace)
    company_id = company_of(workspace, Lead, lead.id)
    values = {
        "club_member": {"value": {"type": "users_select", "selected_user": officer}},
        "their_person": text_state("Dana, campus recruiting"),
        "contacted_on": {"value": {"type": "datepicker", "selected_date": "2025-01-15"}},
        "notes": text_state("Open to a spring info session."),
    }
    # A member's crafted form logs nothing.
    reply = workspace.submit(ids.CONTACT_FORM, values, user=member, private_metadata=json.dumps({"company_id": company_id}))
    assert count(workspace, Contact) == 0
    reply = workspace.submit(ids.CONTACT_FORM, values, user=officer, private_metadata=json.dumps({"company_id": company_id}))
    assert reply.status == 200 and reply.body == b"", reply.text
    assert count(workspace, Contact) == 1

    officer_page = page(workspace, "Soylent", user=officer)
    assert "Dana, campus recruiting" in all_text(officer_page) and "spring info session" in all_text(officer_page)
    member_page = page(workspace, "Soylent", user=member)
    assert "Dana" not in all_text(member_page) and "Contact log" not in all_text(member_page)
    assert ids.CONTACT_LOG not in [b["action_id"] for b in buttons(member_page)]
    # A member's crafted click on the officers' Full log button is refused, the log unread.
    refused = press(workspace, ids.CONTACT_LOG, str(company_id), user=member)
    assert "Only club officers" in refused["text"] and "Dana" not in json.dumps(refused)
    full = press(workspace, ids.CONTACT_LOG, str(company_id), user=officer)
    assert "Dana" in all_text(full["blocks"])


# ---- Follow -----------------------------------------------------------------------------------------


def test_follow_delivers_a_new_lead_once_through_the_alerts_dm(workspace):
    poster, follower = workspace.member(), workspace.member()
    first = shared(workspace, poster, "Vandelay Industries")
    linked(workspace)
    blocks = page(workspace, "vandelay", user=follower)
    press(workspace, ids.FOLLOW, button_value(blocks, ids.FOLLOW), user=follower)
    assert ids.UNFOLLOW in [b["action_id"] for b in buttons(page(workspace, "vandelay", user=follower))]

    fresh = shared(workspace, poster, "Vandelay Industries, Inc.", role="Import-export intern")
    other = shared(workspace, poster, "Kramerica", role="Import-export intern")

    def alert_dms():
        return [
            call for call in workspace.fake.calls_to("chat.postMessage", channel=follower) if not call.failed and alert_ids.STOP in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]
        ]

    def leads_in(dm) -> list[int]:
        return [json.loads(b["value"])["i"] for b in buttons(dm.args["blocks"]) if b["action_id"] == alert_ids.SAVE]

    eventually(lambda: [lead for dm in alert_dms() for lead in leads_in(dm)] == [fresh.id], timeout=INSTANT_WAIT)

    # Matched once: more turns of the clock bring nothing more (nor the older lead, nor another company's).
    def matched(lead) -> bool:
        with workspace.server.store.read() as session:
            return session.scalar(select(Lead.alerts_matched_at).where(Lead.id == lead.id)) is not None

    eventually(lambda: matched(other), timeout=INSTANT_WAIT)
    linked(workspace)
    assert [lead for dm in alert_dms() for lead in leads_in(dm)] == [fresh.id]
    assert first.id not in [lead for dm in alert_dms() for lead in leads_in(dm)]
    # Listed among the member's alerts, by the company's name.
    assert "following Vandelay Industries" in all_text(workspace.command("/internships", "alerts", user=follower).json()["blocks"])


def test_follow_delivers_a_new_event_once_and_a_word_alert_never_does(workspace):
    poster, officer, follower, searcher = workspace.member(), workspace.officer(), workspace.member(), workspace.member()
    shared(workspace, poster, "Acme")
    linked(workspace)
    press(workspace, ids.FOLLOW, button_value(page(workspace, "acme", user=follower), ids.FOLLOW), user=follower)
    # Another member's instant alert whose words are the event's title and employer.
    saved = press(workspace, alert_ids.CREATE, "acme meet firm", user=searcher)
    press(workspace, alert_ids.DELIVERY, button_value(saved["blocks"], alert_ids.DELIVERY), user=searcher)

    meeting = event(workspace, officer, "Acme Inc.")

    def event_dms(user: str) -> list:
        return [
            call
            for call in workspace.fake.calls_to("chat.postMessage", channel=user)
            if not call.failed and alert_ids.STOP in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]
        ]

    def events_in(dm) -> list[str]:
        return [b["value"] for b in buttons(dm.args["blocks"]) if b["action_id"] == event_ids.GOING]

    eventually(lambda: [value for dm in event_dms(follower) for value in events_in(dm)] == [str(meeting.id)], timeout=INSTANT_WAIT)
    [dm] = [dm for dm in event_dms(follower) if events_in(dm)]
    assert meeting.title in all_text(dm.args["blocks"])

    # Matched once: more turns of the clock bring it to nobody else, and not again.
    def matched() -> bool:
        with workspace.server.store.read() as session:
            return session.scalar(select(Event.alerts_matched_at).where(Event.id == meeting.id)) is not None

    eventually(matched, timeout=INSTANT_WAIT)
    linked(workspace)
    assert [value for dm in event_dms(follower) for value in events_in(dm)] == [str(meeting.id)]
    assert not any(meeting.title in all_text(call.args.get("blocks") or []) for call in workspace.fake.calls_to("chat.postMessage", channel=searcher))

    # Its Going button answers as the event's own post does.
    press(workspace, event_ids.GOING, str(meeting.id), user=follower)
    with workspace.server.store.read() as session:
        assert session.scalar(select(Rsvp.answer).where(Rsvp.event_id == meeting.id, Rsvp.user_id == follower)) == "going"
