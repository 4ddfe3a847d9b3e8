"""The help queue's rules, called directly on a migrated database of each store (the fast layer): who
may claim, close, withdraw or hand back a request and that each is decided once, the follow-ups'
timing and when they are moot, the officers' numbers, passport points for the helper, privacy, and
the messages as data (the link only in the claiming helper's introduction, user text escaped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from slackapp.ask import ids, jobs, service, views
from slackapp.ask.models import Helper, HelpRequest, Kind
from slackapp.errors import UserError
from slackapp.passport import service as passport
from slackapp.passport.program import HELPING
from slackapp.privacy import purge
from slackapp.privacy import service as privacy
from slackapp.scheduler.dispatch import Skip
from slackapp.scheduler.models import Job
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TASKRULES", "TASKOTHER"
ASKER, HELPER, OTHER_HELPER, MEMBER, OFFICER = "UASKER0001", "UHELPER001", "UHELPER002", "UMEMBER001", "UOFFICER01"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
LINK = "https://drive.example/resume-ask-rules.pdf"


def message(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as refused:
        call(*args, **kwargs)
    return refused.value


def form(**overrides) -> dict:
    values = {ids.KIND: "resume", ids.TOPIC: "My resume for a marketing internship", ids.AVAILABILITY: "Weekday evenings", ids.LINK: LINK}
    return values | overrides


def ask(session, user=ASKER, team=TEAM, now=NOW, **overrides) -> HelpRequest:
    return service.create(session, team_id=team, user_id=user, draft=service.validate_request(form(**overrides)), now=now)


def claim(session, request, user=HELPER, *, is_officer=False, now=NOW + timedelta(hours=3), team=TEAM):
    kinds = service.helper_kinds(session, team_id=team, user_id=user)
    return service.claim(session, team_id=team, request_id=request.id, user_id=user, is_officer=is_officer, kinds=kinds, now=now)


def job(request, **payload) -> Job:
    return Job(team_id=request.team_id, kind="x", key="x", target=payload.pop("target", HELPER), payload={"request_id": request.id, "turn": request.turn, **payload})


# ---- asking -------------------------------------------------------------------------------------------


def test_the_form_needs_a_kind_what_and_when_and_takes_only_web_links():
    refused = message(service.validate_request, {ids.KIND: "astrology", ids.TOPIC: " ", ids.AVAILABILITY: None, ids.LINK: "javascript:alert(1)"})
    assert refused.fields == {ids.KIND: service.PICK_A_KIND, ids.TOPIC: "Please fill this in.", ids.AVAILABILITY: "Please fill this in.", ids.LINK: service.BAD_LINK}
    for bad in ("https://", "ftp://files.example/x", "https://a.example/x y", "<https://evil.example|bank>"):
        assert message(service.validate_request, form(**{ids.LINK: bad})).fields == {ids.LINK: service.BAD_LINK}
    assert message(service.validate_request, form(**{ids.TOPIC: "x" * 1501})).fields == {ids.TOPIC: "Keep this under 1500 characters (it has 1501)."}
    draft = service.validate_request(form(**{ids.LINK: "  ", ids.KIND: "interview"}))
    assert (draft.kind, draft.link, draft.availability) == (Kind.interview, None, "Weekday evenings")


def test_helpers_choose_the_kinds_they_take_and_can_stop(session):
    assert message(service.set_helper, session, team_id=TEAM, user_id=HELPER, kinds=[]).fields == {ids.KINDS: service.PICK_KINDS}
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=service.parse_kinds(["interview", "RESUME", "nonsense"]))
    service.set_helper(session, team_id=TEAM, user_id=OTHER_HELPER, kinds=[Kind.advice])
    assert service.helper_kinds(session, team_id=TEAM, user_id=HELPER) == {"resume", "interview"}
    assert service.helpers_for(session, team_id=TEAM, kind="resume") == [HELPER]
    assert service.helpers_for(session, team_id=OTHER_TEAM, kind="resume") == []
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=[Kind.advice])
    assert service.helpers_for(session, team_id=TEAM, kind="advice") == [HELPER, OTHER_HELPER]
    assert service.stop_helping(session, team_id=TEAM, user_id=HELPER) is True
    assert service.stop_helping(session, team_id=TEAM, user_id=HELPER) is False
    assert service.helper_kinds(session, team_id=TEAM, user_id=HELPER) == set()


# ---- claiming ---------------------------------------------------------------------------------------------


def test_only_a_helper_of_the_kind_or_an_officer_claims_and_only_once(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=[Kind.resume])
    service.set_helper(session, team_id=TEAM, user_id=OTHER_HELPER, kinds=[Kind.interview])
    request = ask(session)
    assert str(message(claim, session, request, MEMBER)) == service.ONLY_HELPERS
    assert str(message(claim, session, request, OTHER_HELPER)) == service.ONLY_HELPERS  # takes other kinds
    assert str(message(claim, session, request, ASKER, is_officer=True)) == service.OWN_REQUEST
    assert str(message(claim, session, request, team=OTHER_TEAM)) == service.GONE
    session.refresh(request)
    assert (request.status, request.helper) == ("open", None)

    claimed = claim(session, request)
    assert (claimed.status, claimed.helper, claimed.claimed_at) == ("claimed", HELPER, NOW + timedelta(hours=3))
    assert str(message(claim, session, request, OFFICER, is_officer=True)) == f"<@{HELPER}> already claimed this request."
    session.refresh(request)
    assert request.helper == HELPER

    officers_own = ask(session, kind="other")
    assert claim(session, officers_own, OFFICER, is_officer=True).helper == OFFICER


def test_only_the_requester_marks_it_done_once_with_a_rating(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    request = ask(session)
    assert str(message(service.may_mark_done, session, team_id=TEAM, request_id=request.id, user_id=ASKER)) == service.NOT_CLAIMED
    claim(session, request)
    for someone in (HELPER, MEMBER, OFFICER):
        assert str(message(service.may_mark_done, session, team_id=TEAM, request_id=request.id, user_id=someone)) == service.ONLY_REQUESTER
        assert str(message(service.mark_done, session, team_id=TEAM, request_id=request.id, user_id=someone, rating=5, note=None)) == service.ONLY_REQUESTER
    assert message(service.validate_rating, {ids.RATING: "6"}).fields == {ids.RATING: service.PICK_A_RATING}
    assert message(service.validate_rating, {ids.RATING: "4", ids.NOTE: "n" * 501}).fields == {ids.NOTE: "Keep this under 500 characters (it has 501)."}
    assert service.validate_rating({ids.RATING: "4", ids.NOTE: "  Very kind  "}) == (4, "Very kind")
    assert service.may_mark_done(session, team_id=TEAM, request_id=request.id, user_id=ASKER) is request

    done = service.mark_done(session, team_id=TEAM, request_id=request.id, user_id=ASKER, rating=4, note="Very kind", now=NOW + timedelta(days=1))
    assert (done.status, done.rating, done.note, done.closed_at) == ("done", 4, "Very kind", NOW + timedelta(days=1))
    assert str(message(service.mark_done, session, team_id=TEAM, request_id=request.id, user_id=ASKER, rating=1, note=None)) == "This request is done."
    assert str(message(service.withdraw, session, team_id=TEAM, request_id=request.id, user_id=ASKER)) == "This request is done."
    assert done.rating == 4


def test_the_requester_withdraws_open_or_claimed_and_nobody_else_can(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    waiting, claimed = ask(session), ask(session)
    claim(session, claimed)
    for request in (waiting, claimed):
        for someone in (HELPER, MEMBER, OFFICER):
            assert str(message(service.withdraw, session, team_id=TEAM, request_id=request.id, user_id=someone)) == service.ONLY_REQUESTER
        assert str(message(service.withdraw, session, team_id=OTHER_TEAM, request_id=request.id, user_id=ASKER)) == service.GONE
        assert service.withdraw(session, team_id=TEAM, request_id=request.id, user_id=ASKER, now=NOW).status == "withdrawn"
    assert claimed.helper == HELPER  # told it's withdrawn
    assert str(message(claim, session, waiting)) == "This request was withdrawn."


def test_only_its_helper_hands_it_back_which_starts_a_new_turn_in_the_queue(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    service.set_helper(session, team_id=TEAM, user_id=OTHER_HELPER, kinds=list(Kind))
    request = ask(session)
    claim(session, request)
    for someone in (ASKER, OTHER_HELPER, OFFICER):
        assert str(message(service.hand_back, session, team_id=TEAM, request_id=request.id, user_id=someone)) == service.ONLY_HELPER
    later = NOW + timedelta(days=1)
    back = service.hand_back(session, team_id=TEAM, request_id=request.id, user_id=HELPER, now=later)
    assert (back.status, back.helper, back.claimed_at, back.turn, back.queued_at) == ("open", None, None, 2, later)
    assert "back in the queue already" in str(message(service.hand_back, session, team_id=TEAM, request_id=request.id, user_id=HELPER))
    assert claim(session, request, OTHER_HELPER).helper == OTHER_HELPER


def test_a_claimed_request_nobody_closes_expires_after_14_days_in_every_workspace(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    service.set_helper(session, team_id=OTHER_TEAM, user_id=HELPER, kinds=list(Kind))
    mine, theirs, fresh, waiting = ask(session), ask(session, team=OTHER_TEAM), ask(session), ask(session)
    claimed_at = NOW + timedelta(hours=3)
    claim(session, mine)
    claim(session, theirs, team=OTHER_TEAM)
    claim(session, fresh, now=claimed_at + timedelta(minutes=1))
    assert [r.id for r in service.expire_stale(session, now=claimed_at + timedelta(days=14) - timedelta(seconds=1)) if r.team_id in (TEAM, OTHER_TEAM)] == []
    closed = [r for r in service.expire_stale(session, now=claimed_at + timedelta(days=14)) if r.team_id in (TEAM, OTHER_TEAM)]
    assert {r.id for r in closed} == {mine.id, theirs.id}
    assert {r.status for r in closed} == {"expired"} and fresh.status == "claimed" and waiting.status == "open"
    assert str(message(service.mark_done, session, team_id=TEAM, request_id=mine.id, user_id=ASKER, rating=5, note=None)) == "This request closed by itself."


# ---- follow-ups: rendered when sent, skipped when moot -------------------------------------------------


def render(kind: str, session, job_, now):
    """What the scheduler renders for the job when it comes due."""
    return jobs.RENDERERS[kind].render(session, job_, now)


def test_follow_ups_are_moot_once_claimed_closed_or_handed_back(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    request = ask(session)
    assert "Unclaimed for 48 hours" in render(ids.UNCLAIMED, session, job(request, target="C1"), NOW).text
    claim(session, request)
    with pytest.raises(Skip):
        render(ids.UNCLAIMED, session, job(request, target="C1"), NOW)
    with pytest.raises(Skip):
        render(ids.POST, session, job(request, target="C1"), NOW)
    reminder = render(ids.REMIND, session, job(request, role="helper", days=2), NOW)
    assert "It's been 2 days" in all_text(reminder.blocks) and [b["action_id"] for b in buttons(reminder.blocks)] == [ids.HAND_BACK]
    to_requester = render(ids.REMIND, session, job(request, role="requester", days=7, target=ASKER), NOW)
    assert [b["action_id"] for b in buttons(to_requester.blocks)] == [ids.DONE, ids.WITHDRAW]
    old_turn = job(request, role="helper", days=7)
    service.hand_back(session, team_id=TEAM, request_id=request.id, user_id=HELPER, now=NOW)
    with pytest.raises(Skip):
        render(ids.REMIND, session, old_turn, NOW)
    claim(session, request)  # claimed again, in the new turn: the old turn's reminders stay moot
    with pytest.raises(Skip):
        render(ids.REMIND, session, old_turn, NOW)
    service.withdraw(session, team_id=TEAM, request_id=request.id, user_id=ASKER)
    with pytest.raises(Skip):
        render(ids.REMIND, session, job(request, role="helper", days=7), NOW)


def test_follow_ups_are_planned_once_at_their_times(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    request = ask(session)
    jobs.plan_unclaimed(session, request=request, officers=[OFFICER, "UOFFICER02"])
    jobs.plan_unclaimed(session, request=request, officers=[OFFICER, "UOFFICER02"])
    claim(session, request)
    jobs.plan_reminders(session, request=request)
    jobs.plan_reminders(session, request=request)
    planned = session.execute(select(Job.kind, Job.target, Job.due_at).where(Job.team_id == TEAM, Job.payload["request_id"].as_integer() == request.id)).all()
    claimed_at = NOW + timedelta(hours=3)
    assert sorted((kind, target, due) for kind, target, due in planned) == sorted([
        (ids.UNCLAIMED, OFFICER, NOW + timedelta(hours=48)), (ids.UNCLAIMED, "UOFFICER02", NOW + timedelta(hours=48)),
        (ids.REMIND, ASKER, claimed_at + timedelta(days=2)), (ids.REMIND, HELPER, claimed_at + timedelta(days=2)),
        (ids.REMIND, ASKER, claimed_at + timedelta(days=7)), (ids.REMIND, HELPER, claimed_at + timedelta(days=7)),
    ])


# ---- what officers see, and points ----------------------------------------------------------------------


def test_officers_see_the_open_queue_and_this_months_median_time_to_claim(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    first, second, third, waiting = ask(session), ask(session), ask(session), ask(session, now=NOW + timedelta(hours=1))
    claim(session, first, now=NOW + timedelta(hours=1))
    claim(session, second, now=NOW + timedelta(hours=3))
    claim(session, third, now=NOW + timedelta(hours=8))
    last_month = ask(session, now=datetime(2026, 2, 27, tzinfo=UTC))
    claim(session, last_month, now=datetime(2026, 2, 28, tzinfo=UTC))
    times = service.month_claims(session, team_id=TEAM, now=NOW, tz="America/New_York")
    assert (times.claimed, times.median) == (3, timedelta(hours=3))
    assert [r.id for r in service.open_queue(session, team_id=TEAM, limit=5)] == [waiting.id]
    blocks = views.home_queue([waiting], more=False, times=times, ratings=[])
    assert "*Help queue* · 1 open request · this month: 3 claims, median time to claim 3 h 00 min" in all_text(blocks)
    assert LINK not in json.dumps(blocks)
    assert service.month_claims(session, team_id=OTHER_TEAM, now=NOW, tz="UTC") == service.ClaimTimes(claimed=0, median=None)


def test_the_helper_earns_passport_points_only_for_requests_marked_done(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    done, withdrawn, expired = ask(session), ask(session), ask(session)
    for request in (done, withdrawn, expired):
        claim(session, request)
    service.mark_done(session, team_id=TEAM, request_id=done.id, user_id=ASKER, rating=5, note=None, now=NOW + timedelta(days=1))
    service.withdraw(session, team_id=TEAM, request_id=withdrawn.id, user_id=ASKER, now=NOW + timedelta(days=1))
    service.expire_stale(session, now=NOW + timedelta(days=15))
    record = passport.record(session, team_id=TEAM, user_id=HELPER, today=NOW.date(), tz="UTC")
    helping = next(score for score in record.scores if score.category.key == HELPING)
    assert (helping.category.label, helping.activities, helping.counted) == ("Helping others", 1, 2)
    assert [stamp.ref for stamp in record.stamps] == [f"help:{done.id}"]
    assert passport.record(session, team_id=TEAM, user_id=ASKER, today=NOW.date(), tz="UTC").total == 0


# ---- the messages -----------------------------------------------------------------------------------------


def test_the_link_is_only_in_the_claiming_helpers_introduction_and_text_is_escaped(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    request = ask(session, **{ids.TOPIC: EVIL, ids.AVAILABILITY: EVIL})
    shown = [views.post(request, turn=1), views.unclaimed(request, now=NOW), views.request_sent(request, helpers_asked=None)]
    claim(session, request)
    shown += [views.post(request, turn=1), views.intro_requester(request), views.reminder(request, role="requester", days=2),
              views.reminder(request, role="helper", days=2), (views.expired(request, to_helper=True), [])]
    for text, blocks in shown:
        everything = text + json.dumps(blocks)
        assert LINK not in everything and not any(live in text + all_text(blocks) for live in LIVE)
    _, blocks = views.intro_helper(request)
    assert f"<{LINK}>" in all_text(blocks) and ESCAPED in all_text(blocks) and not any(live in all_text(blocks) for live in LIVE)
    assert [b["action_id"] for b in buttons(views.post(request, turn=1)[1])] == []
    assert "Claimed by <@UHELPER001>" in all_text(views.post(request, turn=1)[1])
    service.mark_done(session, team_id=TEAM, request_id=request.id, user_id=ASKER, rating=3, note=EVIL)
    told = views.done_to_helper(request)
    assert "★★★☆☆ 3/5" in told and ESCAPED in told and not any(live in told for live in LIVE)
    # The requester's own list never shows the rating; the helper's does.
    asked = views.mine(service.mine(session, team_id=TEAM, user_id=ASKER), kinds=set())
    helped = views.mine(service.mine(session, team_id=TEAM, user_id=HELPER), kinds={"resume"})
    assert "3/5" not in all_text(asked) and "3/5" in all_text(helped) and LINK not in json.dumps(asked + helped)


def test_the_forms_fit_slacks_limits():
    request = HelpRequest(id=7, team_id=TEAM, user_id=ASKER, helper=HELPER, kind="interview", topic="t", availability="a", status="claimed", turn=1)
    for view in (views.request_form(), views.helper_form({"advice"}), views.done_form(request), views.rated(request)):
        view.to_dict()
    assert [o.value for o in views.helper_form({"advice"}).blocks[0].element.initial_options] == ["advice"]
    assert len(views.helper_form(set()).blocks[0].element.initial_options) == 4


# ---- privacy -------------------------------------------------------------------------------------------


def test_forgetting_the_requester_keeps_the_request_for_its_helper_without_their_words(session):
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    service.set_helper(session, team_id=TEAM, user_id=ASKER, kinds=[Kind.advice])
    request = ask(session)
    claim(session, request)
    service.mark_done(session, team_id=TEAM, request_id=request.id, user_id=ASKER, rating=5, note="Thanks a lot", now=NOW)
    found = privacy.everything_about(session, team_id=TEAM, user_id=ASKER)
    assert {"help_requests", "helpers"} <= set(found) and found["help_requests"][0]["link"] == LINK
    about = json.loads(privacy.as_json(found, user_id=ASKER, team_id=TEAM))["about"]
    assert about["help_requests"].startswith("Requests for help you asked for") and about["helpers"].startswith("Whether you take requests")

    stand_in = privacy.forget(session, team_id=TEAM, user_id=ASKER)
    session.expire_all()
    kept = session.get(HelpRequest, request.id)
    assert (kept.user_id, kept.helper, kept.status, kept.rating) == (stand_in, HELPER, "done", 5)
    assert (kept.topic, kept.link, kept.availability, kept.note) == (privacy.REMOVED, None, privacy.REMOVED, None)
    assert service.helper_kinds(session, team_id=TEAM, user_id=ASKER) == set()
    record = passport.record(session, team_id=TEAM, user_id=HELPER, today=NOW.date(), tz="UTC")
    assert next(score.counted for score in record.scores if score.category.key == HELPING) == 2


def test_uninstalling_purges_every_request_and_helper_of_the_workspace(session):
    assert {"help_requests", "helpers"} <= {table.name for table in purge.workspace_tables()}
    service.set_helper(session, team_id=TEAM, user_id=HELPER, kinds=list(Kind))
    service.set_helper(session, team_id=OTHER_TEAM, user_id=HELPER, kinds=list(Kind))
    ask(session)
    ask(session, team=OTHER_TEAM)
    purge.purge(session, team_id=TEAM)

    def left(model, team):
        return session.scalar(select(func.count()).select_from(model).where(model.team_id == team))

    assert (left(HelpRequest, TEAM), left(Helper, TEAM)) == (0, 0)
    assert (left(HelpRequest, OTHER_TEAM), left(Helper, OTHER_TEAM)) == (1, 1)
