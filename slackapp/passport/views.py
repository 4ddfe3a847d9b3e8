"""The passport as Block Kit and text: pure functions from records and claims."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackapp.csvfile import csv_text
from slackapp.passport import ids
from slackapp.passport.models import Claim
from slackapp.passport.program import PeriodKind, Program, Record
from slackapp.passport.service import LIMITS, SMALLEST_GROUP, ClubNumbers
from slackapp.slack.blocks import actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import plural
from slackapp.slack.text import escape

HELP = """*Passport* — your participation record for the Business Passport program
• `/passport` — my points this semester, by category, against the target
• `/passport claim` — something I did outside the club (a career fair, a résumé review at Career Services), for an officer to approve
• `/passport leaderboard` — members who chose to be listed; `/passport leaderboard on` or `off` for yourself
• `/passport export` — my record as a CSV file
Officers: `/passport @member` · `/passport review` (claims waiting) · `/passport stats` (the club's numbers) · `/passport config` · `/passport export 2026-08-01 2026-12-31` (everyone's record for those dates)"""

NOT_OFFICER = "Only club officers can do that."
LEADERBOARD_ON = "You are on the passport leaderboard now. `/passport leaderboard off` takes you off."
LEADERBOARD_OFF = "You are off the passport leaderboard."
EXPORT_USAGE = "Give two dates: `/passport export 2026-08-01 2026-12-31`."
CLAIM_SENT = "Thanks! Your claim waits for an officer; I'll tell you what they decide."
NO_PENDING = "No claims are waiting for a decision."


def help_blocks() -> list:
    return [section(HELP)]


def _bar(counted: int, target: int, width: int = 10) -> str:
    filled = min(width, round(width * counted / target)) if target else width
    return "▰" * filled + "▱" * (width - filled)


def record_blocks(record: Record, *, whose: str = "Your") -> list:
    """A record by category against the target; the latest stamps under it."""
    program = record.program
    blocks = [
        header(f"{whose} passport — {record.period.label}"),
        section(f"*{record.total} of {program.target} points*  {_bar(record.total, program.target)}" + ("  ✅ complete" if record.complete else "")),
    ]
    lines = []
    for score in record.scores:
        capped = f" (capped at {score.category.cap})" if score.category.cap is not None and score.earned > score.category.cap else ""
        required = " · _required_" if score.category.key in program.required else ""
        lines.append(f"• *{score.category.label}*: {plural(score.counted, 'point')} from {plural(score.activities, 'activity')}{capped}{required}")
    blocks.append(section("\n".join(lines)))
    if record.missing:
        blocks.append(context("Still needed: " + ", ".join(category.label for category in record.missing)))
    latest = record.stamps[-8:]
    if latest:
        blocks.append(context("Latest: " + " · ".join(f"{stamp.on:%b %-d} {escape(stamp.title, 80)}" for stamp in reversed(latest))))
    return blocks


def leaderboard_choice(on: bool) -> list:
    return [section(LEADERBOARD_ON if on else LEADERBOARD_OFF)]


def leaderboard_blocks(period_label: str, ranked: list[Record]) -> list:
    if not ranked:
        return [section(f"Nobody on the leaderboard has points in {period_label} yet. `/passport leaderboard on` to be listed.")]
    lines = [f"{place}. <@{entry.user_id}> — {plural(entry.total, 'point')}" for place, entry in enumerate(ranked, start=1)]
    return [header(f"Passport leaderboard — {period_label}"), section("\n".join(lines)), context("Only members who chose to be listed appear here.")]


def _category_options(program: Program) -> list[Option]:
    return [Option(value=category.key, label=category.label) for category in program.categories]


def claim_form(program: Program, *, today: date) -> View:
    blocks = [
        InputBlock(block_id=ids.CATEGORY, label="Category", element=StaticSelectElement(action_id=ids.VALUE, options=_category_options(program))),
        text_input(ids.TITLE, "What you did", max_length=LIMITS[ids.TITLE], placeholder="Spring career fair"),
        InputBlock(block_id=ids.DONE_ON, label="When", element=DatePickerElement(action_id=ids.VALUE, initial_date=today.isoformat())),
        text_input(ids.EVIDENCE, "Evidence", max_length=LIMITS[ids.EVIDENCE], multiline=True, hint="A link, who can confirm it, or what you took away."),
    ]
    return modal(ids.CLAIM_FORM, "Passport claim", blocks, submit="Send")


def claim_text(claim: Claim, program: Program) -> str:
    category = program.category(claim.category)
    return (
        f"<@{claim.user_id}> claims *{escape(claim.title, LIMITS[ids.TITLE])}* ({category.label if category else claim.category}, {claim.done_on:%b %-d, %Y})\n"
        f"> {escape(claim.evidence, LIMITS[ids.EVIDENCE])}"
    )


def pending_blocks(claims: list[Claim], program: Program) -> list:
    if not claims:
        return [section(NO_PENDING)]
    blocks = [header(f"Passport claims waiting ({len(claims)})")]
    for claim in claims[:20]:
        blocks.append(section(claim_text(claim, program), block_id=f"claim_{claim.id}", accessory=button("Review", ids.REVIEW, str(claim.id))))
    return blocks


def decision_form(claim: Claim, program: Program) -> View:
    options = [Option(value="approve", label="Approve"), Option(value="decline", label="Decline")]
    blocks = [
        section(claim_text(claim, program)),
        InputBlock(block_id=ids.DECISION, label="Decision", element=RadioButtonsElement(action_id=ids.VALUE, options=options, initial_option=options[0])),
        text_input(ids.COMMENT, "Comment for the member", max_length=LIMITS[ids.COMMENT], optional=True, multiline=True, hint="Needed when you decline."),
    ]
    return modal(ids.DECISION_FORM, "Review claim", blocks, submit="Decide", metadata={"claim_id": claim.id})


def decided_dm(claim: Claim, program: Program) -> str:
    category = program.category(claim.category)
    verdict = "approved ✅" if claim.status == "approved" else "declined"
    points = f" It counts in {category.label}." if claim.status == "approved" and category else ""
    comment = f"\n> {escape(claim.comment, LIMITS[ids.COMMENT])}" if claim.comment else ""
    return f"Your passport claim *{escape(claim.title, LIMITS[ids.TITLE])}* was {verdict} by <@{claim.decided_by}>.{points}{comment}"


def config_form(program: Program) -> View:
    blocks: list = [section("Points for each activity (for Service: each volunteer hour), and the most a category can add in one period (empty: no cap).")]
    for category in program.categories:
        blocks.append(_number(ids.POINTS + category.key, f"{category.label}: points", category.points))
        blocks.append(_number(ids.CAP + category.key, f"{category.label}: cap", category.cap, optional=True))
    options = _category_options(program)
    chosen = [option for option in options if option.value in program.required]
    periods = [Option(value=PeriodKind.semester.value, label="Semester"), Option(value=PeriodKind.year.value, label="Academic year")]
    blocks += [
        divider(),
        _number(ids.TARGET, "Target points per period", program.target),
        InputBlock(block_id=ids.REQUIRED, label="Required categories", optional=True, element=CheckboxesElement(action_id=ids.VALUE, options=options, initial_options=chosen or None)),
        InputBlock(
            block_id=ids.PERIOD,
            label="Period",
            element=StaticSelectElement(action_id=ids.VALUE, options=periods, initial_option=next(p for p in periods if p.value == program.period.value)),
        ),
    ]
    return modal(ids.CONFIG_FORM, "Passport program", blocks, submit="Save")


def _number(block_id: str, label: str, value: int | None, *, optional: bool = False) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=NumberInputElement(action_id=ids.VALUE, is_decimal_allowed=False, min_value="0", initial_value=str(value) if value is not None else None),
    )


def numbers_line(numbers: ClubNumbers, program: Program) -> str:
    def shown(value: int | None) -> str:
        return str(value) if value is not None else f"&lt;{SMALLEST_GROUP}"

    parts = [f"{category.label} {shown(numbers.by_category.get(category.key))}" for category in program.categories]
    return f"Members with passport activity: *{shown(numbers.members)}* · complete: {shown(numbers.complete)}\n" + " · ".join(parts)


def numbers_blocks(period_label: str, numbers: ClubNumbers, program: Program) -> list:
    return [
        header(f"Passport numbers — {period_label}"),
        section(numbers_line(numbers, program)),
        context(f"Members with activity in each category. A figure for fewer than {SMALLEST_GROUP} members shows as &lt;{SMALLEST_GROUP}, so none points at one member."),
    ]


def records_csv(records: list[Record], names: dict[str, str]) -> str:
    """One row per stamp (the evidence a program office asks for), then each member's points by
    category after caps."""
    rows = []
    for record in records:
        name = names.get(record.user_id, "")
        for stamp in record.stamps:
            category = record.program.category(stamp.category)
            rows.append([record.user_id, name, stamp.on.isoformat(), category.label if category else stamp.category, stamp.points(record.program), stamp.source, stamp.title])
        rows += [[record.user_id, name, "", score.category.label, score.counted, "total after cap", ""] for score in record.scores]
    return csv_text(["member_id", "member", "date", "category", "points", "source", "activity"], rows)


def unknown_command(word: str) -> str:
    return f"I don't know `/passport {escape(word, 40)}`. Here is what I can do:"


def new_claim_button() -> dict:
    return actions(button("Claim an activity", ids.NEW_CLAIM))
