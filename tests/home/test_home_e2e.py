"""App Home end to end: opening it publishes the member's dashboard (and the officers' desk),
an answer to an event publishes it again, and its buttons work from Home."""

from __future__ import annotations

from sqlalchemy import select

from slackapp.home.models import HomeViewer
from slackapp.sandbox import payloads
from tests.events.support import GOING, create_event, deliver, react
from tests.helpers import all_text, dms, eventually, eventually_got, plan_all


def publishes(workspace, user: str, contains: str = "") -> list:
    return [c for c in workspace.fake.calls_to("views.publish", user_id=user) if not c.failed and contains in all_text(c.args["view"]["blocks"])]


def open_home(workspace, user: str, *, tab: str = "home") -> None:
    deliver(workspace, payloads.app_home_opened(user_id=user, team_id=workspace.team_id, tab=tab))


def click_in_home(workspace, action_id: str, value: str | None, *, user: str, trigger_id: str | None = None):
    """A button pressed in App Home: its payload comes from a view, with no response_url."""
    payload = payloads.block_actions(action_id, value, user_id=user, team_id=workspace.team_id, trigger_id=trigger_id or payloads.new_trigger_id())
    payload.pop("response_url", None)
    payload.pop("channel", None)
    payload.pop("message", None)
    payload["container"] = {"type": "view", "view_id": "VHOME0001"}
    payload["view"] = {"id": "VHOME0001", "type": "home", "blocks": [], "team_id": workspace.team_id}
    reply = workspace.server.slack.interact(payload)
    assert reply.status == 200, reply.text
    return reply


def viewers(workspace) -> dict[str, bool]:
    with workspace.server.store.read() as session:
        return {row.user_id: row.officer for row in session.scalars(select(HomeViewer).where(HomeViewer.team_id == workspace.team_id))}


def test_opening_home_publishes_the_members_dashboard(workspace):
    member = workspace.member()
    open_home(workspace, member, tab="messages")  # the Messages tab is not Home
    open_home(workspace, member)
    [call] = eventually_got(lambda: publishes(workspace, member), count=1, timeout=10)
    view = call.args["view"]
    text = all_text(view["blocks"])
    assert view["type"] == "home" and "Your club, at a glance" in text and "Officers" not in text
    assert [e["text"]["text"] for e in view["blocks"][1]["elements"]] == ["Find internships", "Share a lead", "Request a volunteer", "Claim an activity", "Ask for help", "Edit my profile"]
    assert viewers(workspace) == {member: False}


def test_an_officers_home_has_the_desk_and_follows_answers(workspace):
    officer, member = workspace.officer(), workspace.member()
    workspace.command("/club", f"officers add <@{officer}|o>", user=officer)
    eventually(lambda: officer in _listed(workspace))
    event = create_event(workspace, officer, title="Meet the Firm Night")
    open_home(workspace, officer)
    open_home(workspace, member)
    [desk] = eventually_got(lambda: publishes(workspace, officer, "Officers"), count=1, timeout=10)
    assert "*Meet the Firm Night*" in all_text(desk.args["view"]["blocks"]) and "0 going" in all_text(desk.args["view"]["blocks"])
    eventually_got(lambda: publishes(workspace, member, "no answer yet"), count=1, timeout=10)

    react(workspace, event, member, GOING)
    plan_all(workspace.server.store, _now())
    eventually(lambda: publishes(workspace, member, "✅ going") != [], timeout=15)
    assert viewers(workspace) == {officer: True, member: False}


def test_home_buttons_open_their_forms_and_send_the_roster(workspace):
    officer = workspace.officer()
    workspace.command("/club", f"officers add <@{officer}|o>", user=officer)
    eventually(lambda: officer in _listed(workspace))
    event = create_event(workspace, officer, title="Resume workshop")

    for action, callback in (("lead_find", "lead_find_form"), ("gig_request_open", "gig_request_form"), ("profile_edit", "profile_form"), ("passport_new_claim", "passport_claim")):
        trigger = payloads.new_trigger_id()
        click_in_home(workspace, action, None, user=officer, trigger_id=trigger)
        [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
        assert opened.args["view"]["callback_id"] == callback

    found = workspace.submit("lead_find_form", {"words": {"value": {"type": "plain_text_input", "value": "nothing-matches-this"}}}, user=officer)
    assert found.json()["response_action"] == "update" and "Nothing matches" in all_text(found.json()["view"]["blocks"])

    member = workspace.member()
    click_in_home(workspace, "event_roster_dm", str(event.id), user=member)
    click_in_home(workspace, "event_roster_dm", str(event.id), user=officer)
    [roster] = eventually_got(lambda: dms(workspace, officer, "Roster: Resume workshop"), count=1)
    assert "Going" in all_text(roster.args["blocks"])
    eventually_got(lambda: dms(workspace, member, "Only"), count=1)
    assert dms(workspace, member, "Roster") == []


def _listed(workspace) -> set[str]:
    from slackapp.club.models import Officer

    with workspace.server.store.read() as session:
        return set(session.scalars(select(Officer.user_id).where(Officer.team_id == workspace.team_id)))


def _now():
    from slackapp.db import utcnow

    return utcnow()


def test_an_officers_home_lists_the_gigs_she_posted(workspace):
    from tests.gigs.test_gigs_e2e import submit_gig

    officer = workspace.officer()
    for title in ("Front desk", "Photo booth"):
        assert submit_gig(workspace, officer, title=title, contact=officer).status == 200
    open_home(workspace, officer)
    [home] = eventually_got(lambda: publishes(workspace, officer, "• Gig *Photo booth* · you posted it · open"), count=1, timeout=10)
    text = all_text(home.args["view"]["blocks"])
    assert "• Gig *Front desk* · you posted it · open" in text and "None yet" not in text
