"""Input that breaks things elsewhere doesn't break the app: odd time zones, text that grows when
escaped, spreadsheet formulas in exports, and words echoed back."""

from __future__ import annotations

import csv
import io

import pytest

from slackapp.club import ids as club_ids
from slackapp.leads import ids as leads_ids
from slackapp.sandbox import payloads
from tests.events.support import GOING, announcement_of, create_event, react, uploads_to
from tests.gigs.test_gigs_e2e import gigs_of, post_announced_gig, submit_gig
from tests.helpers import EVIL, all_text, announced_leads, config_values, eventually_got, press, share_lead


@pytest.mark.parametrize("zone", ["America", "A" * 300, "../../etc/passwd", "Europe/"])
def test_a_time_zone_that_is_a_folder_or_too_long_is_a_form_error(workspace, zone):
    reply = workspace.submit(club_ids.CONFIG_FORM, config_values(timezone=zone), user=workspace.officer())
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors" and "not a time zone I know" in answer["errors"][club_ids.TIMEZONE]


def test_text_that_grows_when_escaped_never_pushes_out_the_counts_or_the_contact(workspace):
    officer = workspace.officer()
    gig = post_announced_gig(workspace, officer, title="<" * 150, needed="<&>" * 600, slots="2")
    [post] = [call for call in workspace.fake.calls_to("chat.postMessage", channel=gig.announce_channel) if call.response.get("ts") == gig.announce_ts]
    text = all_text(post.args["blocks"])
    assert "0 of 2 spots filled" in text and f"contact <@{officer}>" in text
    assert "<<" not in text and "&lt;" in text  # inert, and cut before escaping (no broken entity)

    event = create_event(workspace, officer, title="<" * 150, description="&" * 2000, location="<" * 200)
    post = announcement_of(workspace, event)
    text = all_text(post.args["blocks"])
    assert ":round_pushpin:" in text and "0 going" in text and "can't go" in text


def test_roster_exports_neutralise_spreadsheet_formulas(workspace):
    officer = workspace.officer()
    evil_name = workspace.member(name="@SUM(1+1)")
    event = create_event(workspace, officer, title='=HYPERLINK("https://evil.example","click")')
    react(workspace, event, evil_name, GOING)
    press(workspace, "event_roster_csv", str(event.id), user=officer)
    [(_, content)] = eventually_got(lambda: uploads_to(workspace, officer, ".csv"), count=1)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[1][0] == "'" + '=HYPERLINK("https://evil.example","click")'
    assert rows[1][2].startswith("'@")


@pytest.mark.parametrize("command", ["/gigs", "/club", "/events"])
def test_unknown_words_are_echoed_inert(workspace, command):
    url = workspace.response_url()
    reply = workspace.command(command, f"{EVIL} now", user=workspace.member(), response_url=url)
    text = reply.json()["text"]
    assert "I don't know" in text
    for live in ("<!channel>", "<!here>", "<https://"):
        assert live not in text


# ---- NUL characters: PostgreSQL refuses them in text, so they never reach the store -------------


def test_a_nul_in_a_command_is_dropped(workspace):
    user = workspace.member()
    before = len(workspace.server.log())
    share_lead(workspace, user, company="Nulltech", role="Data intern")
    for text in ("Null\x00tech", "\x00", "mine\x00", "type:micro\x00 remote"):
        reply = workspace.command("/internships", text, user=user)
        assert reply.status == 200, (text, reply.text)
    found = workspace.command("/internships", "Null\x00tech", user=user).json()
    assert "Data intern" in all_text(found["blocks"])
    assert "Traceback" not in workspace.server.log()[before:]


def test_a_nul_in_a_form_is_dropped_before_it_is_stored(workspace):
    user, officer = workspace.member(), workspace.officer()
    reply = share_lead(workspace, user, company="Nul\x00Co", role="Intern\x00", description="a\x00b", tags="x\x00y")
    assert reply.status == 200 and reply.body == b"", reply.text
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert (lead.company, lead.role, lead.description, lead.tags) == ("NulCo", "Intern", "ab", "xy")

    reply = submit_gig(workspace, officer, title="Web\x00site", needed="help\x00", contact=officer)
    assert reply.status == 200 and reply.body == b"", reply.text
    assert [(gig.title, gig.needed) for gig in gigs_of(workspace)] == [("Website", "help")]


def test_a_nul_in_a_message_never_reaches_the_form_it_fills(workspace):
    trigger = payloads.new_trigger_id()
    shortcut = payloads.message_action(
        leads_ids.SHORTCUT_SAVE_MESSAGE, text="Intern\x00ship at Contoso: https://contoso.example/1\x00", user_id=workspace.member(),
        team_id=workspace.team_id, channel_id=workspace.channel, response_url=workspace.response_url(), trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200
    [opened] = eventually_got(lambda: [call for call in workspace.fake.calls_to("views.open") if call.args.get("trigger_id") == trigger], count=1)
    initial = {block["block_id"]: block["element"].get("initial_value") for block in opened.args["view"]["blocks"] if "element" in block}
    assert initial["description"] == "Internship at Contoso: https://contoso.example/1"
