"""Roles and handover end to end (signed requests in, Web API calls and stored rows out), on
SQLite and PostgreSQL: a handover moves the role and every kind of open item, leaving the outgoing
officer none, with one summary DM each; role notes go with the role to the next holder and never to
a member; the term-end checklist comes once; crafted requests from a member change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from slackapp.ask import ids as ask_ids
from slackapp.ask.models import HelpRequest
from slackapp.club.models import Officer
from slackapp.events.models import Event
from slackapp.gigs.models import Gig
from slackapp.micro.models import Bid, Project
from slackapp.roles import ids
from slackapp.roles.models import OfficerRole, RoleNote
from slackapp.scheduler import queue
from slackapp.scheduler.models import Job, JobStatus
from tests.helpers import all_text, answer_to, buttons, dms, eventually, eventually_got, owed_now, press, text_state, tick

NOT_OFFICER = "Only club officers can do that."
NOTES_REFUSED = "Only the role's holder and the club's officers can read its notes."


# ---- acting ----------------------------------------------------------------------------------------------


def club(workspace, text: str, *, user: str) -> dict:
    url = workspace.response_url()
    return answer_to(workspace, workspace.command("/club", text, user=user, response_url=url), url)


def give_role(workspace, boss: str, user: str, title: str, until: str = "") -> None:
    answer = club(workspace, f"officers role <@{user}|x> {title} {until}".strip(), user=boss)
    assert f"<@{user}> is {title} until" in answer["text"], answer


def notes_forms(workspace) -> list:
    """Every notes form the app opened (the fake shares its calls between tests: count from a mark)."""
    return [call for call in workspace.fake.calls_to("views.open") if call.args["view"].get("callback_id") == ids.NOTES_FORM]


def write_notes(workspace, user: str, role_id: int, text: str):
    return workspace.submit(ids.NOTES_FORM, {ids.NOTES_TEXT: text_state(text)}, user=user, private_metadata=json.dumps({"role_id": role_id}))


# ---- reading ---------------------------------------------------------------------------------------------


def role_of(workspace, title: str) -> OfficerRole:
    with workspace.server.store.read() as session:
        return session.scalar(select(OfficerRole).where(OfficerRole.team_id == workspace.team_id, OfficerRole.title == title))


def listed(workspace) -> set[str]:
    with workspace.server.store.read() as session:
        return set(session.scalars(select(Officer.user_id).where(Officer.team_id == workspace.team_id)))


def open_items_of(workspace, user: str, now: datetime) -> dict[str, int]:
    """One query per kind of open item: what `user` still owns."""
    team = workspace.team_id
    with workspace.server.store.read() as session:
        def count(model, *conditions) -> int:
            return session.scalar(select(func.count()).select_from(model).where(model.team_id == team, *conditions))

        working = select(Bid.id).where(Bid.team_id == team, Bid.project_id == Project.id, Bid.status.in_(("in_progress", "submitted"))).exists()
        waiting = select(Bid.id).where(Bid.team_id == team, Bid.project_id == Project.id, Bid.status.in_(("in_progress", "submitted", "completed"))).exists()
        return {
            "events": count(Event, Event.created_by == user, Event.cancelled_at.is_(None), Event.starts_at > now),
            "gigs": count(Gig, Gig.contact == user, Gig.status == "open"),
            "supervised": count(Project, Project.supervisor == user, or_(Project.status.in_(("pending", "open")), working)),
            "posted": count(Project, Project.posted_by == user, or_(Project.status.in_(("pending", "open")), waiting)),
            "help": count(HelpRequest, HelpRequest.helper == user, HelpRequest.status == "claimed"),
        }


def seed_open_items(workspace, owner: str, *, student: str, asker: str) -> None:
    """Two of every kind of open item owned by `owner` (and one of each kind closed or past)."""
    now = datetime.now(UTC)
    today = now.date()
    team = workspace.team_id
    with workspace.server.store.write() as session:
        for number in (1, 2):
            session.add(Event(team_id=team, title=f"Meet the Firm Night {number}", starts_at=now + timedelta(days=number * 7),
                              ends_at=now + timedelta(days=number * 7, hours=2), created_by=owner))
            session.add(Gig(team_id=team, title=f"Webmaster {number}", needed="A page", hours=Decimal(3), slots=1, contact=owner, posted_by=owner, status="open"))
            session.add(Project(team_id=team, title=f"Posted {number}", organization="Club", supervisor=asker, description="d", hours=5,
                                due_date=today + timedelta(days=40), fee_cents=30000, remote=True, positions=1,
                                bid_deadline=today + timedelta(days=9), posted_by=owner, status="open"))
        session.add(Event(team_id=team, title="Last fall's fair", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30), created_by=owner))
        session.add(Gig(team_id=team, title="Done gig", needed="x", hours=Decimal(1), slots=1, contact=owner, posted_by=owner, status="done"))
        for number in (1, 2):
            project = Project(team_id=team, title=f"Market study {number}", organization="Acme", supervisor=owner, description="d", hours=10,
                              due_date=today + timedelta(days=30), fee_cents=50000, remote=True, positions=1,
                              bid_deadline=today - timedelta(days=1), posted_by=asker, status="closed")
            session.add(project)
            session.flush()
            session.add(Bid(team_id=team, project_id=project.id, user_id=student, application="a", availability="a", status="in_progress"))
        for number in (1, 2):
            request = HelpRequest(team_id=team, user_id=asker, kind="resume", topic=f"My resume {number}", availability="evenings",
                                  status="claimed", helper=owner, claimed_at=now)
            session.add(request)
            session.flush()
            # As /ask plans it when claimed: the helper's reminders at 2 and 7 days.
            for days in (2, 7):
                queue.plan(session, team_id=team, kind=ask_ids.REMIND, key=f"{ask_ids.REMIND}:{request.id}:1:{days}:helper", target=owner,
                           due_at=now + timedelta(days=days), expires_at=now + timedelta(days=days + 2),
                           payload={"request_id": request.id, "turn": 1, "role": "helper", "days": days})


def helper_reminder_targets(workspace) -> list[str]:
    with workspace.server.store.read() as session:
        return sorted(session.scalars(select(Job.target).where(Job.team_id == workspace.team_id, Job.kind == ask_ids.REMIND, Job.status == JobStatus.pending.value)))


def settle(workspace) -> None:
    eventually(lambda: owed_now(workspace) == [], timeout=10)


# ---- the handover ------------------------------------------------------------------------------------------


def test_a_handover_moves_the_role_and_every_open_item_with_one_dm_each_and_a_member_changes_nothing(workspace):
    boss, ada, bob, mallory, student, asker = workspace.officer(), *(workspace.member() for _ in range(5))
    give_role(workspace, boss, ada, "President")
    assert ada in listed(workspace)
    seed_open_items(workspace, ada, student=student, asker=asker)
    now = datetime.now(UTC)
    assert open_items_of(workspace, ada, now) == {"events": 2, "gigs": 2, "supervised": 2, "posted": 2, "help": 2}

    # A member can't hand anything over, not even to themselves.
    assert NOT_OFFICER in club(workspace, f"handover <@{mallory}|m> President", user=mallory)["text"]

    # The outgoing holder asks: the preview lists everything that moves.
    preview = club(workspace, f"handover <@{bob}|b>", user=ada)
    shown = all_text(preview["blocks"])
    for line in ("the role *President*", "2 items: events they posted", "2 items: open gigs they are the contact for",
                 "2 items: micro-internship projects they supervise", "2 items: projects they posted", "2 items: requests for help they claimed",
                 "leaves the officer list", "belong to nobody"):
        assert line in shown, (line, shown)
    assert "Last fall" not in shown and "Done gig" not in shown
    [confirm, cancel] = buttons(preview["blocks"])
    assert (confirm["action_id"], cancel["action_id"]) == (ids.CONFIRM, ids.CANCEL)

    # A member's crafted Confirm (the real preview's value) is refused with nothing changed.
    assert NOT_OFFICER in press(workspace, ids.CONFIRM, confirm["value"], user=mallory)["text"]
    assert role_of(workspace, "President").holder == ada
    assert open_items_of(workspace, ada, now) == {"events": 2, "gigs": 2, "supervised": 2, "posted": 2, "help": 2}
    assert dms(workspace, bob) == []

    answer = press(workspace, ids.CONFIRM, confirm["value"], user=ada)
    assert "Handed over President and 10 open items" in answer["text"] and answer.get("replace_original") is True

    # Nothing of any kind is left with ada; bob has it all, the role and a place on the officer list.
    assert open_items_of(workspace, ada, now) == {"events": 0, "gigs": 0, "supervised": 0, "posted": 0, "help": 0}
    assert open_items_of(workspace, bob, now) == {"events": 2, "gigs": 2, "supervised": 2, "posted": 2, "help": 2}
    role = role_of(workspace, "President")
    assert role.holder == bob
    assert bob in listed(workspace) and ada not in listed(workspace)
    # Past and finished items stay where they were.
    with workspace.server.store.read() as session:
        assert session.scalar(select(Event.created_by).where(Event.team_id == workspace.team_id, Event.title == "Last fall's fair")) == ada
        assert session.scalar(select(Gig.contact).where(Gig.team_id == workspace.team_id, Gig.title == "Done gig")) == ada
    # The helper's reminders follow the requests.
    assert helper_reminder_targets(workspace) == [bob] * 4

    [to_ada] = eventually_got(lambda: dms(workspace, ada, "You handed over"), count=1)
    [to_bob] = eventually_got(lambda: dms(workspace, bob, "You take over"), count=1)
    assert "Meet the Firm Night 1" in to_bob.args["text"] and "/club notes President" in to_bob.args["text"]
    assert "leaves the officer list" in to_ada.args["text"]
    [to_student] = eventually_got(lambda: dms(workspace, student, "now supervises"), count=1)
    assert f"<@{bob}> now supervises *Market study 1*" in to_student.args["text"] and "Market study 2" in to_student.args["text"]
    eventually_got(lambda: dms(workspace, asker, "now helps you"), count=1)

    # Confirming the same preview again is refused; no DM comes twice.
    assert "handed over already" in press(workspace, ids.CONFIRM, confirm["value"], user=bob)["text"]
    settle(workspace)
    assert (len(dms(workspace, ada, "You handed over")), len(dms(workspace, bob, "You take over")), len(dms(workspace, student, "now supervises"))) == (1, 1, 1)
    with workspace.server.store.read() as session:
        assert session.scalar(select(func.count()).where(Job.team_id == workspace.team_id, Job.key.startswith(ids.HANDOVER_DM))) == 4

    # /club officers shows the role with its holder and term end.
    overview = club(workspace, "officers", user=mallory)["text"]
    assert f"*President* — <@{bob}> · term ends {role.term_end:%b %-d, %Y}" in overview


def test_cancel_moves_nothing(workspace):
    boss, ada, bob = workspace.officer(), workspace.member(), workspace.member()
    give_role(workspace, boss, ada, "Treasurer")
    preview = club(workspace, f"handover <@{bob}|b> treasurer", user=boss)
    cancel = buttons(preview["blocks"])[1]
    assert "nothing moved" in press(workspace, ids.CANCEL, cancel["value"], user=boss)["text"]
    assert role_of(workspace, "Treasurer").holder == ada and ada in listed(workspace)


# ---- role notes ------------------------------------------------------------------------------------------------


def test_role_notes_go_to_the_next_holder_with_every_edit_and_never_to_a_member(workspace):
    boss, ada, bob, mallory = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    give_role(workspace, boss, ada, "VP Events")
    role_id = role_of(workspace, "VP Events").id

    forms = len(notes_forms(workspace))
    reply = workspace.command("/club", "notes", user=ada)
    assert reply.status == 200
    [form] = eventually_got(lambda: notes_forms(workspace)[forms:], count=1)
    assert "VP Events" in all_text(form.args["view"]["blocks"]) and "no edits yet" in all_text(form.args["view"]["blocks"])
    reply = write_notes(workspace, ada, role_id, "Meet the Firm Night: book room 204 *6 weeks* ahead; <!channel> never")
    assert reply.status == 200 and reply.body == b"", reply.text

    # A member is refused, with nothing shown: no form, and a crafted submission changes nothing.
    assert NOTES_REFUSED in club(workspace, "notes VP Events", user=mallory)["text"]
    assert NOTES_REFUSED in club(workspace, "notes", user=mallory)["text"]
    reply = write_notes(workspace, mallory, role_id, "defaced")
    assert reply.status == 200 and NOTES_REFUSED in reply.text
    assert len(notes_forms(workspace)) == forms + 1

    preview = club(workspace, f"handover <@{bob}|b>", user=ada)
    press(workspace, ids.CONFIRM, buttons(preview["blocks"])[0]["value"], user=ada)
    eventually(lambda: role_of(workspace, "VP Events").holder == bob)

    # The next holder reads them, with who wrote them and when, and edits them in turn.
    workspace.command("/club", "notes", user=bob)
    [form] = eventually_got(lambda: notes_forms(workspace)[forms + 1:], count=1)
    view = form.args["view"]
    [initial] = [block["element"].get("initial_value") for block in view["blocks"] if block.get("block_id") == ids.NOTES_TEXT]
    assert initial.startswith("Meet the Firm Night: book room 204")
    assert f"<@{ada}> <!date^" in all_text(view["blocks"])
    assert write_notes(workspace, bob, role_id, "Room 204, 6 weeks ahead. Caterer: Luigi's.").status == 200
    # ada, no longer an officer or the holder, can't read them any more.
    assert NOTES_REFUSED in club(workspace, "notes VP Events", user=ada)["text"]
    with workspace.server.store.read() as session:
        versions = list(session.execute(select(RoleNote.edited_by, RoleNote.text).where(RoleNote.team_id == workspace.team_id).order_by(RoleNote.id)))
    assert [who for who, _ in versions] == [ada, bob] and "defaced" not in {text for _, text in versions}


# ---- the term's end ------------------------------------------------------------------------------------------


def test_the_term_end_checklist_comes_once_to_each_officer(workspace, dispatcher):
    boss, ada, bob, carol = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    end = "2040-05-31"
    give_role(workspace, boss, ada, "President", f"until {end}")
    give_role(workspace, boss, bob, "Treasurer", f"until {end}")
    club(workspace, f"officers add <@{carol}|c>", user=boss)
    eventually(lambda: carol in listed(workspace))
    with workspace.server.store.write() as session:
        session.add(Gig(team_id=workspace.team_id, title="Career fair booth", needed="x", hours=Decimal(2), slots=1, contact=ada, posted_by=ada, status="open"))

    tick(workspace, dispatcher, datetime(2040, 5, 16, 12, tzinfo=UTC))
    assert dms(workspace, ada, "handover checklist") == []
    tick(workspace, dispatcher, datetime(2040, 5, 17, 12, tzinfo=UTC))
    for officer in (ada, bob, carol):
        [checklist] = dms(workspace, officer, "handover checklist")
        shown = all_text(checklist.args["blocks"])
        assert "*President* — <@" + ada + ">: no successor yet" in shown and "*Treasurer*" in shown
        assert f"*Open items of <@{ada}>*" in shown and "Career fair booth" in shown
    tick(workspace, dispatcher, datetime(2040, 5, 18, 12, tzinfo=UTC))
    tick(workspace, dispatcher, datetime(2040, 5, 30, 12, tzinfo=UTC))
    assert [len(dms(workspace, officer, "handover checklist")) for officer in (ada, bob, carol, boss)] == [1, 1, 1, 0]
