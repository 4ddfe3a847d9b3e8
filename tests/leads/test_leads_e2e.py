"""/internships end to end: signed requests in, Web API calls and stored rows out."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select, update

from slackapp.leads import ids
from slackapp.leads.models import Lead, SavedLead
from slackapp.sandbox import payloads
from tests.conftest import new_id
from tests.helpers import (
    all_text,
    announced_leads,
    buttons,
    configure_club,
    eventually_got,
    leads_of,
    local_today,
    press,
    share_lead,
    zone_far_from_midnight,
)

EVIL = "<!channel> <!here> <!everyone> <https://evil.example|bank> & co"


def test_empty_list_invites_sharing(workspace):
    user = workspace.member()
    reply = workspace.command("/internships", user=user)
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "No open leads yet" in all_text(body["blocks"])
    assert ids.SHARE in [b["action_id"] for b in buttons(body["blocks"])]


def test_post_opens_the_form(workspace):
    user = workspace.member()
    reply = workspace.command("/internships", "post", user=user)
    assert reply.status == 200 and reply.body == b""
    opened = workspace.fake.wait_for(
        "views.open", predicate=lambda call: call.args["view"].get("callback_id") == ids.FORM
        and workspace.channel in call.args["view"].get("private_metadata", "")
    )
    view = opened[-1].args["view"]
    assert [block["block_id"] for block in view["blocks"]] == list(ids.FIELDS)


def test_shared_lead_is_stored_announced_and_listed(workspace):
    user = workspace.member()
    deadline = (date.today() + timedelta(days=20)).isoformat()
    reply = share_lead(workspace, user, company="Acme Analytics", role="Data analyst intern", url="https://jobs.acme.example/42", deadline=deadline)
    assert reply.status == 200 and reply.body == b""
    announcement = workspace.posted(channel=workspace.channel)[-1]
    assert "Data analyst intern" in announcement.args["text"]
    labels = [b["text"]["text"] for b in buttons(announcement.args["blocks"])]
    assert labels == ["Open", "Save", "Report"]
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert (lead.company, lead.role, lead.posted_by) == ("Acme Analytics", "Data analyst intern", user)
    assert (lead.announce_channel, lead.announce_ts) == (workspace.channel, announcement.response["ts"])

    listing = workspace.command("/internships", user=workspace.member()).json()
    text = all_text(listing["blocks"])
    assert "Data analyst intern" in text and "Acme Analytics" in text and f"<@{user}>" in text
    assert "<!date^" in text


def test_form_errors_are_answered_inside_the_modal(workspace):
    user = workspace.member()
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    reply = share_lead(workspace, user, url="ftp://files.example/x", deadline=yesterday, role="", location="", remote=False)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"url", "deadline", "role", "location"}
    assert leads_of(workspace) == []

    too_long = share_lead(workspace, user, description="x" * 2001).json()
    assert too_long["response_action"] == "errors" and "description" in too_long["errors"]


def test_a_link_shared_twice_points_to_the_first_lead(workspace):
    user = workspace.member()
    share_lead(workspace, user, company="Globex", role="Ops intern", url="https://globex.example/jobs/7")
    again = share_lead(workspace, workspace.member(), url="https://WWW.globex.example/jobs/7/?utm_source=slack#top").json()
    assert again["response_action"] == "errors"
    assert "Ops intern at Globex" in again["errors"]["url"]
    assert len(leads_of(workspace)) == 1


def test_user_text_arrives_inert(workspace):
    user = workspace.member()
    share_lead(workspace, user, company=EVIL, role=EVIL, description=EVIL, tags="a&b, <!here>", pay=EVIL, location=EVIL)
    announcement = workspace.posted(channel=workspace.channel)[-1]
    listing = workspace.command("/internships", user=user).json()
    for rendered in (json.dumps(announcement.args), json.dumps(listing)):
        for live in ("<!channel>", "<!here>", "<!everyone>", "<https://evil.example|bank>"):
            assert live not in rendered
    assert "&lt;!channel&gt;" in all_text(listing["blocks"])
    assert "&amp; co" in all_text(listing["blocks"])


def test_search_filters_and_help(workspace):
    user = workspace.member()
    share_lead(workspace, user, company="Initech", role="Supply chain analyst", url="https://a.example/1", kind="internship", remote=True, location="", pay="$20/h")
    share_lead(workspace, user, company="Hooli", role="Social media micro project", url="https://a.example/2", kind="micro", tags="marketing")
    share_lead(workspace, user, company="Umbrella", role="Research assistant", url="https://a.example/3", kind="part-time", description="data analysis in R")

    def roles(text):
        return [line for line in all_text(workspace.command("/internships", text, user=user).json()["blocks"]).splitlines() if line.startswith("*")]

    assert roles("analyst") == ["*Supply chain analyst* · Initech"]
    assert roles("analysis") == ["*Research assistant* · Umbrella"]  # description, stemmed
    assert roles("marketing") == ["*Social media micro project* · Hooli"]  # tags
    assert roles("remote") == ["*Supply chain analyst* · Initech"]
    assert roles("paid") == ["*Supply chain analyst* · Initech"]
    assert roles("type:micro") == ["*Social media micro project* · Hooli"]
    assert roles("hooli type:internship") == []
    assert roles('"); DROP TABLE leads; --') == []
    bad = workspace.command("/internships", "type:weekend", user=user).json()
    assert "type:part-time" in bad["text"]
    help_text = workspace.command("/internships", "help", user=user).json()["text"]
    for word in ("remote", "paid", "type:internship", "type:micro", "type:part-time", "type:full-time"):
        assert word in help_text


def test_an_unknown_type_is_echoed_inert(workspace):
    user = workspace.member()
    reply = workspace.command("/internships", "type:<!channel>&<https://evil.example|bank>", user=user)
    assert reply.status == 200
    answer = reply.json()
    echoed = answer["text"] + all_text(answer.get("blocks") or [])
    assert "I don't know the type “&lt;!channel&gt;&amp;&lt;https://evil.example|bank&gt;”" in echoed
    assert "<!channel>" not in echoed and "<https://evil.example|bank>" not in echoed


def test_pages_of_ten_newest_first(workspace):
    user = workspace.member()
    for number in range(12):
        share_lead(workspace, user, role=f"Role {number:02d}", url=f"https://p.example/{number}")
    first = workspace.command("/internships", user=user).json()
    first_roles = [line for line in all_text(first["blocks"]).splitlines() if line.startswith("*Role")]
    assert first_roles[0].startswith("*Role 11*") and len(first_roles) == 10
    next_button = next(b for b in buttons(first["blocks"]) if b["action_id"] == ids.PAGE)
    response_url = workspace.response_url()
    workspace.click(ids.PAGE, next_button["value"], user=user, response_url=response_url)
    second = workspace.responses(response_url)[-1].args
    assert second["replace_original"] is True
    assert [line for line in all_text(second["blocks"]).splitlines() if line.startswith("*Role")] == ["*Role 01* · Acme", "*Role 00* · Acme"]
    assert ids.PAGE_BACK in [b["action_id"] for b in buttons(second["blocks"])]


def test_past_deadline_and_closed_leads_leave_the_list(workspace):
    user = workspace.member()
    # The workspace has no settings, so the club's calendar is UTC's.
    tomorrow = local_today("UTC") + timedelta(days=1)
    assert share_lead(workspace, user, role="Expiring", url="https://e.example/1", deadline=tomorrow.isoformat()).body == b""
    assert share_lead(workspace, user, role="Closing", url="https://e.example/2").body == b""
    expiring, closing = eventually_got(lambda: announced_leads(workspace), count=2)
    with workspace.server.store.write() as session:
        session.execute(update(Lead).where(Lead.id == expiring.id).values(deadline=date.today() - timedelta(days=3), expires_on=date.today() - timedelta(days=3)))
    response_url = workspace.response_url()
    workspace.click(ids.CLOSE, str(closing.id), user=user, response_url=response_url)
    assert "Closed" in workspace.responses(response_url)[-1].args["text"]
    workspace.posted("chat.update", channel=workspace.channel, ts=closing.announce_ts)
    listing = all_text(workspace.command("/internships", user=user).json()["blocks"])
    assert "Expiring" not in listing and "Closing" not in listing


def test_only_poster_or_officer_can_edit_or_close(workspace):
    poster, stranger, officer = workspace.member(), workspace.member(), workspace.officer()
    share_lead(workspace, poster, role="Guarded", url="https://g.example/1")
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)

    listing = workspace.command("/internships", user=stranger).json()
    assert [b["text"]["text"] for b in buttons([blk for blk in listing["blocks"] if blk.get("block_id") == f"lead_{lead.id}"])] == ["Open", "Save", "Report"]

    assert "Only the person who shared" in press(workspace, ids.CLOSE, str(lead.id), user=stranger)["text"]
    forged = share_lead(workspace, stranger, role="Hijacked", url="https://g.example/1", private_metadata=json.dumps({"lead_id": lead.id}))
    assert forged.json()["response_action"] == "errors"
    assert leads_of(workspace)[0].role == "Guarded" and leads_of(workspace)[0].closed_at is None

    share_lead(workspace, officer, role="Renamed by officer", url="https://g.example/1", private_metadata=json.dumps({"lead_id": lead.id}))
    assert leads_of(workspace)[0].role == "Renamed by officer"
    workspace.posted("chat.update", channel=workspace.channel, ts=lead.announce_ts)
    assert "Closed" in press(workspace, ids.CLOSE, str(lead.id), user=officer)["text"]  # answered after the write
    assert leads_of(workspace)[0].closed_by == officer


def test_edit_button_opens_a_prefilled_form_for_the_poster(workspace):
    poster = workspace.member()
    share_lead(workspace, poster, role="Prefilled", url="https://pf.example/1")
    [lead] = leads_of(workspace)
    workspace.click(ids.EDIT, str(lead.id), user=poster)
    opened = workspace.fake.wait_for("views.open", predicate=lambda call: f'"lead_id": {lead.id}' in call.args["view"].get("private_metadata", ""))
    role_block = next(b for b in opened[-1].args["view"]["blocks"] if b["block_id"] == "role")
    assert role_block["element"]["initial_value"] == "Prefilled"


def test_save_and_track_my_leads(workspace):
    poster, member = workspace.member(), workspace.member()
    # Days left are counted on the club's calendar; in a zone where it is midday, "today" there
    # can't change while the test runs.
    club_zone = zone_far_from_midnight()
    configure_club(workspace, workspace.officer(), timezone=club_zone)
    today = local_today(club_zone)
    share_lead(workspace, poster, role="Soon due", url="https://s.example/1", deadline=(today + timedelta(days=3)).isoformat())
    share_lead(workspace, poster, role="Far away", url="https://s.example/2", deadline=(today + timedelta(days=60)).isoformat())
    soon_lead, far_lead = leads_of(workspace)
    answers = [press(workspace, ids.SAVE, str(lead.id), user=member)["text"] for lead in (soon_lead, far_lead, soon_lead)]
    assert [answer.split(":")[0] for answer in answers] == ["Saved", "Saved", "Already saved"]

    mine = workspace.command("/internships", "mine", user=member).json()
    text = all_text(mine["blocks"])
    assert text.index("Soon due") < text.index("Far away")
    assert ":warning: *due in 3 days* · *Soon due*" in text
    assert "Far away" in text and text.count("due in") == 1

    response_url = workspace.response_url()
    workspace.click(ids.STAGE, None, user=member, response_url=response_url, action_type="static_select", selected_option=f"{soon_lead.id}:applied")
    refreshed = workspace.responses(response_url)[-1].args
    assert refreshed["replace_original"] is True
    with workspace.server.store.read() as session:
        stages = dict(session.execute(select(SavedLead.lead_id, SavedLead.stage).where(SavedLead.team_id == workspace.team_id, SavedLead.user_id == member)).all())
    assert stages == {soon_lead.id: "applied", far_lead.id: "saved"}

    refused = press(workspace, ids.STAGE, None, user=member, action_type="static_select", selected_option=f"{soon_lead.id}:promoted")
    assert "not a status I know" in refused["text"]
    assert press(workspace, ids.UNSAVE, str(far_lead.id), user=member)["replace_original"] is True
    with workspace.server.store.read() as session:
        rows = session.execute(select(SavedLead.lead_id, SavedLead.stage).where(SavedLead.team_id == workspace.team_id)).all()
    assert rows == [(soon_lead.id, "applied")]


def test_message_shortcut_prefills_the_form(workspace):
    user = workspace.member()
    text = "Great role at Contoso: <https://careers.contoso.example/123|apply here> &amp; share!"
    payload = payloads.message_action(ids.SHORTCUT_SAVE_MESSAGE, text=text, user_id=user, team_id=workspace.team_id, channel_id=workspace.channel, response_url=workspace.response_url())
    assert workspace.server.slack.interact(payload).status == 200
    opened = workspace.fake.wait_for("views.open", predicate=lambda call: workspace.channel in call.args["view"].get("private_metadata", "") and any(b["block_id"] == "url" and b["element"].get("initial_value") for b in call.args["view"]["blocks"]))
    blocks = {b["block_id"]: b for b in opened[-1].args["view"]["blocks"]}
    assert blocks["url"]["element"]["initial_value"] == "https://careers.contoso.example/123"
    assert blocks["description"]["element"]["initial_value"] == "Great role at Contoso: apply here & share!"


def test_leads_belong_to_their_workspace(workspace, server, fake_slack):
    from tests.conftest import Workspace

    user = workspace.member()
    share_lead(workspace, user, role="Only here", url="https://only.example/1")
    other = Workspace(server=server, fake=fake_slack)
    listing = other.command("/internships", user=other.member()).json()
    assert "Only here" not in all_text(listing["blocks"])
    # The same link is new in another workspace.
    assert share_lead(other, other.member(), url="https://only.example/1").body == b""
    [lead] = leads_of(workspace)
    response_url = other.response_url()
    other.click(ids.SAVE, str(lead.id), user=other.member(), response_url=response_url)
    assert "no longer exists" in other.responses(response_url)[-1].args["text"]


def test_a_lead_saved_from_search_results_shows_as_saved_in_them(workspace):
    poster, member = workspace.member(), workspace.member()
    word = "quant" + new_id("w").lower().replace("_", "")[-8:]
    share_lead(workspace, poster, role=f"Analyst {word}", url=f"https://{word}.example/1")
    [lead] = leads_of(workspace)

    def save_button(blocks) -> dict:
        [found] = [b for b in buttons(blocks) if b["action_id"] == ids.SAVE]
        return found

    listing = workspace.command("/internships", word, user=member).json()
    before = save_button(listing["blocks"])
    assert before["text"]["text"] == "Save"

    answer = press(workspace, ids.SAVE, before["value"], user=member)

    # The list is ephemeral (Slack doesn't send it back): it is drawn again, in place, for the same search.
    assert answer["replace_original"] is True and f"Leads matching “{word}”" in all_text(answer["blocks"])
    assert save_button(answer["blocks"])["text"]["text"] == "Saved ✓"
    with workspace.server.store.read() as session:
        assert session.scalars(select(SavedLead.lead_id).where(SavedLead.team_id == workspace.team_id, SavedLead.user_id == member)).all() == [lead.id]
    again = workspace.command("/internships", word, user=member).json()
    assert save_button(again["blocks"])["text"]["text"] == "Saved ✓"
