"""The digest as data (the fast layer): counts of one read right."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from slackapp.digest import views
from slackapp.gigs.models import Gig
from slackapp.gigs.service import Roster
from slackapp.slack.blocks import to_dicts
from tests.helpers import all_text

pytestmark = pytest.mark.fast


def test_a_gig_with_one_spot_says_spot():
    gig = Gig(id=1, team_id="T1", title="Front desk", needed="help", hours=Decimal(2), slots=1, due_date=date(2031, 3, 20), contact="U1", posted_by="U1", status="open")
    _, blocks = views.digest(new=[], closing=[], tz="UTC", gigs=[(gig, Roster(volunteers=[], waitlist=[]))])
    assert "*Front desk* · 0 of 1 spot filled" in all_text(to_dicts(blocks))
