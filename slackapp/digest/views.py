"""The weekly digest message."""

from __future__ import annotations

from slackapp.events.models import Event
from slackapp.gigs.models import Gig
from slackapp.gigs.service import Roster
from slackapp.leads.models import Lead
from slackapp.slack.blocks import context, divider, header, section
from slackapp.slack.phrases import deadline, due_day, plural, time_range
from slackapp.slack.text import escape


def _line(lead: Lead, tz: str) -> str:
    return f"• *{escape(lead.role)}* · {escape(lead.company)} · {lead.lead_type.label} · {deadline(lead.deadline, tz)}"


def digest(*, new: list[Lead], closing: list[Lead], tz: str, gigs: list[tuple[Gig, Roster]] = (), events: list[Event] = ()) -> tuple[str, list]:
    blocks: list = [header("This week in the club")]
    if new:
        blocks.append(section(f"*New leads* ({len(new)})\n" + "\n".join(_line(lead, tz) for lead in new)))
    if closing:
        blocks.append(section("*Closing within 7 days*\n" + "\n".join(_line(lead, tz) for lead in closing)))
    if events:
        lines = [f"• *{escape(event.title)}* · {time_range(event.starts_at, event.ends_at)}" for event in events[:10]]
        blocks.append(section("*Coming up this week*\n" + "\n".join(lines)))
    if gigs:
        lines = [f"• *{escape(gig.title)}* · {len(r.volunteers)} of {plural(gig.slots, 'spot')} filled · {due_day(gig.due_date)}" for gig, r in gigs[:10]]
        blocks.append(section("*Volunteer gigs with free spots*\n" + "\n".join(lines)))
    blocks += [divider(), context("`/internships` to browse and save · `/internships habit on` for a weekly job-search checklist")]
    text = f"This week: {plural(len(new), 'new lead')}, {len(closing)} closing soon"
    return text, blocks
