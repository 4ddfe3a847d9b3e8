"""The help queue as Block Kit: pure functions from requests to messages and forms. The request's
link appears in one place only, the claiming helper's introduction; the rating and note only in
what the helper and officers see."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import CheckboxesElement, InputBlock, Option, RadioButtonsElement, StaticSelectElement
from slack_sdk.models.views import View

from slackapp.ask import ids
from slackapp.ask.models import HelpRequest, Kind, Status
from slackapp.ask.service import EXPIRE_AFTER, LIMITS, ClaimTimes, Mine
from slackapp.slack.blocks import actions, button, context, modal, section, text_input
from slackapp.slack.phrases import date_token, plural
from slackapp.slack.text import escape

HELP = """*Help queue*
• `/ask` — ask the club's helpers for a resume review, a mock interview, career advice or other help: what you want help with, when you're available and an optional link (only the helper who claims it sees the link)
• `/ask mine` — your requests and where they are, and the ones you help with
• `/ask helper on` — help others: pick the kinds of help you take; `/ask helper off` stops it · officers are helpers already
• *Claim* on a request gives it to you and introduces you both by DM; the member marks it done and rates it (only the helper and officers see the rating), or withdraws it any time
• A request unclaimed for 48 hours goes to the officers; a claimed one closes by itself after 14 days"""

NO_HELPERS = "Your request is saved, but no helper is set up yet: tell a club officer, or ask again later."
DONE_TITLE = "Mark done"
THANKS = "Thanks! Your helper sees your rating; officers do too, nobody else."
HELPER_OFF = "You no longer take requests for help. `/ask helper on` starts again."
OFFICERS_GET_THEM = ("Officers get requests for help by DM while the club has no helpers' or officers' channel: "
                     "an officer can choose one in `/club config`, and they go there instead.")
NOT_A_HELPER = "You weren't taking requests for help. `/ask helper on` starts."


def _kind(request: HelpRequest) -> str:
    return Kind(request.kind).label


def _stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating) + f" {rating}/5"


def help_blocks() -> list:
    return [section(HELP)]


def unknown_command(word: str) -> str:
    return f"I don't know `/ask {escape(word, 100)}`.\n{HELP}"


# --- forms -------------------------------------------------------------------------------------------


def _kind_options() -> list[Option]:
    return [Option(value=kind.value, label=kind.label) for kind in Kind]


def request_form() -> View:
    return modal(
        ids.FORM,
        "Ask for help",
        submit="Ask",
        blocks=[
            InputBlock(block_id=ids.KIND, label="Kind of help", element=StaticSelectElement(action_id=ids.VALUE, options=_kind_options())),
            text_input(ids.TOPIC, "What I want help with", max_length=LIMITS[ids.TOPIC], multiline=True,
                       placeholder="The internship I'm applying for, what worries me about my resume…"),
            text_input(ids.LINK, "Link to my resume or material", max_length=LIMITS[ids.LINK], optional=True,
                       hint="Only the helper who claims your request sees it."),
            text_input(ids.AVAILABILITY, "When I'm available", max_length=LIMITS[ids.AVAILABILITY], placeholder="Weekday evenings, Friday afternoon…"),
        ],
    )


def helper_form(current: set[str]) -> View:
    options = _kind_options()
    chosen = [option for option in options if option.value in current] or options
    return modal(
        ids.HELPER_FORM,
        "Help others",
        submit="Save",
        blocks=[
            InputBlock(
                block_id=ids.KINDS,
                label="Requests I take",
                hint="You'll see requests of these kinds and can claim them. `/ask helper off` stops it.",
                element=CheckboxesElement(action_id=ids.VALUE, options=options, initial_options=chosen),
            )
        ],
    )


def done_form(request: HelpRequest) -> View:
    ratings = [Option(value=str(number), label=_stars(number)) for number in range(5, 0, -1)]
    return modal(
        ids.DONE_FORM,
        DONE_TITLE,
        submit="Done",
        metadata={"request_id": request.id},
        blocks=[
            section(f"How was the help with your *{_kind(request).lower()}* from <@{request.helper}>?"),
            InputBlock(block_id=ids.RATING, label="Rating", element=RadioButtonsElement(action_id=ids.VALUE, options=ratings)),
            text_input(ids.NOTE, "A note (optional)", max_length=LIMITS[ids.NOTE], optional=True, multiline=True,
                       hint="Only your helper and the officers see the rating and the note."),
        ],
    )


def rated(request: HelpRequest) -> View:
    return View(type="modal", title=DONE_TITLE, close="Close", blocks=[section(f":white_check_mark: {THANKS}")])


# --- the request's post, and the officers' notice ------------------------------------------------------


def _summary(request: HelpRequest) -> str:
    lines = [
        f"*{_kind(request)}* for <@{request.user_id}>",
        escape(request.topic, 2000),
        f"*Available:* {escape(request.availability, 500)}",
    ]
    if request.link:
        lines.append("_A link comes with it: the helper who claims it gets it._")
    return "\n".join(lines)


def post(request: HelpRequest, *, turn: int, in_dm: bool = False) -> tuple[str, list]:
    """The request as helpers see it; Claim while it is open in this turn (and, in a helper's DM,
    a way to stop getting them)."""
    text = f"Request for help: {_kind(request)}"
    blocks = [section(":raised_hand: *A member asks for help*"), section(_summary(request))]
    if turn != request.turn:
        blocks.append(context("Handed back to the queue: see its newer post."))
    elif request.status == Status.open.value:
        stop = button("Stop getting these", ids.STOP, str(request.id)) if in_dm else None
        blocks.append(actions(button("Claim", ids.CLAIM, str(request.id), style="primary"), stop, block_id=f"ask_{request.id}"))
    elif request.status == Status.claimed.value:
        blocks.append(context(f"Claimed by <@{request.helper}>."))
    else:
        blocks.append(context({Status.withdrawn.value: "Withdrawn.", Status.done.value: "Done.", Status.expired.value: "Closed."}[request.status]))
    return text, blocks


def unclaimed(request: HelpRequest, *, now: datetime) -> tuple[str, list]:
    text = f"Unclaimed for 48 hours: {_kind(request)}"
    blocks = [
        section(f":raised_hand: *Nobody has claimed this request* since {date_token(request.queued_at)}"),
        section(_summary(request)),
        actions(button("Claim", ids.CLAIM, str(request.id), style="primary"), block_id=f"ask_unclaimed_{request.id}"),
        context("Officers see this once. Claim it, or find a helper who takes this kind (`/ask helper on`)."),
    ]
    return text, blocks


# --- the people's DMs ------------------------------------------------------------------------------------


def _requester_buttons(request: HelpRequest, *, done: bool) -> dict:
    return actions(
        button("Mark done", ids.DONE, str(request.id), style="primary") if done else None,
        button("Withdraw", ids.WITHDRAW, str(request.id)),
        block_id=f"ask_mine_{request.id}",
    )


def _helper_buttons(request: HelpRequest) -> dict:
    return actions(button("Hand back", ids.HAND_BACK, str(request.id)), block_id=f"ask_helper_{request.id}")


def request_sent(request: HelpRequest, *, helpers_asked: int | None) -> tuple[str, list]:
    where = "in the helpers' channel" if helpers_asked is None else f"to {plural(helpers_asked, 'helper')}"
    text = f"Your request for a {_kind(request).lower()} went {where}."
    blocks = [
        section(f"Your request for a *{_kind(request).lower()}* went {where}. When a helper claims it, I'll introduce you by DM."),
        _requester_buttons(request, done=False),
    ]
    return text, blocks


def intro_helper(request: HelpRequest) -> tuple[str, list]:
    text = f"You claimed <@{request.user_id}>'s request: {_kind(request)}"
    blocks = [
        section(f":raised_hand: You claimed <@{request.user_id}>'s request. Write to them to set a time.\n*{_kind(request)}*\n{escape(request.topic, 2000)}"),
        section(_details_for_helper(request)),
        _helper_buttons(request),
        context(f"<@{request.user_id}> marks it done when you're finished. It closes by itself {EXPIRE_AFTER.days} days after you claimed it."),
    ]
    return text, blocks


def _details_for_helper(request: HelpRequest) -> str:
    lines = [f"*Available:* {escape(request.availability, 500)}"]
    if request.link:
        lines.append(f"*Their link:* <{escape(request.link)}> (only you see it)")
    return "\n".join(lines)


def intro_requester(request: HelpRequest) -> tuple[str, list]:
    text = f"<@{request.helper}> claimed your request: {_kind(request)}"
    blocks = [
        section(f":raised_hand: <@{request.helper}> claimed your request for a *{_kind(request).lower()}* and will write to you. "
                "Your link went to them only."),
        _requester_buttons(request, done=True),
        context("When you're done, *Mark done* and rate the help: only your helper and the officers see it."),
    ]
    return text, blocks


def reminder(request: HelpRequest, *, role: str, days: int) -> tuple[str, list]:
    if role == "requester":
        text = f"Did <@{request.helper}> help you? It's been {days} days."
        blocks = [
            section(f"It's been {days} days since <@{request.helper}> claimed your request for a *{_kind(request).lower()}*. "
                    "Done? *Mark done* and rate it; no longer needed? *Withdraw*."),
            _requester_buttons(request, done=True),
        ]
    else:
        text = f"Still helping <@{request.user_id}>? It's been {days} days."
        blocks = [
            section(f"It's been {days} days since you claimed <@{request.user_id}>'s request for a *{_kind(request).lower()}*. "
                    "If you can't help after all, *Hand back* puts it back in the queue."),
            _helper_buttons(request),
        ]
    return text, blocks


def expired(request: HelpRequest, *, to_helper: bool) -> str:
    whom = f"<@{request.user_id}>'s request" if to_helper else "Your request"
    return (f"{whom} for a {_kind(request).lower()} closed by itself: {EXPIRE_AFTER.days} days have passed since it was claimed. "
            "Need more help? `/ask` again.")


def done_to_helper(request: HelpRequest) -> str:
    note = f"\n>{escape(request.note, LIMITS[ids.NOTE] + 200)}" if request.note else ""
    return f":white_check_mark: <@{request.user_id}> marked your help with their {_kind(request).lower()} done and rated it {_stars(request.rating)}.{note}\nThank you for helping!"


def withdrawn(request: HelpRequest, *, to_helper: bool) -> str:
    if to_helper:
        return f"<@{request.user_id}> withdrew their request for a {_kind(request).lower()}. Nothing more to do: thank you."
    return f"Your request for a {_kind(request).lower()} is withdrawn."


def handed_back(request: HelpRequest, *, to_helper: bool) -> str:
    if to_helper:
        return f"You handed <@{request.user_id}>'s request back to the queue."
    return f"Your request for a {_kind(request).lower()} is back in the queue: its helper couldn't take it after all. Another helper can claim it now."


def claimed_by_you(request: HelpRequest) -> str:
    return f"It's yours: I've introduced you to <@{request.user_id}> by DM, with the details."


# --- /ask mine and the helper settings --------------------------------------------------------------


_STATUS = {
    Status.open.value: "waiting for a helper",
    Status.claimed.value: "claimed",
    Status.done.value: "done",
    Status.withdrawn.value: "withdrawn",
    Status.expired.value: "closed by itself",
}


def mine(found: Mine, *, kinds: set[str]) -> list:
    blocks = [section("*Your requests for help*")]
    if not found.asked:
        blocks.append(context("None yet. `/ask` asks the club's helpers."))
    for request in found.asked:
        status = _STATUS[request.status] + (f" by <@{request.helper}>" if request.status == Status.claimed.value else "")
        line = f"*{_kind(request)}* · asked {date_token(request.created_at, '{date_short}')} · {status}\n{escape(request.topic, 200)}"
        open_now = request.status in (Status.open.value, Status.claimed.value)
        blocks.append(section(line, block_id=f"ask_mine_{request.id}"))
        if open_now:
            blocks.append(_requester_buttons(request, done=request.status == Status.claimed.value))
    if found.helping:
        lines = []
        for request in found.helping:
            rating = f" · {_stars(request.rating)}" + (f" “{escape(request.note, 120)}”" if request.note else "") if request.rating else ""
            lines.append(f"• *{_kind(request)}* for <@{request.user_id}> · {_STATUS[request.status]}{rating}")
        blocks += [section("*Requests you helped with*"), section("\n".join(lines))]
    taking = ", ".join(kind.label.lower() for kind in Kind if kind.value in kinds)
    blocks.append(context(f"You take requests for: {taking}. `/ask helper off` stops it." if taking else "Help others: `/ask helper on`."))
    return blocks


def helper_on(kinds: list[Kind]) -> str:
    return f"You take requests for: {', '.join(kind.label.lower() for kind in kinds)}. You'll see them with a *Claim* button. `/ask helper off` stops it."


# --- officers' Home -------------------------------------------------------------------------------------


def home_queue(queue: list[HelpRequest], *, more: bool, times: ClaimTimes, ratings: list[HelpRequest]) -> list:
    """The officers' section of Home: the open queue, this month's median time to claim, the latest ratings."""
    median = f"median time to claim {_duration(times.median)}" if times.median is not None else "none claimed yet"
    blocks = [section(f"*Help queue* · {plural(len(queue), 'open request')}{'+' if more else ''} · this month: {plural(times.claimed, 'claim')}, {median}")]
    lines = [f"• *{_kind(request)}* for <@{request.user_id}> · waiting since {date_token(request.queued_at)}" for request in queue]
    if lines:
        blocks.append(section("\n".join(lines)))
        blocks.append(context("Claim them from their post in the helpers' channel or your DMs. More in the channel." if more else
                              "Claim them from their post in the helpers' channel or your DMs."))
    if ratings:
        rated_lines = [f"• {_stars(request.rating)} · <@{request.helper}> for <@{request.user_id}> · {_kind(request).lower()}"
                       + (f" · “{escape(request.note, 200)}”" if request.note else "") for request in ratings]
        blocks.append(section("*Latest ratings* (officers only)\n" + "\n".join(rated_lines)))
    return blocks


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days {hours % 24} h"
