"""Introductions as Block Kit: the `/intros on` form, the intro DM, "Did you meet?", status, numbers."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import CheckboxesElement, InputBlock, Option, RadioButtonsElement
from slack_sdk.models.views import View

from slackapp.intros import ids
from slackapp.intros.models import Cadence, IntroMember, Kind, State
from slackapp.intros.pairing import Person, shared
from slackapp.intros.service import Numbers
from slackapp.slack.blocks import actions, button, context, modal, section
from slackapp.slack.text import escape

# Profile text in a DM: cut before escaping (escape's limit) so the message stays whole.
FACT = 100

CADENCES = {Cadence.biweekly.value: "Every 2 weeks", Cadence.monthly.value: "Monthly (every 4 weeks)"}
KINDS = {Kind.peers.value: "Peers (fellow members)", Kind.alumni.value: "Alumni", Kind.officers.value: "Officers"}
ANSWERED = {"yes": "You met — nice! It counts on your passport.", "not_yet": "Not yet — there's still time.", "skip": "Skipped. Your next intro comes as usual."}

HELP = (
    "*Introductions* — meet another member every 2 weeks or every month, by DM, at 10:00 your time on the club's intro day.\n"
    "• `/intros on` — join (how often, whom you're open to meet: peers, alumni, officers) · `/intros off` — leave\n"
    "• `/intros snooze 2w` — no intros for 2 weeks (or `10d`) · `/intros` — your status and when your next intro comes\n"
    "• `/intros avoid @someone` — never be paired with them (private: nobody is told) · `/intros unavoid @someone`\n"
    "• `/intros stats` — officers: how many take part and meet"
)
USAGE = "I don't know that one. " + HELP
ONLY_OFFICERS = "Only club officers can see the introductions' numbers."
NOT_JOINED = "You haven't joined introductions. `/intros on` to join."
TURNED_OFF = "You left introductions: no more intros. `/intros on` brings them back."
PAUSED = "Intros paused. `/intros on` (or *Resume intros*) brings them back."
WHOM_TO_AVOID = "Whom should I never pair you with? Mention them: `/intros avoid @someone`."


def form(current: IntroMember | None) -> View:
    cadences = [Option(value=value, label=label) for value, label in CADENCES.items()]
    kinds = [Option(value=value, label=label) for value, label in KINDS.items()]
    chosen_cadence = next((o for o in cadences if current and o.value == current.cadence), cadences[0])
    open_to = set(current.open_to.split(",")) if current else set(KINDS)
    return modal(
        ids.FORM,
        "Introductions",
        submit="Join",
        blocks=[
            section("Every round, on the club's intro day, you get a DM at 10:00 your time introducing you to another member, with an idea to start the conversation."),
            InputBlock(block_id=ids.CADENCE, label="How often", element=RadioButtonsElement(action_id=ids.VALUE, options=cadences, initial_option=chosen_cadence)),
            InputBlock(
                block_id=ids.OPEN_TO,
                label="Whom I'm open to meet",
                element=CheckboxesElement(action_id=ids.VALUE, options=kinds, initial_options=[o for o in kinds if o.value in open_to] or None),
            ),
        ],
    )


def _when(day: date | None) -> str:
    return f"{day:%A, %B} {day.day}, at 10:00 your time" if day else "not planned"


def joined(found: IntroMember, next_day: date | None) -> str:
    return f"You're in: {CADENCES.get(found.cadence, found.cadence).lower()}. Your next intro comes {_when(next_day)}."


def status(found: IntroMember | None, next_day: date | None, avoiding: int, today: date) -> list:
    if found is None or found.state == State.off.value:
        return [section(NOT_JOINED)]
    if found.state == State.paused.value:
        why = "after 3 intros went unanswered" if found.paused_by_app else "as you asked"
        lines = [f"Your intros are paused ({why}). `/intros on` brings them back."]
    else:
        lines = [f"You're in, {CADENCES.get(found.cadence, found.cadence).lower()}, open to meet {', '.join(KINDS[k].split(' (')[0].lower() for k in found.open_to.split(',') if k in KINDS)}."]
        if found.snoozed_until and found.snoozed_until > today:
            lines.append(f"Snoozed until {found.snoozed_until:%B} {found.snoozed_until.day}.")
        lines.append(f"Your next intro comes {_when(next_day)} (when someone you may meet takes part).")
    if avoiding:
        lines.append(f"You asked never to be paired with {avoiding} {'person' if avoiding == 1 else 'people'} (only you see this).")
    return [section("\n".join(lines)), context("`/intros help` for everything you can do")]


def snoozed(until: date) -> str:
    return f"Snoozed: no intros before {until:%A, %B} {until.day}. `/intros on` ends the snooze early."


def avoiding(other: str, new: bool) -> str:
    return f"You won't be paired with <@{other}>{'' if new else ' (already on your list)'}. Nobody else is told."


def unavoided(other: str, removed: bool) -> str:
    return f"<@{other}> {'can be paired with you again' if removed else 'was not on your list'}."


def _others(others: list[str]) -> str:
    names = [f"<@{user}>" for user in others]
    return names[0] if len(names) == 1 else " and ".join([", ".join(names[:-1]), names[-1]])


def opener(me: Person, them: list[Person]) -> str:
    """An idea to start with, from what the profiles share (all their text escaped)."""
    for other in them:
        school, major, skills = shared(me, other)
        alum = other if other.kind == Kind.alumni.value else me if me.kind == Kind.alumni.value else None
        if alum is not None and school:
            return f"You both have *{escape(me.school, FACT)}* in common: ask how the path from there went, or what it's like now."
        if skills:
            listed = ", ".join(escape(skill, FACT // 2) for skill in sorted(skills)[:3])
            return f"You both list *{listed}*: swap one project where you used it."
        if major:
            return f"You're both in *{escape(me.major, FACT)}*: compare what you want to do with it."
        if school:
            return f"You're both at *{escape(me.school, FACT)}*: trade the one class or professor you'd recommend."
    if any(other.kind == Kind.alumni.value for other in them):
        return "Ask how they found their first job after graduating, and what they'd do differently."
    return "Ask what they're working towards this semester, and what would help."


def _facts(person: Person) -> str:
    parts = [escape(person.school, FACT), escape(person.major, FACT)]
    tag = {"alumni": "alum", "officers": "club officer"}.get(person.kind)
    shown = " · ".join(part for part in parts + [tag or ""] if part)
    return f" ({shown})" if shown else ""


def intro_dm(intro_id: int, me: Person, them: list[Person]) -> tuple[str, list]:
    who = _others([person.user_id for person in them])
    lines = "\n".join(f"• <@{person.user_id}>{_facts(person)}" for person in them)
    blocks = [
        section(f":wave: *Meet {who}!* This round's introduction:\n{lines}"),
        section(f"*To start:* {opener(me, them)}\nSay hi in a DM and find 20 minutes for a coffee or a call."),
        context("I'll ask in a while whether you met. `/intros` — your status · `/intros snooze 2w`"),
        actions(button("Pause intros", ids.PAUSE, str(intro_id))),
    ]
    return f"Meet {who}: this round's introduction", blocks


def check_in(intro_id: int, others: list[str]) -> tuple[str, list]:
    who = _others(others)
    value = str(intro_id)
    blocks = [
        section(f"*Did you meet {who}?*"),
        actions(
            button("Yes", ids.MET, value, style="primary"),
            button("Not yet", ids.NOT_YET, value),
            button("Skip", ids.SKIP, value),
            button("Pause intros", ids.PAUSE, value),
        ),
    ]
    return f"Did you meet {who}?", blocks


def answered(said: str, others: list[str]) -> tuple[str, list]:
    text = f"*Did you meet {_others(others)}?* {ANSWERED[said]}"
    return ANSWERED[said], [section(text)]


def paused_by_app() -> tuple[str, list]:
    text = "I've paused your introductions: your last 3 intros went unanswered. Whenever you want them back, `/intros on` or the button below."
    return text, [section(text), actions(button("Resume intros", ids.RESUME, "resume", style="primary"))]


def _figure(value: int | None, smallest: int) -> str:
    return str(value) if value is not None else f"&lt;{smallest}"


def numbers_blocks(found: Numbers, smallest: int) -> list:
    lines = [
        f"Taking part: *{_figure(found.taking_part, smallest)}* · paused: {_figure(found.paused, smallest)} · snoozed: {_figure(found.snoozed, smallest)}",
    ]
    lines += [f"`{day:%b %d}`  {_figure(introduced, smallest)} introduced · {_figure(met, smallest)} said they met" for day, introduced, met in found.rounds]
    return [
        section("*Introductions*\n" + "\n".join(lines)),
        context(f"Counts only. A figure for fewer than {smallest} members shows as &lt;{smallest}, so none points at one member."),
    ]
