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

from slackapp.csvfile import csv_text
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


# Why a lead that isn't open is not shown (LeadStatus is a str enum: its members are these keys).
_NOT_SHOWN = {
    LeadStatus.pending: "Waiting for approval",
    LeadStatus.hidden: "Hidden while officers review it",
    LeadStatus.removed: "Removed by the officers",
    LeadStatus.declined: "Closed",
}

# A lead in a list shows the start of its description; the rest is behind Open.
DESCRIPTION_SHOWN = 300


def state_of(lead: Lead, today: date | None) -> str | None:
    """Why a lead isn't open any more (or not yet), in a word or two; None while it is open.
    Without `today`, expiry isn't judged (a list of open leads)."""
    if lead.status in _NOT_SHOWN:
        return _NOT_SHOWN[lead.status]
    if lead.closed_at is not None:
        return "Closed"
    if lead.expired_at is not None or (today is not None and lead.expires_on is not None and lead.expires_on < today):
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
    send it back, and the listener draws it again with the lead saved. The JSON of
    {"lead", "q", "p"}, the search encoded once a page (a list draws ten of these)."""
    return str(lead.id) if page is None else f'{{"lead": {int(lead.id)}, "q": {page.query_json}, "p": {int(page.number)}}}'


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


def lead_form(values: dict | None = None, *, lead_id: int | None = None, channel: str | None = None, like: Lead | None = None) -> View:
    """The share/edit modal. `values` prefills it (field name -> value, as the form returns them).
    `like`: an open lead with the same company and role; the form warns of it, and sharing again
    (the metadata remembers the warning) shares anyway."""
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
    metadata = {"lead_id": lead_id, "channel": channel}
    if like is not None:
        blocks.insert(0, section(duplicate_warning(like)))
        metadata["shared_anyway"] = like.id
        submit = "Share anyway"
    return modal(ids.FORM, title, blocks, submit=submit, metadata=metadata)


def duplicate_warning(like: Lead) -> str:
    return (
        f":warning: *{escape(like.role, 300)}* at {escape(like.company, 300)} was already shared on "
        f"{like.created_at:%b %-d} and is still open: <{like.url}|open it>, or find it with "
        f"`/internships {escape(truncate(like.company, 60), 200)}`.\nShare yours anyway only if it is a different opening."
    )


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
• *Alert me* under a search — new leads matching it by DM (daily at 09:00 your time, or instant); `/internships alerts` — yours
• On any message: *More actions → Save as internship lead* turns a posted link into a lead
• *Report* on a lead (closed, spam or scam, wrong details…) tells the officers; two members' reports, or an officer's, hide it until an officer reviews it
Saved leads you haven't applied to get a reminder 3 days and 1 day before their deadline.
Leads leave the list by themselves once their deadline has passed, 30 days after they were shared (the poster is asked first and can keep one open), or when someone closes them.
Officers: `/internships history <number or words>` — who changed a lead and when, with a CSV export."""


def help_blocks() -> list:
    return [section(HELP)]


def saved(lead: Lead, *, fresh: bool) -> str:
    return f"{'Saved' if fresh else 'Already saved'}: {escape(lead.role)}. Track it with `/internships mine`."


def closed(lead: Lead) -> str:
    return f"Closed: {escape(lead.role)} at {escape(lead.company)}. It has left the open list."


def still_open(lead: Lead) -> tuple[str, list]:
    """The poster's DM 3 days before their lead expires."""
    last_day = f"{lead.expires_on:%a %b %-d}"
    text = f"Is {escape(lead.role)} at {escape(lead.company)} still open?"
    blocks = [
        section(
            f":hourglass_flowing_sand: Is *{escape(lead.role, 500)}* at {escape(lead.company, 300)}, which you shared, still open?\n"
            f"It leaves `/internships`, digests and alerts after {last_day} unless you keep it open."
        ),
        actions(
            button("Keep open 30 more days", ids.KEEP_OPEN, str(lead.id), style="primary"),
            button("Close it", ids.CLOSE, str(lead.id), style="danger", confirm=close_confirm()),
            button("Open", ids.OPEN, str(lead.id), url=lead.url),
            block_id=f"still_open_{lead.id}",
        ),
        context("Members who saved it keep it in `/internships mine`, marked closed once it leaves."),
    ]
    return text, blocks


def kept_open(lead: Lead) -> str:
    last_day = f"{lead.expires_on:%a %b %-d}"
    return f"Kept open: {escape(lead.role)} at {escape(lead.company)} stays in `/internships` until {last_day}."


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


# --- a lead's history (officers) ------------------------------------------------------------------

ONLY_OFFICERS_HISTORY = "Only officers can see a lead's history."
HISTORY_HELP = "Give a lead's number or words from its company or role: `/internships history 12` or `/internships history acme`."
HISTORY_SENT = "I sent you the history as a CSV file in our DM."
# Lines of history shown in the message; the CSV has them all.
HISTORY_SHOWN = 40


def _actor(actor: str) -> str:
    return "the app" if actor == "app" else f"<@{actor}>"


def history(lead_id: int, name: str, changes: list) -> tuple[str, list]:
    """A lead's history, newest last, with who did what and when (each reader's own time zone)."""
    lines = [
        f"{date_token(change.at)} · {_actor(change.actor)} *{change.action}*" + (f" — {escape(change.detail, 300)}" if change.detail else "")
        for change in changes[-HISTORY_SHOWN:]
    ]
    more = len(changes) - HISTORY_SHOWN
    blocks: list = [header(truncate(f"History of #{lead_id}: {name}", 140))]  # a header is plain text: nothing to escape
    if more > 0:
        blocks.append(context(f"The {more} earlier changes are in the CSV."))
    # A section holds 3,000 characters: the lines go in as many as they need.
    chunk: list[str] = []
    for line in lines or ["No changes recorded."]:
        if sum(len(item) + 1 for item in chunk) + len(line) > SECTION_TEXT - 10:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    blocks.append(section("\n".join(chunk)))
    blocks.append(actions(button("Export CSV", ids.HISTORY_CSV, str(lead_id)), block_id=f"history_{lead_id}"))
    return f"History of lead #{lead_id}", blocks


def history_choices(found: list[tuple[int, str]]) -> tuple[str, list]:
    """Several leads matched `/internships history <words>`: pick one."""
    blocks: list = [section(f"{plural(len(found), 'lead')} match. Which one's history?")]
    for lead_id, name in found:
        blocks.append(section(f"#{lead_id} · {escape(name, 600)}", accessory=button("History", ids.HISTORY, str(lead_id))))
    return "Which lead?", blocks


def history_csv(changes: list) -> str:
    rows = ([change.lead_id, change.lead_name, change.at.isoformat(), change.actor, change.action, change.detail or ""] for change in changes)
    return csv_text(["lead_id", "lead", "when_utc", "who", "action", "detail"], rows)
