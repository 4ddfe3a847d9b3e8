"""Resume books as Block Kit and files: the officers' form and list, the member's invitation, the
preview they consent to, the export (CSV and a document of resume links) and the firm's page."""

from __future__ import annotations

import html
from datetime import datetime

from slack_sdk.models.blocks import DatePickerElement, InputBlock

from slackapp.csvfile import csv_text
from slackapp.resumebook import ids, service
from slackapp.resumebook.models import Access, Book, Link, Status
from slackapp.resumebook.service import FIELDS, Entry
from slackapp.slack.blocks import actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import date_token, plural
from slackapp.slack.text import escape

ONLY_OFFICERS = "Only officers open, close and export resume books."
USAGE = ("`/companies book` opens a resume book for a firm (officers) · `/companies book list` lists the books, "
         "with Close, Export and a link for the firm · members are invited by DM and on Home.")
LINKS_NEED_HTTP = ("Links for the firm are served by the app's own web server, so they need HTTP mode "
                   "(`slackapp run --http` behind your https address). In Socket Mode, send the firm the export.")
STOPPED = "OK: no more resume book invitations by DM. Open books still show on your Home."
STOPPED_ALREADY = "You had already stopped resume book invitations by DM."


def _firm(book: Book) -> str:
    return escape(book.firm, 150)


def _audience(book: Book) -> str:
    parts = []
    if service.years_of(book):
        parts.append("class of " + ", ".join(str(year) for year in service.years_of(book)))
    if service.majors_of(book):
        parts.append(", ".join(escape(major, 100) for major in service.majors_of(book)))
    return " · ".join(parts) if parts else "every member with a profile"


def deadline_line(book: Book) -> str:
    return f"open until the end of {book.deadline.isoformat()}"


# ---- officers -----------------------------------------------------------------------------------


def open_form():
    return modal(ids.OPEN_FORM, "Open a resume book", [
        text_input(ids.FIRM, "Firm", max_length=service.FIRM_MAX, placeholder="Acme Corporation"),
        InputBlock(block_id=ids.DEADLINE, label="Deadline", hint="Members can opt in until the end of this day (club time).",
                   element=DatePickerElement(action_id=ids.VALUE)),
        text_input(ids.YEARS, "Class years", max_length=100, optional=True, placeholder="2027, 2028",
                   hint="Graduation years, separated by commas. Empty: any year."),
        text_input(ids.MAJORS, "Majors", max_length=service.MAJORS_MAX, optional=True, placeholder="Finance, Accounting",
                   hint="As members write them in /club profile, separated by commas. Empty: any major."),
    ], submit="Open and invite")


def opened(book: Book, invited: int) -> str:
    return (f"Resume book #{book.id} for *{_firm(book)}* is open ({deadline_line(book)}; {_audience(book)}). "
            f"{plural(invited, 'member')} invited so far; members whose profile comes to match are invited too. "
            "`/companies book list` shows who opted in, and closes it early.")


def book_list(items: list[tuple[Book, tuple[int, int], list[tuple[Link, list[Access]]]]]) -> tuple[str, list]:
    if not items:
        return "No resume books yet.", [section("No resume books yet. `/companies book` opens one.")]
    blocks = [header("Resume books")]
    for book, (invited, consenting), links in items:
        status = {Status.open.value: deadline_line(book), Status.closed.value: "closed", Status.sent.value: "sent to the firm"}[book.status]
        line = f"*#{book.id} {_firm(book)}* · {status}\n{_audience(book)} · {consenting} of {plural(invited, 'invited member')} opted in"
        for link in links_lines(links):
            line += "\n" + link
        blocks.append(section(line, block_id=f"book_{book.id}"))
        value = str(book.id)
        if book.status == Status.open.value:
            blocks.append(actions(button("Close now and export", ids.CLOSE, value, style="danger"), block_id=f"book_acts_{book.id}"))
        else:
            more = [button("Link for the firm (7 days)", ids.LINK, value)]
            if book.status == Status.closed.value:
                more.append(button("Mark as sent", ids.MARK_SENT, value))
            blocks.append(actions(button("Export", ids.EXPORT, value, style="primary"), *more, block_id=f"book_acts_{book.id}"))
        if len(blocks) > 45:
            break
    return "Resume books", blocks


def links_lines(links: list[tuple[Link, list[Access]]]) -> list[str]:
    lines = []
    for link, accesses in links:
        seen = ", ".join(date_token(access.at) for access in accesses[-5:]) or "not opened yet"
        lines.append(f"Link {link.id} (expires {date_token(link.expires_at)}): opened {plural(len(accesses), 'time')} · {seen}")
    return lines


def closed_dm(book: Book, consenting: int) -> tuple[str, list]:
    text = f"The resume book for {_firm(book)} closed at its deadline: {plural(consenting, 'member')} opted in."
    return text, [
        section(f"The resume book for *{_firm(book)}* closed at its deadline: {plural(consenting, 'member')} opted in."),
        actions(button("Get the export", ids.EXPORT, str(book.id), style="primary"), block_id=f"book_closed_{book.id}"),
    ]


def export_comment(book: Book, count: int) -> str:
    return (f"Resume book #{book.id} for *{_firm(book)}*: {plural(count, 'member')} who opted in, as their profiles read now. "
            "Send these to the firm, or make a link for them from `/companies book list` (HTTP mode).")


def export_csv(entries: list[Entry]) -> str:
    return csv_text([label for _, label in FIELDS], [entry.row() for entry in entries])


def links_document(book: Book, entries: list[Entry], now: datetime) -> str:
    lines = [f"# Resume book: {book.firm}", "", f"{len(entries)} member(s) who agreed to be in this book, as of {now:%Y-%m-%d %H:%M} UTC.", ""]
    for number, entry in enumerate(entries, 1):
        about = " · ".join(str(value) for value in (entry.school, entry.major, entry.graduation_year and f"class of {entry.graduation_year}") if value)
        lines.append(f"{number}. {about or '(no details given)'}")
        if entry.skills:
            lines.append(f"   Skills: {entry.skills}")
        lines.append(f"   Resume: {entry.link or '(no link given)'}")
    return "\n".join(lines) + "\n"


def export_files(book: Book, entries: list[Entry], now: datetime) -> list[dict]:
    name = f"resume-book-{book.id}"
    return [
        {"filename": f"{name}.csv", "title": f"Resume book: {book.firm}", "content": export_csv(entries)},
        {"filename": f"{name}-links.md", "title": f"Resume links: {book.firm}", "content": links_document(book, entries, now)},
    ]


def link_made(url: str, link: Link) -> str:
    return (f"Here is the link for the firm, good until {date_token(link.expires_at)}:\n{url}\n"
            f"It shows the book as it reads when opened (the CSV: {url}.csv), and every opening is logged "
            "(`/companies book list`). Members can no longer withdraw: the book counts as sent. Only you see this.")


def marked_sent(book: Book, changed: bool) -> str:
    return f"Resume book #{book.id} for *{_firm(book)}* " + ("is marked as sent: members can no longer withdraw." if changed else "was already marked as sent.")


def closed_now(book: Book, changed: bool) -> str:
    return f"Resume book #{book.id} for *{_firm(book)}* " + ("is closed." if changed else "was already closed.") + " The export comes in your DM."


# ---- members ---------------------------------------------------------------------------------------


def invitation(book: Book) -> tuple[str, list]:
    text = f"{_firm(book)} is collecting resumes through the club. Want to be in the book?"
    return text, [
        section(f":page_facing_up: *{_firm(book)}* is collecting resumes through the club ({deadline_line(book)}).\n"
                "You were invited because of your profile. Nothing is sent unless you opt in; press the button to see exactly what the firm would get."),
        actions(button("Preview and opt in", ids.REVIEW, str(book.id), style="primary"),
                button("Stop these invitations", ids.STOP_INVITES, "stop"), block_id=f"book_invite_{book.id}"),
    ]


def preview_lines(entry: Entry) -> str:
    lines = [f"*{label}*: {escape(str(getattr(entry, name)), 300) if getattr(entry, name) not in (None, '') else '_not given_'}" for name, label in FIELDS]
    return "\n".join(lines)


def consent_form(book: Book, entry: Entry):
    blocks = [
        section(f"*{_firm(book)}* gets exactly this, read from your profile when the book is exported:"),
        section(preview_lines(entry)),
        context("Nothing else: not your name in Slack, not your messages. Your resume link says who you are."),
    ]
    missing = entry.missing()
    if missing:
        blocks.append(section(f":warning: Missing: {', '.join(missing)}. Add them with `/club profile` (before the book closes) and they go in too."))
    blocks.append(context(f"You can withdraw until the book is sent to the firm. The book is {deadline_line(book)}."))
    return modal(ids.CONSENT_FORM, "Resume book", blocks, submit="Opt in", metadata={"book_id": book.id})


def consented(book: Book) -> tuple[str, list]:
    text = f"You're in the resume book for {_firm(book)}."
    return text, [
        section(f":white_check_mark: You're in the resume book for *{_firm(book)}*. Keep `/club profile` up to date: "
                "the firm gets it as it reads when the book is exported."),
        actions(button("Withdraw", ids.WITHDRAW, str(book.id)), block_id=f"book_in_{book.id}"),
    ]


def withdrawn(book: Book) -> str:
    return f"You withdrew from the resume book for *{_firm(book)}*: you're in no export of it from now on."


def home_section(items: list[tuple[Book, object]]) -> list:
    """Member's Home: the books they were invited to that are still in play."""
    if not items:
        return []
    blocks = [divider(), section("*Resume books*")]
    for book, row in items[:5]:
        value = str(book.id)
        if service.consents(row):
            line, element = f"*{_firm(book)}* · you're in", button("Withdraw", ids.WITHDRAW, value)
        elif book.status == Status.open.value:
            line, element = f"*{_firm(book)}* · {deadline_line(book)}", button("Preview and opt in", ids.REVIEW, value, style="primary")
        else:
            continue
        blocks.append(section(line, block_id=f"home_book_{book.id}", accessory=element))
    return blocks if len(blocks) > 2 else []


# ---- the firm's page -----------------------------------------------------------------------------------


def page(book: Book, entries: list[Entry], *, csv_href: str) -> str:
    rows = []
    for entry in entries:
        cells = [html.escape(str(value)) if value not in (None, "") else "" for value in entry.row()[:-1]]
        link = f'<a href="{html.escape(entry.link)}" rel="noopener noreferrer">{html.escape(entry.link)}</a>' if entry.link else ""
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + f"<td>{link}</td></tr>")
    head = "".join(f"<th>{label}</th>" for _, label in FIELDS)
    firm = html.escape(book.firm)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f"<title>Resume book: {firm}</title><style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}"
            f"table{{border-collapse:collapse}}</style></head><body><h1>Resume book: {firm}</h1>"
            f"<p>{len(entries)} member(s) who agreed to be in this book. <a href=\"{html.escape(csv_href)}\">CSV</a></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>")
