"""Gigs as Block Kit: pure functions from domain objects to slack_sdk models."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp.gigs.ids import (
    APPROVE,
    DECLINE,
    DECLINE_FORM,
    DONE,
    FINISH_FORM,
    FORM,
    HOURS_BLOCK,
    REQUEST_FORM,
    VALUE,
    VOLUNTEER,
    WITHDRAW,
)
from slackapp.gigs.models import Gig, GigRequest, GigStatus, RequestStatus, Spot
from slackapp.gigs.service import LIMITS, SKILLS, Joined, Roster
from slackapp.slack.blocks import SECTION_TEXT, actions, button, context, header, modal, section, text_input
from slackapp.slack.phrases import hours as hours_text
from slackapp.slack.phrases import plural
from slackapp.slack.text import escape, truncate

ONLY_MANAGERS_FINISH = "Only the gig's contact or an officer can mark it done and confirm hours."
ALREADY_DONE = "This gig is already marked done."
NO_GIGS_CHANNEL = "The gig is posted and listed in `/gigs`. Choose a gigs channel in `/club config` to announce gigs."
NOT_ANNOUNCED = "The gig is posted and listed in `/gigs`, but I couldn't announce it:"
NO_REVIEWERS = "Thanks! No officer is set up to review requests yet; please tell a club officer directly."
SPOT_OPENED = "A spot opened up and it's yours!"


def gig_text(gig: Gig, current: Roster) -> str:
    """The gig in a few lines; what's needed gets the room the other lines leave, so the facts,
    the contact and the spots are never cut off."""
    head = f"*{escape(gig.title, 450)}*" + (f" · for {escape(gig.organization, 450)}" if gig.organization else "")
    facts = [f"about {hours_text(gig.hours)} h"]
    if gig.skills:
        facts.append(f"skills: {escape(gig.skills, 600)}")
    if gig.due_date:
        facts.append(f"due {gig.due_date:%b %-d, %Y}")
    facts.append(f"contact <@{gig.contact}>")
    filled = f"*{len(current.volunteers)} of {plural(gig.slots, 'spot')} filled*"
    if current.waitlist:
        filled += f" · {len(current.waitlist)} on the waitlist"
    if gig.status == GigStatus.done.value:
        filled = "*Done* · thank you, volunteers!"
    tail = [" · ".join(facts), filled]
    room = SECTION_TEXT - len("\n".join([head, *tail])) - 1
    return "\n".join([head, escape(truncate(gig.needed, 1500), room), *tail])


def announcement(gig: Gig, current: Roster) -> tuple[str, list]:
    text = f"Volunteer gig: {escape(gig.title)}"
    blocks = [section(":raised_hand: *Volunteer gig*"), section(gig_text(gig, current))]
    if gig.status == GigStatus.open.value:
        full = len(current.volunteers) >= gig.slots
        blocks.append(
            actions(
                button("Join the waitlist" if full else "Volunteer", VOLUNTEER, str(gig.id), style=None if full else "primary"),
                button("Withdraw", WITHDRAW, str(gig.id)),
                button("Mark done", DONE, str(gig.id)),
                block_id=f"gig_{gig.id}",
            )
        )
    return text, blocks


def gig_list(open_gigs: list[tuple[Gig, Roster]]) -> list:
    blocks: list = [header("Volunteer gigs with free spots")]
    if not open_gigs:
        blocks.append(section("No open gigs right now. Officers post them with `/gigs post`; anyone can ask for help with `/gigs request`."))
    for gig, current in open_gigs[:15]:
        blocks.append(section(gig_text(gig, current)))
        blocks.append(actions(button("Volunteer", VOLUNTEER, str(gig.id), style="primary"), block_id=f"gig_{gig.id}"))
    if len(open_gigs) > 15:
        blocks.append(context(f"…and {len(open_gigs) - 15} more."))
    return blocks


def my_gigs(volunteered: list[tuple[Gig, str]], posted: list[Gig]) -> list:
    blocks: list = [header("Your gigs")]
    if volunteered:
        lines = [
            f"• *{escape(gig.title)}* — {'done' if gig.status == GigStatus.done.value else 'on the waitlist' if spot == Spot.waitlist.value else 'volunteering'}"
            for gig, spot in volunteered[:30]
        ]
        blocks.append(section("*You volunteered for*\n" + "\n".join(lines)))
    if posted:
        lines = [f"• *{escape(gig.title)}* — {gig.status}" for gig in posted[:30]]
        blocks.append(section("*You posted or are the contact for*\n" + "\n".join(lines)))
    if not volunteered and not posted:
        blocks.append(section("Nothing yet. `/gigs` lists gigs that need volunteers."))
    return blocks


def _input(name: str, label: str, **options) -> InputBlock:
    return text_input(name, label, max_length=LIMITS[name], **options)


def _skills_inputs() -> list:
    return [
        InputBlock(
            block_id="skills",
            label="Skills",
            optional=True,
            element=StaticMultiSelectElement(action_id=VALUE, options=[Option(value=skill, label=skill.capitalize()) for skill in SKILLS]),
        ),
        InputBlock(
            block_id="other_skills",
            label="Other skills",
            optional=True,
            hint="Comma-separated.",
            element=PlainTextInputElement(action_id=VALUE, max_length=200),
        ),
    ]


def _hours_input(label: str = "Estimated hours") -> InputBlock:
    return InputBlock(
        block_id="hours",
        label=label,
        element=NumberInputElement(action_id=VALUE, is_decimal_allowed=True, min_value="0", max_value="200"),
    )


def gig_form(*, poster: str, channel: str | None) -> View:
    return modal(
        FORM,
        "Post a gig",
        submit="Post",
        metadata={"channel": channel},
        blocks=[
            _input("title", "Title"),
            _input("needed", "What's needed", multiline=True),
            *_skills_inputs(),
            _hours_input(),
            InputBlock(
                block_id="slots",
                label="Volunteers needed",
                element=NumberInputElement(action_id=VALUE, is_decimal_allowed=False, min_value="1", max_value="50", initial_value="1"),
            ),
            InputBlock(block_id="due_date", label="Due date", optional=True, element=DatePickerElement(action_id=VALUE)),
            InputBlock(block_id="contact", label="Contact", element=UserSelectElement(action_id=VALUE, initial_user=poster)),
        ],
    )


def request_form() -> View:
    return modal(
        REQUEST_FORM,
        "Ask for a volunteer",
        submit="Send to officers",
        blocks=[
            _input("organization", "Organization"),
            _input("needed", "What you need", multiline=True, hint="For example: our club needs a webmaster for its page."),
            *_skills_inputs(),
            _hours_input(),
            InputBlock(block_id="due_date", label="Due date", optional=True, element=DatePickerElement(action_id=VALUE)),
        ],
    )


def request_review(request: GigRequest) -> tuple[str, list]:
    """What officers see: the request and Approve / Decline."""
    facts = [f"about {hours_text(request.hours)} h"]
    if request.skills:
        facts.append(f"skills: {escape(request.skills, 600)}")
    if request.due_date:
        facts.append(f"due {request.due_date:%b %-d, %Y}")
    text = f"Volunteer request from {escape(request.organization, 450)}"
    head = f":incoming_envelope: *{escape(request.organization, 450)}* asks for a volunteer (from <@{request.requester}>)"
    room = SECTION_TEXT - len(head) - len(" · ".join(facts)) - 2
    blocks = [section(f"{head}\n{escape(truncate(request.needed, 1500), room)}\n{' · '.join(facts)}")]
    if request.status == RequestStatus.pending.value:
        blocks.append(
            actions(
                button("Approve and post", APPROVE, str(request.id), style="primary"),
                button("Decline", DECLINE, str(request.id), style="danger"),
                block_id=f"gig_request_{request.id}",
            )
        )
    else:
        blocks.append(context(f"{request.status.capitalize()} by <@{request.decided_by}>" + (f": {escape(request.reason)}" if request.reason else "")))
    return text, blocks


def decline_form(request: GigRequest, *, channel: str | None, ts: str | None) -> View:
    return modal(
        DECLINE_FORM,
        "Decline request",
        submit="Decline",
        metadata={"request_id": request.id, "channel": channel, "ts": ts},
        blocks=[
            section(f"Declining the request from *{escape(request.organization)}*. They will be told why."),
            _input("reason", "Reason", multiline=True),
        ],
    )


def finish_form(gig: Gig, volunteers: list[tuple[str, str]]) -> View:
    """Hours per volunteer, pre-filled with the estimate. `volunteers` is (user id, display name)."""
    blocks: list = [section(f"Marking *{escape(gig.title)}* done. Confirm each volunteer's hours.")]
    for user_id, name in volunteers[:90]:
        blocks.append(
            InputBlock(
                block_id=f"{HOURS_BLOCK}{user_id}",
                label=truncate(f"Hours for {name}", 2000),
                element=NumberInputElement(action_id=VALUE, is_decimal_allowed=True, min_value="0", max_value="200", initial_value=hours_text(gig.hours)),
            )
        )
    if not volunteers:
        blocks.append(context("Nobody volunteered, so there are no hours to confirm."))
    return modal(FINISH_FORM, "Mark gig done", blocks, submit="Done", metadata={"gig_id": gig.id})


HELP = """*Volunteer gigs*
• `/gigs` — gigs that still need volunteers · `/gigs mine` — what you volunteered for and posted
• `/gigs post` — officers: post a gig (title, what's needed, skills, hours, volunteers needed, due date, contact)
• `/gigs request` — anyone, guests from other organizations too: ask the club for a volunteer (a webmaster for your page, say); officers approve or decline
• Volunteer on a gig's post takes a free spot or joins the waitlist; Withdraw frees it for the next in line
• The contact or an officer marks a gig done and confirms each volunteer's hours"""


def help_blocks() -> list:
    return [section(HELP)]


def volunteer_dm(gig: Gig) -> str:
    return (
        f"You're volunteering for *{escape(gig.title)}*. Thank you!\n{escape(truncate(gig.needed, 1500))}\n"
        f"About {hours_text(gig.hours)} h" + (f", due {gig.due_date:%b %-d}" if gig.due_date else "") + f". Your contact is <@{gig.contact}>."
    )


def thanks_dm(gig: Gig, hours: Decimal) -> str:
    return f":tada: *{escape(gig.title)}* is done. Thank you! {plural(hours, 'volunteer hour')} {'is' if hours == 1 else 'are'} on your record."


def unknown_command(verb: str) -> str:
    return f"I don't know `/gigs {escape(verb, 100)}`.\n{HELP}"


def joined(gig: Gig, outcome: Joined) -> str:
    if outcome.spot == Spot.waitlist:
        return f"All spots are taken, so you're #{outcome.position} on the waitlist for {escape(gig.title)}. I'll DM you if a spot frees up."
    if not outcome.new:
        return f"You're already volunteering for {escape(gig.title)}."
    return f"You're in: {escape(gig.title)}. Details are in your DMs."


def volunteered(gig: Gig, volunteer_id: str) -> str:
    """To the gig's contact."""
    return f"<@{volunteer_id}> volunteered for *{escape(gig.title)}*."


def withdrawn(gig: Gig) -> str:
    return f"You've withdrawn from {escape(gig.title)}."


def request_sent(request: GigRequest) -> str:
    return f"Thanks! Your request for {escape(request.organization)} went to the club's officers. You'll hear back here."


def request_approved(request: GigRequest) -> str:
    return f"Good news: the club approved your request from {escape(request.organization)}. It is posted as a gig with you as the contact."


def request_declined(request: GigRequest) -> str:
    return f"The club's officers declined your request from {escape(request.organization)}: {escape(request.reason)}"


def overdue(gig: Gig, current: Roster) -> tuple[str, list]:
    """To officers, once: a gig past its due date that still has free spots."""
    text = f"Gig past its due date with free spots: {escape(gig.title)}"
    body = (
        f":hourglass: *{escape(gig.title)}* was due {gig.due_date:%b %-d} and has {len(current.volunteers)} of {plural(gig.slots, 'spot')} filled. "
        "Extend it, find volunteers, or mark it done."
    )
    return text, [section(body)]
