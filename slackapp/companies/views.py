"""Companies as Block Kit: pure functions from records to blocks and message text."""

from __future__ import annotations

from slack_sdk.models.blocks import CheckboxesElement, DatePickerElement, InputBlock, NumberInputElement, Option, StaticSelectElement, UserSelectElement
from slack_sdk.models.views import View

from slackapp.companies import ids
from slackapp.companies.models import Company, Contact, Review, ReviewStatus
from slackapp.companies.service import LIMITS, SMALLEST_GROUP, EventLine, Page
from slackapp.slack.blocks import actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import date_token
from slackapp.slack.text import escape

HELP = """*Companies: every employer the club works with, in one place*
• `/companies` — the directory; `/companies <name>` — a company's page: open leads and projects, events, members who worked there, reviews
• *Follow* on a page — its new leads, projects and events come to you by DM (see them in `/internships alerts`)
• *Write a review* — 1–5 stars, what the interview or internship was like; shown once an officer approves it, with your name or anonymously
• Officers: `/companies merge <one> into <other>`, `/companies split lead 12 project 3 event 7 into <name>`, and the contact log on each page"""
STARS = "★"


def name(company: Company) -> str:
    return escape(company.name, 150)


def directory(found: list[tuple[Company, int]], words: str) -> tuple[str, list]:
    if not found:
        text = f"No company matches “{escape(words, 100)}”." if words else "No companies yet: they appear as leads, projects and events name them."
        return text, [section(text), context(HELP)]
    blocks = [header("Companies" if not words else f"Companies matching {words}"[:150])]
    for company, count in found[:40]:
        blocks.append(section(f"*{name(company)}* · {count} lead{'s' if count != 1 else ''}", accessory=button("Open", ids.OPEN, str(company.id))))
    blocks.append(context("`/companies <name>` opens a page · `/companies help`"))
    return "Companies", blocks[:50]


def _author(review: Review, *, is_officer: bool) -> str:
    if is_officer:
        return f"<@{review.user_id}>" + (" (anonymous to members)" if review.anonymous else "")
    return "a member" if review.anonymous else f"<@{review.user_id}>"


def review_text(review: Review, *, is_officer: bool) -> str:
    stars = STARS * review.rating + "☆" * (5 - review.rating)
    return f"{stars} · {escape(review.role, 150)}, {review.year} · by {_author(review, is_officer=is_officer)}\n{escape(review.text, 1500)}"


def _event_line(line: EventLine, *, past: bool) -> str:
    counted = f"{line.count} attended" if past else f"{line.count} going"
    if line.count is None:
        counted = f"fewer than {SMALLEST_GROUP} {'attended' if past else 'going'}"
    return f"• {escape(line.event.title, 150)} · {date_token(line.event.starts_at)} · {counted} (event {line.event.id})"


def company_page(found: Page, *, is_officer: bool) -> tuple[str, list]:
    company = found.company
    blocks: list = [header(company.name[:150])]
    if found.aliases:
        blocks.append(context("Also known as " + ", ".join(escape(alias, 100) for alias in found.aliases[:10])))
    follow = button("Unfollow", ids.UNFOLLOW, str(company.id)) if found.following else button("Follow", ids.FOLLOW, str(company.id), style="primary")
    review = button("Edit my review" if found.my_review and found.my_review.status != ReviewStatus.withdrawn.value else "Write a review", ids.REVIEW_OPEN, str(company.id))
    buttons = [follow, review]
    if found.my_review and found.my_review.status in (ReviewStatus.pending.value, ReviewStatus.approved.value):
        buttons.append(button("Withdraw my review", ids.REVIEW_WITHDRAW, str(found.my_review.id)))
    if is_officer:
        buttons.append(button("Log a contact", ids.CONTACT_OPEN, str(company.id)))
    blocks.append(actions(*buttons, block_id=f"company_{company.id}"))
    leads = "\n".join(f"• <{escape(lead.url, 2000)}|{escape(lead.role, 150)}> (lead {lead.id})" for lead in found.leads) or "None open."
    blocks.append(section(f"*Open leads*\n{leads}"))
    projects = "\n".join(f"• {escape(project.title, 150)} (project {project.id})" for project in found.projects) or "None open."
    blocks.append(section(f"*Micro-internships*\n{projects}"))
    upcoming = "\n".join(_event_line(line, past=False) for line in found.upcoming) or "None planned."
    past = "\n".join(_event_line(line, past=True) for line in found.past) or "None yet."
    blocks.append(section(f"*Upcoming events*\n{upcoming}"))
    blocks.append(section(f"*Past events*\n{past}"))
    alumni = ", ".join(f"<@{user_id}>" for user_id in found.alumni[:30]) or "Nobody has said so yet."
    blocks.append(section(f"*Members who worked or interned here*\n{alumni}"))
    blocks.append(context("Add yours under “Past employers” in `/club profile`, and tick that it may be shown."))
    blocks.append(divider())
    if found.reviews:
        blocks.append(section("*Reviews*"))
        blocks += [section(review_text(review, is_officer=is_officer)) for review in found.reviews]
    else:
        blocks.append(section("*Reviews*\nNone yet."))
    if found.my_review and found.my_review.status == ReviewStatus.pending.value:
        blocks.append(context("Your review waits for an officer's approval."))
    if found.contacts is not None:
        blocks.append(divider())
        log = "\n".join(contact_text(contact) for contact in found.contacts) or "Nothing logged yet."
        blocks.append(section(f"*Contact log* (officers only)\n{log}", accessory=button("Full log", ids.CONTACT_LOG, str(company.id))))
    return company.name, blocks[:50]


def contact_text(contact: Contact) -> str:
    notes = f" — {escape(contact.notes, 500)}" if contact.notes else ""
    return f"• {contact.contacted_on:%b %-d, %Y}: <@{contact.club_member}> with {escape(contact.their_person, 150)}{notes}"


_ANON = Option(value="yes", label="Show it anonymously to members (officers still see who wrote it)")
_RATINGS = [Option(value=str(n), label=STARS * n) for n in range(1, 6)]


def review_form(company: Company, review: Review | None, *, year: int) -> View:
    rating = _RATINGS[review.rating - 1] if review else None
    return modal(
        ids.REVIEW_FORM,
        "Review"[:24],
        submit="Send for approval",
        metadata={"company_id": company.id},
        blocks=[
            section(f"Your review of *{name(company)}*: an officer approves it before anyone sees it. Editing sends it for approval again."),
            InputBlock(block_id="rating", label="Rating", element=StaticSelectElement(action_id=ids.VALUE, options=_RATINGS, initial_option=rating)),
            text_input("role", "Your role there", max_length=LIMITS["role"], initial=getattr(review, "role", None)),
            InputBlock(
                block_id="year",
                label="Year",
                element=NumberInputElement(action_id=ids.VALUE, is_decimal_allowed=False, initial_value=str(getattr(review, "year", None) or year)),
            ),
            text_input("text", "The interview or the internship", max_length=LIMITS["text"], multiline=True, initial=getattr(review, "text", None)),
            InputBlock(
                block_id="anonymous",
                label="Anonymous",
                optional=True,
                element=CheckboxesElement(action_id=ids.VALUE, options=[_ANON], initial_options=[_ANON] if getattr(review, "anonymous", False) else None),
            ),
        ],
    )


def contact_form(company: Company, *, today) -> View:
    blocks = [
        section(f"A conversation with *{name(company)}*. Only officers ever see the log."),
        InputBlock(block_id="club_member", label="Who from the club", element=UserSelectElement(action_id=ids.VALUE)),
        text_input("their_person", "Whom there", max_length=LIMITS["their_person"]),
        InputBlock(block_id="contacted_on", label="When", element=DatePickerElement(action_id=ids.VALUE, initial_date=today.isoformat())),
        text_input("notes", "Notes", max_length=LIMITS["notes"], multiline=True, optional=True),
    ]
    return modal(ids.CONTACT_FORM, "Log a contact", blocks, submit="Log it", metadata={"company_id": company.id})


def review_question(review: Review, company_name: str) -> tuple[str, list]:
    """The officers' question about a review (in their channel or by DM), or its outcome."""
    text = f"A review of {escape(company_name, 150)} waits for approval"
    blocks = [section(f"*Review of {escape(company_name, 150)}*\n{review_text(review, is_officer=True)}")]
    if review.status == ReviewStatus.pending.value:
        blocks.append(actions(button("Approve", ids.APPROVE, str(review.id), style="primary"), button("Decline", ids.DECLINE, str(review.id), style="danger"), block_id=f"company_review_{review.id}"))
    else:
        who = f" by <@{review.decided_by}>" if review.decided_by else ""
        blocks.append(context(f"{review.status.capitalize()}{who}."))
    return text, blocks


def review_sent(company: Company) -> str:
    return f"Thanks: your review of {name(company)} waits for an officer's approval; you'll hear when it is decided."


def review_decided(review: Review, company_name: str) -> str:
    if review.status == ReviewStatus.approved.value:
        return f"Your review of {escape(company_name, 150)} was approved: it is on the company page now."
    return f"Your review of {escape(company_name, 150)} was declined by an officer. You can edit it and send it again from `/companies {escape(company_name, 100)}`."


NO_REVIEWERS = "There are no officers to approve your review yet; it waits until there are."
