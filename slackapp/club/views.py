"""The club's own screens: help, settings, the officer list."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from slackapp.club.ids import (
    APPROVE_FIRST_LEADS,
    CONFIG_FORM,
    DIGEST_DAY,
    DIGEST_TIME,
    EVENTS_CHANNEL,
    GIGS_CHANNEL,
    HELPERS_CHANNEL,
    INTRO_DAY,
    LEADS_CHANNEL,
    OFFICERS_CHANNEL,
    TIMEZONE,
    VALUE,
)
from slackapp.club.models import Officer, Workspace
from slackapp.slack.blocks import modal, section, text_input
from slackapp.slack.text import escape

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOT_OFFICER = "Only club officers can do that. `/club officers list` shows who they are."
PICK_A_CHANNEL = "Pick a channel from the list."
OFFICERS_USAGE = "Use `/club officers list`, `/club officers add @someone` or `/club officers remove @someone`."

HELP = """*What I can do*
*Internship leads*
• `/internships` — open leads, newest first · `/internships <words>` to search (`remote`, `paid`, `type:micro` …)
• `/internships post` — share a lead · `/internships mine` — leads you saved and where you are with them
• `/internships help` — search tips
*Micro-internships*
• `/internships micro` — paid short projects; *Bid* on one · `/internships micro post` — post a project · `/internships micro mine` — your bids, work and evaluations
• `/club profile` — your school, major and graduation year (bidding needs School and Major)
• Message menu → *Save as internship lead* — turn a posted link into a lead
*Volunteer gigs*
• `/gigs` — gigs that need volunteers · `/gigs mine` · `/gigs post` (officers) · `/gigs request` — ask the club for a volunteer · `/gigs help`
*Help queue*
• `/ask` — ask the club's helpers for a resume review, a mock interview or career advice · `/ask mine` — your requests and where they are
• `/ask helper on` — help others, with the kinds of help you take · `/ask helper off` · `/ask help`
*Events*
• `/events` — upcoming events; react :white_check_mark: / :thinking_face: / :x: on a post to answer · `/events new` (officers)
• `/events roster <number or title>` (officers) · `/events checkin CODE` · `/events help`
• Message menu → *Make RSVP post* — officers: turn your own announcement into an event
*Passport and Home*
• `/passport` — your points this semester by category · `/passport claim` — something you did elsewhere · `/passport leaderboard on` · `/passport help`
• The app's *Home* tab — your events, saved leads, gigs, projects, passport and this week's checklist in one place
*Your data*
• `/club mydata` — everything the app stores about you, as a file · `/club forget-me` — delete it (your contributions stay, anonymous)
*The club*
• `/club help` — this list
• `/internships habit on` / `off` — a weekly job-search checklist by DM · `/internships habit day tue 18:00` moves it · `/internships habit` — your last 8 weeks
• `/intros on` — introductions: meet another member, an alum or an officer every 2 weeks or monthly, by DM · `/intros help`
• `/companies [name]` — employers: their open leads, projects and events, members who worked there, reviews; **Follow** one · `/companies help`
• Officers: `/companies merge <one> into <other>` · `/companies split lead 12 into <name>` · `/companies book` — a resume book for a sponsor, with each member's consent · `/companies book list`
• `/club config` — officers: time zone, the leads channel, and when the weekly digest is posted
• `/club officers` — roles, holders, term ends · officers: `add @someone [title]`, `role @someone <title>`, `remove @someone`
• `/club handover @someone [role]` — officers: a role and its open items to the next officer · `/club notes [role]` — the role's notes
• `/club review 2026-08-01 2027-05-31` — officers: the club's numbers for a period, with a chart of attendance by month and a CSV per area by DM"""


def help_blocks() -> list:
    return [section(HELP)]


def config_form(settings: Workspace) -> View:
    day_options = [Option(value=str(number), label=name) for number, name in enumerate(DAYS)]
    return modal(
        CONFIG_FORM,
        "Club settings",
        submit="Save",
        metadata={"team_id": settings.team_id},
        blocks=[
            text_input(TIMEZONE, "Time zone", max_length=64, initial=settings.timezone, hint="A name like America/New_York. Deadlines and schedules follow it."),
            _channel_input(LEADS_CHANNEL, "Announce new leads in", settings.leads_channel, "Empty: announce in the channel where the lead was shared."),
            _channel_input(EVENTS_CHANNEL, "Announce events in", settings.events_channel, "Empty: in the channel chosen in each event's form, or where it was created."),
            _channel_input(GIGS_CHANNEL, "Announce volunteer gigs in", settings.gigs_channel, "Empty: in the channel where the gig was posted."),
            _channel_input(OFFICERS_CHANNEL, "Officers' channel", settings.officers_channel, "Where volunteer requests go for approval. Empty: a DM to each officer."),
            _channel_input(HELPERS_CHANNEL, "Helpers' channel", settings.helpers_channel,
                           "Where requests for help (/ask) are posted, without their links. Empty: the officers' channel, else a DM to each helper."),
            InputBlock(
                block_id=DIGEST_DAY,
                label="Weekly digest day",
                hint="The digest goes to the leads channel; a week with nothing new posts nothing.",
                element=StaticSelectElement(action_id=VALUE, options=day_options, initial_option=day_options[settings.digest_weekday or 0]),
            ),
            InputBlock(
                block_id=DIGEST_TIME,
                label="Weekly digest time",
                element=TimePickerElement(action_id=VALUE, initial_time=settings.digest_time or "09:00"),
            ),
            InputBlock(
                block_id=INTRO_DAY,
                label="Introductions day",
                hint="Rounds of /intros start on this day: each intro arrives at 10:00 in its reader's own time zone.",
                element=StaticSelectElement(action_id=VALUE, options=day_options, initial_option=day_options[getattr(settings, "intro_weekday", 0) or 0]),
            ),
            _approve_first_leads_input(bool(settings.approve_first_leads)),
        ],
    )


APPROVE_FIRST_LEADS_LABEL = "Every new member's first lead waits for approval"


def _approve_first_leads_input(on: bool) -> InputBlock:
    option = Option(value="on", label=APPROVE_FIRST_LEADS_LABEL)
    return InputBlock(
        block_id=APPROVE_FIRST_LEADS,
        label="First leads",
        optional=True,
        hint="An officer approves it before it is announced or listed. Guests' first leads always wait.",
        element=CheckboxesElement(action_id=VALUE, options=[option], initial_options=[option] if on else None),
    )


def _channel_input(block_id: str, label: str, current: str | None, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=ConversationSelectElement(
            action_id=VALUE, initial_conversation=current, filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True)
        ),
    )


def officer_list(listed: list[Officer], configured: frozenset[str]) -> str:
    names = [f"<@{user_id}> (from SLACKAPP_OFFICERS)" for user_id in sorted(configured)]
    names += [f"<@{officer.user_id}> (added by <@{officer.added_by}>)" for officer in listed if officer.user_id not in configured]
    lines = "\n".join(f"• {name}" for name in names) or "• nobody added yet"
    return f"*Officers*\n{lines}\nWorkspace admins and owners are officers too."


def unknown_command(word: str) -> str:
    return f"I don't know `/club {escape(word, 100)}`. Here is what I can do:"


def whom_to(verb: str) -> str:
    return f"Whom should I {verb}? Mention them: `/club officers {verb} @someone`."


def officer_added(user_id: str, changed: bool) -> str:
    return f"<@{user_id}> is {'now' if changed else 'already'} an officer."


def officer_removed(user_id: str, changed: bool, *, configured: bool) -> str:
    note = " (still listed in SLACKAPP_OFFICERS)" if configured else ""
    return f"<@{user_id}> {'is no longer' if changed else 'was not'} on the officer list{note}."


def cannot_join(channel: str) -> str:
    return f"Settings saved. I can't join <#{channel}> by myself (it is probably private): invite me there with `/invite @slackapp` so I can post there."
