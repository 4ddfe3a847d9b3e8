"""Leads as Block Kit: pure functions from domain objects to slack_sdk models."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConfirmObject,
    DatePickerElement,
    InputBlock,
    Option,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackapp.leads import ids
from slackapp.leads.models import Lead, LeadStatus, LeadType, SavedLead, Stage, tag_list
from slackapp.leads.service import LIMITS, Page, due_soon
from slackapp.localtime import end_of_day
from slackapp.slack.blocks import SECTION_TEXT, actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import date_token, deadline, plural
from slackapp.slack.text import escape, truncate

BROKEN_PAGE = "That page link is broken. Run `/internships` again."
ONLY_MANAGERS_EDIT = "Only the person who shared this lead, or an officer, can edit it."
NO_LEADS_CHANNEL = (
    "Your lead is saved and listed in `/internships`, but there is no leads channel to announce it in. "
    "An officer can choose one with `/club config`."
)
NOT_ANNOUNCED = "Your lead is saved and listed in `/internships`, but I couldn't announce it:"
APPLIED = "Marked as applied. Good luck! Track it with `/internships mine`."


def _where(lead: Lead) -> str:
    if lead.remote and lead.location:
        return f"{escape(lead.location, 300)} or remote"
    return "Remote" if lead.remote else escape(lead.location, 300)


# A lead in a list shows the start of its description; the rest is behind Open.
DESCRIPTION_SHOWN = 300


def state_of(lead: Lead, today: date | None) -> str | None:
    """Why a lead isn't open any more (or not yet), in a word or two; None while it is open.
    Without `today`, expiry isn't judged (a list of open leads)."""
    status = getattr(lead, "status", LeadStatus.open.value)
    if status == LeadStatus.pending.value:
        return "Waiting for approval"
    if status == LeadStatus.hidden.value:
        return "Hidden while officers review it"
    if lead.closed_at is not None or status in (LeadStatus.removed.value, LeadStatus.declined.value):
        return "Closed"
    if today is not None and lead.expires_on is not None and lead.expires_on < today:
        return "Closed (expired)"
    return None


def lead_text(lead: Lead, tz: str, *, today: date | None = None) -> str:
    """The lead in a few lines of mrkdwn; every piece of user text escaped, and cut before it is
    escaped so that the lines after it always fit."""
    # A lead here may be a row of a list (slackapp.leads.service.open_leads) or a Lead.
    facts = [LeadType(lead.kind).label, _where(lead)]
    if lead.pay:
        facts.append(f"pay: {escape(lead.pay, 300)}")
    facts.append(deadline(lead.deadline, tz))
    head = [f"*{escape(lead.role, 450)}* · {escape(lead.company, 300)}", " · ".join(facts)]
    tags = tag_list(lead.tags)
    tail = [escape(" ".join(f"`{tag}`" for tag in tags), 600)] if tags else []
    state = state_of(lead, today)
    tail.append((f"*{state}* · " if state else "") + f"shared by <@{lead.posted_by}>")
    room = SECTION_TEXT - len("\n".join(head + tail)) - 1
    about = [escape(truncate(lead.description, DESCRIPTION_SHOWN), room)] if lead.description and room > 1 else []
    return "\n".join(head + about + tail)


def lead_buttons(lead: Lead, *, saved: bool, can_manage: bool, page: Page | None = None, officer: bool = False):
    """Report is for everyone (reporting twice is refused by the server); History for officers."""
    return actions(
        button("Open", ids.OPEN, str(lead.id), url=lead.url),
        button("Saved ✓" if saved else "Save", ids.SAVE, _save_value(lead, page), style=None if saved else "primary"),
        button("Edit", ids.EDIT, str(lead.id)) if can_manage else None,
        button("Close", ids.CLOSE, str(lead.id), style="danger", confirm=close_confirm()) if can_manage and lead.closed_at is None else None,
        button("Report", ids.REPORT, str(lead.id)),
        button("History", ids.HISTORY, str(lead.id)) if officer else None,
        block_id=f"lead_{lead.id}",
    )


def _page_value(page: Page, number: int) -> str:
    return json.dumps({"q": page.query.as_text(), "p": number})


def _save_value(lead: Lead, page: Page | None) -> str:
    """In a list, Save carries the list's search and page: the list is ephemeral, so Slack doesn't
    send it back, and the listener draws it again with the lead saved."""
    return str(lead.id) if page is None else json.dumps({"lead": lead.id, "q": page.query.as_text(), "p": page.number})


def saved_from_list(value: object) -> tuple[int, str, int] | None:
    """The lead, search and page a list's Save button carries; None for a plain lead id."""
    try:
        wanted = json.loads(str(value or ""))
        return int(wanted["lead"]), str(wanted.get("q", "")), int(wanted.get("p", 1))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):  # a forged value is no list's
        return None


def lead_list(page: Page, *, tz: str, saved: set[int], manageable: set[int], above: list = (), below: list = (), officer: bool = False) -> list:
    """`above`: blocks another feature lists before the leads (micro-internship projects matching
    the search); `below`: after them (Alert me)."""
    query = page.query.as_text()
    title = f"Leads matching “{truncate(query, 80)}”" if query else "Open internship leads"
    blocks: list = [header(title), *above]
    if not page.leads and not above:
        empty = "Nothing matches that search. Try fewer words, or `/internships help`." if query else "No open leads yet. Be the first to share one!"
        blocks.append(section(empty if page.number == 1 else "No more leads on this page."))
    for lead in page.leads:
        blocks.append(section(lead_text(lead, tz)))
        blocks.append(lead_buttons(lead, saved=lead.id in saved, can_manage=lead.id in manageable, page=page, officer=officer))
    blocks.extend(below)
    nav = [
        button("◀ Previous", ids.PAGE_BACK, _page_value(page, page.number - 1)) if page.has_previous else None,
        button("Next ▶", ids.PAGE, _page_value(page, page.number + 1)) if page.has_next else None,
        button("Share a lead", ids.SHARE, "share", style="primary"),
    ]
    blocks.append(divider())
    blocks.append(actions(*nav, block_id="lead_nav"))
    blocks.append(context(f"Page {page.number} · `/internships help` for search tips · `/internships mine` for your saved leads"))
    return blocks


def find_form(words: str = "") -> View:
    """App Home's "Find internships": the search, in a modal (what /internships does in a channel)."""
    blocks = [
        text_input(ids.FIND_WORDS, "Words", max_length=200, initial=words or None, optional=True, placeholder="marketing remote paid",
                   hint="Empty: the newest open leads. Add remote, paid or type:micro as in /internships."),
    ]
    return modal(ids.FIND_FORM, "Find internships", blocks, submit="Search")


def find_results(page: Page, *, tz: str) -> View:
    """The first page of results in the modal: each lead with its link; saving and paging are in
    `/internships`, where the buttons can answer."""
    query = page.query.as_text()
    blocks: list = []
    if not page.leads:
        blocks.append(section("Nothing matches that search. Try fewer words." if query else "No open leads yet."))
    for lead in page.leads:
        blocks.append(section(lead_text(lead, tz), accessory=button("Open", ids.OPEN, str(lead.id), url=lead.url)))
    more = " More in `/internships" + (f" {truncate(query, 80)}" if query else "") + "`." if page.has_next else ""
    blocks.append(context(f"To save a lead or see more, use `/internships` in any channel.{more}"))
    return modal(ids.FIND_FORM, "Find internships", blocks, submit="Search again", metadata={"shown": True})


def announcement(lead: Lead, tz: str) -> tuple[str, list]:
    """The channel post for a new lead: notification text and blocks, Open and Save only."""
    text = f"New lead: {escape(lead.role)} at {escape(lead.company)}"
    blocks = [
        section(":briefcase: *New lead shared*"),
        section(lead_text(lead, tz)),
        actions(
            button("Open", ids.OPEN, str(lead.id), url=lead.url),
            button("Save", ids.SAVE, str(lead.id), style="primary") if lead.is_shown else None,
            button("Report", ids.REPORT, str(lead.id)) if lead.is_shown else None,
            block_id=f"lead_{lead.id}",
        ),
    ]
    return text, blocks


def _text_input(name: str, label: str, *, initial: str | None, **options) -> InputBlock:
    return text_input(name, label, max_length=LIMITS[name], initial=initial, **options)


def lead_form(values: dict | None = None, *, lead_id: int | None = None, channel: str | None = None) -> View:
    """The share/edit modal. `values` prefills it (field name -> value, as the form returns them)."""
    values = values or {}
    types = [Option(value=kind.value, label=kind.label) for kind in LeadType]
    kind = next((option for option in types if option.value == values.get("kind")), None)
    remote_option = Option(value="remote", label="Remote")
    deadline = values.get("deadline")
    blocks = [
        _text_input("company", "Company", initial=values.get("company"), placeholder="Acme Analytics"),
        _text_input("role", "Role", initial=values.get("role"), placeholder="Supply chain analyst intern"),
        _text_input("url", "Link", initial=values.get("url"), placeholder="https://…", hint="Where to read more and apply."),
        InputBlock(
            block_id="kind",
            label="Type",
            element=StaticSelectElement(action_id=ids.VALUE, options=types, initial_option=kind, placeholder="Choose a type"),
        ),
        _text_input("location", "Location", initial=values.get("location"), optional=True, placeholder="Storrs, CT", hint="Leave empty if it is fully remote."),
        InputBlock(
            block_id="remote",
            label="Remote",
            optional=True,
            element=CheckboxesElement(
                action_id=ids.VALUE,
                options=[remote_option],
                initial_options=[remote_option] if values.get("remote") else None,
            ),
        ),
        _text_input("pay", "Pay", initial=values.get("pay"), optional=True, placeholder="$20/hour"),
        InputBlock(
            block_id="deadline",
            label="Deadline",
            optional=True,
            hint="Leave empty when applications are rolling.",
            element=DatePickerElement(action_id=ids.VALUE, initial_date=str(deadline) if deadline else None),
        ),
        _text_input("description", "Description", initial=values.get("description"), optional=True, multiline=True),
        _text_input("tags", "Tags", initial=values.get("tags"), optional=True, placeholder="analytics, supply chain", hint="Comma-separated; they help people search."),
    ]
    title, submit = ("Edit lead", "Save") if lead_id else ("Share a lead", "Share")
    return modal(ids.FORM, title, blocks, submit=submit, metadata={"lead_id": lead_id, "channel": channel})


def draft_values(lead: Lead) -> dict:
    return {
        "company": lead.company,
        "role": lead.role,
        "url": lead.url,
        "kind": lead.kind,
        "location": lead.location,
        "remote": lead.remote,
        "pay": lead.pay,
        "deadline": lead.deadline,
        "description": lead.description,
        "tags": lead.tags,
    }


_STAGE_OPTIONS = [Option(value=stage.value, label=stage.label) for stage in Stage]
# Two blocks a lead; Slack allows 50 blocks in a message, and MINE_EXTRA of them are kept for
# what other features list below (a member's micro-internships).
MINE_SHOWN = 20
MINE_EXTRA = 7


def my_leads(saved: list[SavedLead], *, tz: str, today: date, below: list = ()) -> list:
    blocks: list = [header("Your saved leads")]
    if not saved:
        blocks.append(section("You haven't saved any leads yet. Press *Save* on a lead in `/internships` to track it here."))
        return blocks + list(below)
    for row in saved[:MINE_SHOWN]:
        lead = row.lead
        days = due_soon(lead.deadline, today=today) if row.stage != Stage.closed.value else None
        flag = ""
        if days is not None:
            flag = ":warning: *due today* · " if days == 0 else f":warning: *due in {plural(days, 'day')}* · "
        stage = next(option for option in _STAGE_OPTIONS if option.value == row.stage)
        blocks.append(
            section(
                flag + lead_text(lead, tz, today=today),
                block_id=f"saved_{lead.id}",
                accessory=StaticSelectElement(
                    action_id=ids.STAGE,
                    options=[Option(value=f"{lead.id}:{option.value}", label=option.label) for option in _STAGE_OPTIONS],
                    initial_option=Option(value=f"{lead.id}:{stage.value}", label=stage.label),
                ),
            )
        )
        blocks.append(
            actions(
                button("Open", ids.OPEN, str(lead.id), url=lead.url),
                button("Remove", ids.UNSAVE, str(lead.id)),
                block_id=f"saved_actions_{lead.id}",
            )
        )
    if len(saved) > MINE_SHOWN:
        blocks.append(context(f"…and {len(saved) - MINE_SHOWN} more. Set finished ones to Closed or remove them to see the rest."))
    return blocks + list(below)


def close_confirm() -> ConfirmObject:
    return ConfirmObject(title="Close this lead?", text="It leaves the open list for everyone.", confirm="Close it", deny="Keep it open")


HELP = """*Finding internship leads*
• `/internships` — open leads, newest first
• `/internships <words>` — search role, company, description and tags; best matches first (a word in the role or company counts most)
• Filters you can mix with words: `remote` · `paid` · `type:internship` · `type:micro` · `type:part-time` · `type:full-time`
   e.g. `/internships analytics remote paid`
• `/internships post` — share a lead (a form opens)
• `/internships mine` — the leads you saved, with where you are: saved → applied → interviewing → offer, or closed
• `/internships habit on` — a weekly checklist by DM for your job-search hour; `/internships habit` — your last 8 weeks
• On any message: *More actions → Save as internship lead* turns a posted link into a lead
Saved leads you haven't applied to get a reminder 3 days and 1 day before their deadline.
Leads leave the list by themselves once their deadline has passed or someone closes them."""


def help_blocks() -> list:
    return [section(HELP)]


def saved(lead: Lead, *, fresh: bool) -> str:
    return f"{'Saved' if fresh else 'Already saved'}: {escape(lead.role)}. Track it with `/internships mine`."


def closed(lead: Lead) -> str:
    return f"Closed: {escape(lead.role)} at {escape(lead.company)}. It has left the open list."


def nudge(lead: Lead, *, days: int, tz: str) -> tuple[str, list]:
    """The DM a few days before a saved lead's deadline."""
    when = "tomorrow" if days == 1 else f"in {days} days"
    text = f"Reminder: {escape(lead.role)} at {escape(lead.company)} closes {when}."
    blocks = [
        section(
            f":alarm_clock: *{escape(lead.role)}* at {escape(lead.company)} closes {when} "
            f"({date_token(end_of_day(lead.deadline, tz))}).\n"
            "Have you applied yet?"
        ),
        actions(
            button("Open", ids.OPEN, str(lead.id), url=lead.url),
            button("I applied", ids.NUDGE_APPLIED, str(lead.id), style="primary"),
        ),
    ]
    return text, blocks
