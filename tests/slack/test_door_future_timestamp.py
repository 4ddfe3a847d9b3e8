"""A correctly signed request stamped minutes *in the future* is refused at the door like a stale one
(Slack's rule is a window either side of now), and nothing it asks for is done.

End to end on purpose: through the app's HTTP endpoint, whatever checks the signature behind it."""

from __future__ import annotations

import json
import time

import pytest

from slackapp.leads import ids as lead_ids
from slackapp.sandbox import payloads
from tests.helpers import announced_leads, eventually_got, lead_values, leads_of, share_lead

AHEAD = {"six-minutes": 6 * 60, "an-hour": 60 * 60}


@pytest.mark.parametrize("ahead", AHEAD.values(), ids=AHEAD.keys())
def test_a_signed_request_from_the_future_gets_401_and_nothing_is_done(workspace, ahead):
    member = workspace.member()
    future = int(time.time()) + ahead

    # A lead shared from the future: an app that took it would store and announce it.
    shared = payloads.view_submission(
        lead_ids.FORM,
        lead_values(company="Futurama", role="From the future", url=f"https://future.example/{workspace.team_id}"),
        user_id=member,
        team_id=workspace.team_id,
        private_metadata=json.dumps({"lead_id": None, "channel": workspace.channel}),
    )
    refused = [workspace.server.slack.interact(shared, timestamp=future).status]

    # A command from the future: an app that took it would answer through its response_url.
    bait = workspace.response_url()
    command = payloads.slash_command("/internships", "", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel, response_url=bait)
    refused.append(workspace.server.slack.command(body=command, timestamp=future).status)

    # The same requests signed now are served: the lead is stored and announced ...
    marker = share_lead(workspace, member, company="Initech", role="Shared now", url=f"https://now.example/{workspace.team_id}")
    assert marker.status == 200, marker.text
    eventually_got(lambda: [lead for lead in announced_leads(workspace) if lead.role == "Shared now"], count=1)
    # ... and only that one: the one from the future was never acted on.
    assert [found.role for found in leads_of(workspace)] == ["Shared now"]
    assert [call for call in workspace.fake.calls_to("response_url") if call.tag == bait.rsplit("/", 1)[1]] == []
    posted = [call for call in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) if "From the future" in json.dumps(call.args)]
    assert posted == []
    assert refused == [401, 401]
