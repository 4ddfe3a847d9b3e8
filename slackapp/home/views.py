"""App Home as Block Kit: a pure function of the dashboard. Every list ends in "see all" when there
is more, so the view stays far inside Slack's 100 blocks whatever lies behind it."""

from __future__ import annotations

from slackapp.ask import ids as ask_ids
from slackapp.ask import views as ask_views
from slackapp.events import ids as event_ids
from slackapp.events.models import Seat
from slackapp.gigs import ids as gig_ids
from slackapp.habit.service import ITEMS as HABIT_ITEMS
from slackapp.home.service import Dashboard, OfficerDesk
from slackapp.leads import ids as lead_ids
from slackapp.leads import moderation_views as lead_moderation
from slackapp.micro.models import BidStatus, Project, ProjectStatus
from slackapp.passport import ids as passport_ids
from slackapp.passport.program import Record
from slackapp.profiles import ids as profile_ids
from slackapp.resumebook import views as resumebook_views
from slackapp.slack.blocks import actions, button, context, divider, header, section
from slackapp.slack.phrases import date_token, deadline, hours, plural
from slackapp.slack.text import escape

MAX_BLOCKS = 100  # Slack's limit for a Home view

_SEAT_WORDS = {Seat.going: "✅ going", Seat.waitlist: "⏳ waitlisted", Seat.maybe: "🤔 maybe", Seat.no: "✖ can't go"}


def home_view(board: Dashboard) -> dict:
    blocks = _member_blocks(board)
    if board.desk is not None:
        blocks += _officer_blocks(board.desk, board.tz)
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _see_all(shown, where: str) -> list:
    return [context(f"More in {where}.")] if shown.more else []


def _member_blocks(board: Dashboard) -> list:
    blocks = [
        header("Your club, at a glance"),
        actions(
            button("Find internships", lead_ids.FIND, style="primary"),
            button("Share a lead", lead_ids.SHARE, "share"),
            button("Request a volunteer", gig_ids.REQUEST),
            button("Claim an activity", passport_ids.NEW_CLAIM),
            button("Ask for help", ask_ids.OPEN),
            button("Edit my profile", profile_ids.EDIT),
            block_id="home_actions",
        ),
        divider(),
        section("*Your next events*"),
    ]
    blocks += _events(board)
    blocks += [divider(), section("*Your saved leads*")] + _leads(board)
    blocks += [divider(), section("*Your gigs and micro-internships*")] + _gigs_and_bids(board)
    blocks += resumebook_views.home_section(list(board.books))
    blocks += [divider(), section("*Your passport*\n" + _passport_line(board.passport)), context("By category: `/passport` · claim what you did elsewhere with *Claim an activity*.")]
    blocks += [divider(), _habit(board)]
    return blocks


def _events(board: Dashboard) -> list:
    if not board.events.items:
        return [context("No upcoming events. `/events` lists them when there are.")]
    lines = [
        f"• *{escape(event.title, 150)}* · {date_token(event.starts_at)} · " + (_SEAT_WORDS.get(seat, "no answer yet") if seat else "no answer yet")
        for event, seat in board.events.items
    ]
    return [section("\n".join(lines))] + _see_all(board.events, "`/events`")


def _leads(board: Dashboard) -> list:
    if not board.leads.items:
        return [context("Nothing saved yet. Press *Save* on a lead in `/internships`.")]
    lines = [f"• *{escape(lead.role, 150)}* · {escape(lead.company, 100)} · {saved.stage} · {deadline(lead.deadline, board.tz)}" for saved, lead in board.leads.items]
    return [section("\n".join(lines))] + _see_all(board.leads, "`/internships mine`")


def _gigs_and_bids(board: Dashboard) -> list:
    """What the member volunteered for and bid on, and what they posted: a section for gigs and one
    for projects (ten lines each stay inside a section's 3,000 characters)."""
    user = board.user_id
    gigs = [f"• Gig *{escape(gig.title, 150)}* · {spot}" for gig, spot in board.gigs.items]
    gigs += [f"• Gig *{escape(gig.title, 150)}* · {_ROLE[gig.posted_by == user]} · {gig.status}" for gig in board.posted_gigs.items]
    projects = [f"• Project *{escape(project.title, 150)}* · {BidStatus(bid.status).label}" for bid, project in board.bids.items]
    projects += [_project_line(project, waiting, user) for project, waiting in board.projects.items]
    if not gigs and not projects:
        return [context("None yet. `/gigs` lists volunteer gigs; `/internships micro` lists paid projects.")]
    blocks = [section("\n".join(lines)) for lines in (gigs, projects) if lines]
    more = {where for shown, where in ((board.gigs, "`/gigs mine`"), (board.posted_gigs, "`/gigs mine`"), (board.bids, "`/internships micro mine`"),
                                        (board.projects, "`/internships micro mine`")) if shown.more}
    return blocks + [context(f"More in {where}.") for where in sorted(more)]


_ROLE = {True: "you posted it", False: "you're the contact"}


def _project_line(project: Project, waiting: int, user: str) -> str:
    parts = [f"• Project *{escape(project.title, 150)}*", ProjectStatus(project.status).label]
    if waiting:
        parts.append(f"{plural(waiting, 'bid')} waiting")
    parts.append("you posted it" if project.posted_by == user else "you supervise it")
    return " · ".join(parts)


def _passport_line(record: Record) -> str:
    missing = f" · still needed: {', '.join(category.label for category in record.missing)}" if record.missing else ""
    done = " ✅" if record.complete else ""
    return f"*{record.total} of {record.program.target} points* in {record.period.label}{done}{missing}"


def _habit(board: Dashboard) -> dict:
    if not board.habit_on:
        return section("*This week's job search*\nTurn on the weekly checklist with `/internships habit on`.")
    ticks = "\n".join(f"{'☑' if key in board.habit_ticks else '☐'} {label}" for key, label in HABIT_ITEMS.items())
    return section(f"*This week's job search* ({len(board.habit_ticks)} of {len(HABIT_ITEMS)})\n{ticks}")


def _officer_blocks(desk: OfficerDesk, tz: str) -> list:
    blocks = [divider(), header("Officers")]
    blocks += [section(f"*Waiting for a decision* · {_waiting(desk)}")]
    for claim in desk.claims.items:
        blocks.append(section(f"Passport claim: <@{claim.user_id}> · *{escape(claim.title, 150)}*", block_id=f"home_claim_{claim.id}",
                              accessory=button("Review", passport_ids.REVIEW, str(claim.id))))
    blocks += _see_all(desk.claims, "`/passport review`")
    requests = [f"• Gig request from {escape(request.organization, 150)} · {hours(request.hours)} h" for request in desk.requests.items]
    projects = [f"• Micro-internship post: *{escape(project.title, 150)}* · {escape(project.organization, 100)}" for project in desk.projects.items]
    if requests or projects:
        blocks.append(section("\n".join(requests + projects)))
        blocks.append(context("Approve or decline them from their message in the officers' channel or your DMs."))
    blocks += lead_moderation.home_queue(desk.leads.items, more=desk.leads.more)
    blocks += [divider()] + ask_views.home_queue(desk.help_queue.items, more=desk.help_queue.more, times=desk.help_claims, ratings=list(desk.help_ratings))
    blocks += [divider(), section("*Upcoming events*")]
    for event in desk.events.items:
        counts = desk.counts.get(event.id, {})
        line = f"*{escape(event.title, 150)}* · {date_token(event.starts_at)}\n{counts.get(Seat.going, 0)} going · {counts.get(Seat.waitlist, 0)} waitlisted · {counts.get(Seat.maybe, 0)} maybe"
        blocks.append(section(line, block_id=f"home_event_{event.id}", accessory=button("Roster", event_ids.ROSTER_DM, str(event.id))))
    if not desk.events.items:
        blocks.append(context("No upcoming events. `/events new` announces one."))
    blocks += _see_all(desk.events, "`/events`")
    month = desk.month
    blocks += [
        divider(),
        section(
            f"*This month*: {plural(month.events, 'event')} · {plural(month.checkins, 'check-in')} · "
            f"{plural(month.leads_shared, 'lead')} shared · {plural(month.volunteer_hours, 'volunteer hour')}"
        ),
    ]
    return blocks


def _waiting(desk: OfficerDesk) -> str:
    def count(shown, noun: str) -> str:
        return f"{len(shown.items)}+ {noun}s" if shown.more else plural(len(shown.items), noun)

    return f"{count(desk.claims, 'passport claim')} · {count(desk.requests, 'gig request')} · {count(desk.projects, 'micro-internship post')}"
