"""Micro-internships as Block Kit: pure functions from domain objects to blocks and message text."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import ConfirmObject, DatePickerElement, InputBlock, NumberInputElement, Option, StaticSelectElement, UserSelectElement
from slack_sdk.models.views import View

from slackapp.micro import ids
from slackapp.micro.models import Bid, BidStatus, Evaluation, Milestone, Project, ProjectStatus
from slackapp.micro.service import (
    FLOOR_CENTS_PER_HOUR,
    LIMITS,
    MAX_HOURS,
    MAX_POSITIONS,
    MIN_HOURS,
    Filters,
    Mine,
    Review,
    filter_key,
    per_hour_cents,
)
from slackapp.profiles.models import Profile
from slackapp.slack.blocks import SECTION_TEXT, actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import money, plural
from slackapp.slack.text import escape, truncate

ONLY_MANAGERS_REVIEW = "Only the project's poster or an officer can review its bids."
NO_REVIEWERS = "No officer is set up to review projects yet; please tell a club officer directly."
SHOWN = 15  # projects in a list: two blocks each, within Slack's 50
BIDS_SHOWN = 20
SEARCH_SHOWN = 5


def fee_text(project: Project) -> str:
    """The fee and what it comes to per estimated hour, exact to the cent."""
    return f"{money(project.fee_cents)} fixed fee · {money(per_hour_cents(project.fee_cents, project.hours))} per estimated hour"


def project_text(project: Project, *, filled: int | None = None) -> str:
    """A project in a few lines; the description gets the room the facts leave, so they always show."""
    head = f"*{escape(project.title, 400)}* · {escape(project.organization, 300)}"
    facts = [fee_text(project), f"about {project.hours} h", "remote" if project.remote else "on site"]
    facts.append(f"due {project.due_date:%b %-d, %Y}")
    lines = [" · ".join(facts)]
    seats = plural(project.positions, "position")
    lines.append(f"{seats}" + (f", {filled} filled" if filled is not None else "") + f" · bid by {project.bid_deadline:%b %-d} · supervisor <@{project.supervisor}>")
    if project.school:
        lines.append(f":mortar_board: for students of {escape(project.school, 200)} only")
    if project.status == ProjectStatus.pending.value:
        lines.append(f"_Waiting for an officer's approval ({escape(project.approval_needed)})_")
    elif project.status != ProjectStatus.open.value:
        lines.append(f"_Bidding {'declined' if project.status == ProjectStatus.declined.value else 'closed'}_")
    room = SECTION_TEXT - len("\n".join([head, *lines])) - 2
    return "\n".join([head, escape(truncate(project.description, 600), room), *lines])


def some_actions(*elements, block_id: str) -> dict | None:
    """An actions block, or None when none of its buttons apply (Slack refuses an empty one)."""
    return actions(*elements, block_id=block_id) if any(element is not None for element in elements) else None


def _bid_buttons(project: Project, status: str | None, *, manageable: bool) -> dict | None:
    waiting = status == BidStatus.pending.value
    return some_actions(
        button("Edit my bid" if waiting else "Bid", ids.BID, str(project.id), style=None if waiting else "primary") if status in (None, "pending", "withdrawn") else None,
        button("Withdraw my bid", ids.WITHDRAW, str(project.id), confirm=_withdraw_confirm()) if waiting else None,
        button("Review bids", ids.REVIEW, str(project.id)) if manageable else None,
        block_id=f"micro_{project.id}",
    )


def _project_blocks(project: Project, status: str | None, *, manageable: bool) -> list:
    buttons = _bid_buttons(project, status, manageable=manageable)
    return [section(project_text(project))] + ([buttons] if buttons else [])


def _withdraw_confirm() -> ConfirmObject:
    return ConfirmObject(title="Withdraw your bid?", text="You can bid again until the bid deadline.", confirm="Withdraw", deny="Keep it")


def project_list(projects: list[Project], *, my_bids: dict[int, str], manageable: set[int]) -> list:
    blocks: list = [header("Micro-internships: paid short projects")]
    if not projects:
        blocks.append(section("No projects are taking bids right now. Officers, alumni and employers post them with `/internships micro post`."))
    for project in projects[:SHOWN]:
        blocks += _project_blocks(project, my_bids.get(project.id), manageable=project.id in manageable)
    if len(projects) > SHOWN:
        blocks.append(context(f"…and {len(projects) - SHOWN} more. Search them with `/internships <words> type:micro`."))
    blocks.append(divider())
    blocks.append(actions(button("Post a project", ids.POST, "post", style="primary"), block_id="micro_nav"))
    blocks.append(context("`/internships micro mine` — your bids, your work and its evaluations · `/club profile` — your school and major"))
    return blocks


def search_section(projects: list[Project], *, my_bids: dict[int, str], manageable: set[int]) -> list:
    """Projects matching an `/internships` search, shown above the leads (type micro)."""
    if not projects:
        return []
    blocks: list = [section(":rocket: *Micro-internships* (type micro) — paid short projects you bid on")]
    for project in projects[:SEARCH_SHOWN]:
        blocks += _project_blocks(project, my_bids.get(project.id), manageable=project.id in manageable)
    if len(projects) > SEARCH_SHOWN:
        blocks.append(context(f"…and {len(projects) - SEARCH_SHOWN} more under `/internships micro`."))
    return blocks


# --- forms -----------------------------------------------------------------------------------


def _date_input(block_id: str, label: str, *, optional: bool = False, hint: str | None = None) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, optional=optional, hint=hint, element=DatePickerElement(action_id=ids.VALUE))


def _whole_input(block_id: str, label: str, low: int, high: int, *, initial: str | None = None, hint: str | None = None) -> InputBlock:
    element = NumberInputElement(action_id=ids.VALUE, is_decimal_allowed=False, min_value=str(low), max_value=str(high), initial_value=initial)
    return InputBlock(block_id=block_id, label=label, hint=hint, element=element)


def _milestone_inputs() -> list:
    blocks = []
    for number in range(1, ids.MILESTONES + 1):
        name = f"{ids.MILESTONE}{number}"
        blocks.append(text_input(name, f"Milestone {number}", max_length=LIMITS["milestone"], optional=True, placeholder="First draft"))
        blocks.append(_date_input(f"{name}_date", f"Milestone {number} date", optional=True))
    return blocks


def project_form(*, poster: str) -> View:
    floor = money(FLOOR_CENTS_PER_HOUR)
    where = [Option(value="remote", label="Remote"), Option(value="on_site", label="On site")]
    blocks = [
        text_input(ids.TITLE, "Title", max_length=LIMITS[ids.TITLE], placeholder="Market research for a product launch"),
        text_input(ids.ORGANIZATION, "Organization", max_length=LIMITS[ids.ORGANIZATION]),
        InputBlock(block_id=ids.SUPERVISOR, label="Supervisor", element=UserSelectElement(action_id=ids.VALUE, initial_user=poster)),
        text_input(ids.DESCRIPTION, "Description and deliverables", max_length=LIMITS[ids.DESCRIPTION], multiline=True),
        _whole_input(ids.HOURS, "Estimated hours", MIN_HOURS, MAX_HOURS, hint=f"{MIN_HOURS} to {MAX_HOURS} hours."),
        text_input(
            ids.FEE, "Fixed fee (USD)", max_length=20, placeholder="400",
            hint=f"Paid once when the work is done. Below {floor} per estimated hour, an officer approves the project first.",
        ),
        InputBlock(block_id=ids.WHERE, label="Remote or on site", element=StaticSelectElement(action_id=ids.VALUE, options=where, initial_option=where[0])),
        _whole_input(ids.POSITIONS, "Positions", 1, MAX_POSITIONS, initial="1"),
        text_input(ids.SCHOOL, "Only for students of", max_length=LIMITS[ids.SCHOOL], optional=True, hint="A school's name; empty: everyone in the club."),
        _date_input(ids.BID_DEADLINE, "Bid deadline", hint="The work starts when bidding is over."),
        _date_input(ids.DUE_DATE, "Due date", hint="1 week to 1 month after the bid deadline."),
        *_milestone_inputs(),
    ]
    return modal(ids.PROJECT_FORM, "Post a project", blocks, submit="Post")


def bid_form(project: Project, *, bid: Bid | None, missing: list[str]) -> View:
    """The application; School and Major are asked here when the member's profile lacks them."""
    mine = bid if bid is not None and bid.status == BidStatus.pending.value else None
    blocks: list = [section(project_text(project))]
    if missing:
        blocks.append(context("Bidding needs your School and Major. They are saved in your profile (`/club profile`)."))
        labels = {"school": "School (alma mater)", "major": "Major"}
        blocks += [text_input(name, labels[name], max_length=100) for name in missing]
    blocks += [
        text_input(ids.APPLICATION, "Why you, in short", max_length=LIMITS[ids.APPLICATION], multiline=True, initial=getattr(mine, "application", None)),
        text_input(ids.AVAILABILITY, "Weekly availability", max_length=LIMITS[ids.AVAILABILITY], initial=getattr(mine, "availability", None), placeholder="10 hours a week, evenings"),
        text_input(ids.PORTFOLIO, "Portfolio link", max_length=LIMITS[ids.PORTFOLIO], optional=True, initial=getattr(mine, "portfolio", None), placeholder="https://…"),
    ]
    return modal(ids.BID_FORM, "Edit your bid" if mine else "Bid on a project", blocks, submit="Save bid" if mine else "Bid", metadata={"project_id": project.id})


def submit_form(bid: Bid, project: Project) -> View:
    return modal(
        ids.SUBMIT_FORM,
        "Submit your work",
        [section(f"Submitting your work on *{escape(project.title, 400)}*. The supervisor confirms it is done."),
         text_input(ids.LINK, "Link to the work", max_length=LIMITS[ids.LINK], placeholder="https://…")],
        submit="Submit",
        metadata={"bid_id": bid.id},
    )


_SCORES = [Option(value=str(score), label=label) for score, label in ((5, "5 · excellent"), (4, "4 · good"), (3, "3 · fair"), (2, "2 · weak"), (1, "1 · poor"))]


def _score_input(block_id: str, label: str) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, element=StaticSelectElement(action_id=ids.VALUE, options=_SCORES, placeholder="1 to 5"))


def evaluation_form(bid: Bid, project: Project) -> View:
    blocks = [
        section(f"Evaluating <@{bid.user_id}>'s work on *{escape(project.title, 400)}*. Only they see it (and the club, for their record)."),
        _score_input(ids.QUALITY, "Quality"),
        _score_input(ids.COMMUNICATION, "Communication"),
        _score_input(ids.TIMELINESS, "Timeliness"),
        text_input(ids.FEEDBACK, "Feedback", max_length=LIMITS[ids.FEEDBACK], multiline=True),
    ]
    return modal(ids.EVALUATION_FORM, "Evaluate the work", blocks, submit="Send", metadata={"bid_id": bid.id})


def rating_form(bid: Bid, project: Project) -> View:
    blocks = [
        section(f"How was *{escape(project.title, 400)}* with {escape(project.organization, 300)}?"),
        _score_input(ids.RATING, "Your rating of the project"),
        text_input(ids.COMMENT, "Comment", max_length=LIMITS[ids.COMMENT], multiline=True, optional=True),
    ]
    return modal(ids.RATING_FORM, "Rate the project", blocks, submit="Send", metadata={"bid_id": bid.id})


# --- reviewing bids --------------------------------------------------------------------------

def _key(text: str | None) -> str | None:
    return filter_key(text) or None


def filter_value(project_id: int, filters: Filters) -> str:
    """An option's value: the whole filter state it leads to."""
    state = {"p": project_id, "s": _key(filters.school), "m": _key(filters.major), "y": filters.year}
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


def _filter_select(action_id: str, review: Review, field: str, anything: str, choices: list) -> StaticSelectElement:
    project_id, current = review.project.id, review.filters
    options = [Option(value=filter_value(project_id, Filters(**{**current.__dict__, field: None})), label=anything)]
    initial = options[0]
    for choice in sorted(set(choices), key=str)[:99]:
        option = Option(value=filter_value(project_id, Filters(**{**current.__dict__, field: choice})), label=truncate(str(choice), 75))
        options.append(option)
        if getattr(current, field) == choice:
            initial = option
    return StaticSelectElement(action_id=action_id, options=options, initial_option=initial)


def _filters(review: Review) -> dict:
    people = [profile for _, profile in review.every if profile is not None]
    return actions(
        _filter_select(ids.FILTER_SCHOOL, review, "school", "Any school", [_key(p.school) for p in people if p.school]),
        _filter_select(ids.FILTER_MAJOR, review, "major", "Any major", [_key(p.major) for p in people if p.major]),
        _filter_select(ids.FILTER_YEAR, review, "year", "Any year", [p.graduation_year for p in people if p.graduation_year]),
        block_id=f"micro_filters_{review.project.id}",
    )


def bidder_text(bid: Bid, profile: Profile | None) -> str:
    facts = [f"<@{bid.user_id}>", escape(getattr(profile, "school", None), 100) or "school not given", escape(getattr(profile, "major", None), 100) or "major not given"]
    if getattr(profile, "graduation_year", None):
        facts.append(f"class of {profile.graduation_year}")
    facts.append(f"*{BidStatus(bid.status).label}*")
    tail = [f"Availability: {escape(bid.availability, 200)}"]
    if bid.portfolio:
        tail.append(f"portfolio: {escape(bid.portfolio, 500)}")
    if bid.submission_link:
        tail.append(f"work: {escape(bid.submission_link, 500)}")
    head, foot = " · ".join(facts), " · ".join(tail)
    return f"{head}\n{escape(truncate(bid.application, 1500), SECTION_TEXT - len(head) - len(foot) - 2)}\n{foot}"


def _work_buttons(review: Review, bid: Bid) -> dict | None:
    status, value, taking = bid.status, str(bid.id), review.project.status == ProjectStatus.open.value
    return some_actions(
        button("Accept", ids.ACCEPT, value, style="primary") if status == BidStatus.pending.value and taking else None,
        button("Confirm done", ids.CONFIRM, value, style="primary") if status == BidStatus.submitted.value else None,
        button("Record payment", ids.PAID, value, confirm=_paid_confirm(review.project)) if status == BidStatus.completed.value else None,
        button("Evaluate", ids.EVALUATE, value) if status in (BidStatus.completed.value, BidStatus.paid.value) else None,
        block_id=f"micro_bid_{bid.id}",
    )


def _paid_confirm(project: Project) -> ConfirmObject:
    return ConfirmObject(title="Record the payment?", text=f"You paid the {money(project.fee_cents)} fee. (The app records it; it moves no money.)", confirm="Record it", deny="Not yet")


def review_blocks(review: Review) -> list:
    project = review.project
    blocks: list = [header(truncate(f"Bids on {project.title}", 150)), section(project_text(project, filled=review.filled))]
    if review.every:
        blocks.append(_filters(review))
    else:
        blocks.append(section("No bids yet."))
    for bid, profile in review.shown[:BIDS_SHOWN]:
        buttons = _work_buttons(review, bid)
        blocks += [section(bidder_text(bid, profile))] + ([buttons] if buttons else [])
    if review.every and not review.shown:
        blocks.append(section("No bids match these filters."))
    more = f" (the first {BIDS_SHOWN} shown; filter to narrow)" if len(review.shown) > BIDS_SHOWN else ""
    blocks.append(context(f"{len(review.shown)} of {plural(len(review.every), 'bid')}{more}"))
    if project.status == ProjectStatus.open.value:
        close = ConfirmObject(title="Close bidding?", text="Everyone still waiting is told, politely, that they weren't selected.", confirm="Close", deny="Not yet")
        blocks.append(actions(button("Close bidding", ids.CLOSE, str(project.id), style="danger", confirm=close), block_id=f"micro_close_{project.id}"))
    return blocks


def approval_request(project: Project) -> tuple[str, list]:
    """What officers see for a project waiting for approval, and the decision once it is made."""
    text = f"Micro-internship waiting for approval: {escape(project.title)}"
    blocks = [
        section(f":inbox_tray: <@{project.posted_by}> posted a micro-internship that needs an officer's approval ({escape(project.approval_needed)})."),
        section(project_text(project)),
    ]
    if project.status == ProjectStatus.pending.value:
        blocks.append(
            actions(
                button("Approve and publish", ids.APPROVE, str(project.id), style="primary"),
                button("Decline", ids.DECLINE, str(project.id), style="danger"),
                block_id=f"micro_approval_{project.id}",
            )
        )
    else:
        blocks.append(context(f"{'Declined' if project.status == ProjectStatus.declined.value else 'Approved'} by <@{project.decided_by}>"))
    return text, blocks


# --- messages to people ------------------------------------------------------------------------


def posted(project: Project) -> str:
    if project.status == ProjectStatus.pending.value:
        return (
            f"Thanks! *{escape(project.title)}* waits for an officer's approval ({escape(project.approval_needed)}). "
            "I'll tell you here when it is published."
        )
    return f"*{escape(project.title)}* is published: members find it under `/internships micro` and bid until {project.bid_deadline:%b %-d}."


def approved(project: Project) -> str:
    return f"Good news: an officer approved *{escape(project.title)}*. It is listed under `/internships micro` and takes bids until {project.bid_deadline:%b %-d}."


def declined(project: Project) -> str:
    return f"The club's officers declined to publish *{escape(project.title)}*. Ask an officer (`/club officers list`) if you'd like to talk it over."


def bid_saved(project: Project, *, new: bool) -> str:
    verb = "is in" if new else "is updated"
    return f"Your bid on *{escape(project.title)}* {verb}. You can edit or withdraw it from `/internships micro` until {project.bid_deadline:%b %-d}."


def new_bid(project: Project, bidder: str) -> str:
    return f"<@{bidder}> bid on *{escape(project.title)}*. Review bids from `/internships micro mine`."


def withdrawn(project: Project) -> str:
    return f"Your bid on {escape(project.title)} is withdrawn. You can bid again until {project.bid_deadline:%b %-d}."


def kickoff(project: Project, milestones: list[Milestone], bid: Bid) -> tuple[str, list]:
    """To the accepted student: what, by when, with whom, and how to hand it in."""
    text = f"You're selected for {escape(project.title)}!"
    steps = "\n".join(f"• {day:%b %-d}: {escape(title, 150)}" for title, day in ((m.title, m.due_date) for m in milestones))
    intro = f":tada: *You're selected for {escape(project.title, 400)}* with {escape(project.organization, 300)}."
    facts = f"Due *{project.due_date:%b %-d, %Y}* · about {project.hours} h · {fee_text(project)} · supervisor <@{project.supervisor}>"
    blocks = [section(f"{intro}\n{facts}"), section(f"*Deliverables*\n{escape(truncate(project.description, 2500), 2800)}")]
    if steps:
        blocks.append(section(f"*Milestones*\n{steps}"))
    blocks.append(actions(button("Submit my work", ids.SUBMIT, str(bid.id), style="primary"), block_id=f"micro_kickoff_{bid.id}"))
    blocks.append(context("I'll remind you before each milestone and the due date. Submit your work here or from `/internships micro mine`."))
    return text, blocks


def not_selected(project: Project) -> str:
    return (
        f"Thank you for bidding on *{escape(project.title)}*. The positions have been filled this time, so your bid wasn't selected. "
        "Keep an eye on `/internships micro` for the next project!"
    )


def accepted(project: Project, student: str) -> str:
    return f"<@{student}> is selected for {escape(project.title)}; they have the kickoff details by DM."


def closed(project: Project, told: int) -> str:
    return f"Bidding on {escape(project.title)} is closed; {plural(told, 'bidder')} who weren't selected got a thank-you note."


def submitted(project: Project, bid: Bid) -> tuple[str, list]:
    """To the supervisor and the poster: the work is in, please confirm."""
    text = f"Work submitted for {escape(project.title)}"
    blocks = [
        section(f":inbox_tray: <@{bid.user_id}> submitted their work on *{escape(project.title, 400)}*: {escape(bid.submission_link, 2000)}"),
        actions(button("Confirm done", ids.CONFIRM, str(bid.id), style="primary"), block_id=f"micro_submitted_{bid.id}"),
    ]
    return text, blocks


def work_sent(project: Project) -> str:
    return f"Your work on {escape(project.title)} is submitted; the supervisor will confirm it."


def completed(project: Project, bid: Bid) -> tuple[str, list]:
    """To the poster: done; record the payment and evaluate."""
    text = f"Work on {escape(project.title)} is confirmed done"
    blocks = [
        section(f":white_check_mark: <@{bid.user_id}>'s work on *{escape(project.title, 400)}* is confirmed done. Record the {money(project.fee_cents)} payment once made, and evaluate the work."),
        actions(
            button("Record payment", ids.PAID, str(bid.id), confirm=_paid_confirm(project)),
            button("Evaluate", ids.EVALUATE, str(bid.id), style="primary"),
            block_id=f"micro_completed_{bid.id}",
        ),
    ]
    return text, blocks


def completed_for_student(project: Project) -> str:
    return f":white_check_mark: Your work on *{escape(project.title)}* is confirmed done. The {money(project.fee_cents)} fee is paid as one lump sum."


def confirmed(project: Project, bid: Bid) -> str:
    return f"Confirmed: <@{bid.user_id}>'s work on {escape(project.title)} is done."


def paid(project: Project, bid: Bid) -> str:
    return f"Payment of {money(bid.paid_cents)} for {escape(project.title)} is recorded."


def evaluation_text(evaluation: Evaluation) -> str:
    scores = f"quality {evaluation.quality}/5 · communication {evaluation.communication}/5 · timeliness {evaluation.timeliness}/5"
    return f"{scores}\n> {escape(truncate(evaluation.feedback, 2000), 2500)}"


def evaluation_dm(project: Project, evaluation: Evaluation) -> tuple[str, list]:
    """To the student only: their evaluation, and a way to rate the project in turn."""
    text = f"Your evaluation for {escape(project.title)}"
    blocks = [
        section(f":memo: *Your evaluation for {escape(project.title, 400)}* (only you see this)\n{evaluation_text(evaluation)}"),
        actions(button("Rate the project", ids.RATE, str(evaluation.bid_id)), block_id=f"micro_rate_{evaluation.bid_id}"),
    ]
    return text, blocks


def evaluated(project: Project, bid: Bid) -> str:
    return f"Thanks! <@{bid.user_id}> has your evaluation of their work on {escape(project.title)}."


def rated(project: Project, evaluation: Evaluation) -> str:
    comment = f": {escape(evaluation.project_comment, 1000)}" if evaluation.project_comment else "."
    return f"<@{evaluation.student}> rated *{escape(project.title)}* {evaluation.project_rating}/5{comment}"


def rating_saved(project: Project) -> str:
    return f"Thanks for rating {escape(project.title)}!"


def milestone_reminder(project: Project, milestone: Milestone) -> str:
    return f":alarm_clock: Tomorrow's milestone on *{escape(project.title)}*: {escape(milestone.title)} ({milestone.due_date:%b %-d})."


def due_reminder(project: Project, *, days: int) -> tuple[str, list]:
    when = "tomorrow" if days == 1 else f"in {days} days"
    text = f"{escape(project.title)} is due {when}"
    body = f":alarm_clock: *{escape(project.title, 400)}* is due {when} ({project.due_date:%b %-d}). Submit your work when it's ready."
    return text, [section(body)]


def overdue(project: Project, bid: Bid) -> tuple[str, list]:
    """To the officers, once: an accepted student hasn't submitted by the due date."""
    text = f"Micro-internship past due: {escape(project.title)}"
    body = f":hourglass: <@{bid.user_id}> hasn't submitted their work on *{escape(project.title, 400)}* (due {project.due_date:%b %-d}; poster <@{project.posted_by}>, supervisor <@{project.supervisor}>)."
    return text, [section(body)]


# --- a member's own --------------------------------------------------------------------------


def _my_bid_line(bid: Bid, project: Project, evaluation: Evaluation | None) -> str:
    facts = [f"*{escape(project.title, 300)}* · {escape(project.organization, 200)}", BidStatus(bid.status).label]
    if bid.status == BidStatus.in_progress.value:
        facts.append(f"due {project.due_date:%b %-d}")
    if bid.paid_cents is not None:
        facts.append(f"paid {money(bid.paid_cents)}")
    line = " · ".join(facts)
    if evaluation is not None:
        line += f"\n_Your evaluation (only you see it):_ {evaluation_text(evaluation)}"
        if evaluation.project_rating:
            line += f"\nYou rated the project {evaluation.project_rating}/5."
    return line


def _my_bid_button(bid: Bid, evaluation: Evaluation | None) -> dict | None:
    value = str(bid.id)
    if bid.status == BidStatus.in_progress.value:
        return button("Submit my work", ids.SUBMIT, value, style="primary")
    if bid.status == BidStatus.pending.value:
        return button("Withdraw my bid", ids.WITHDRAW, str(bid.project_id), confirm=_withdraw_confirm())
    if evaluation is not None and evaluation.project_rating is None:
        return button("Rate the project", ids.RATE, value)
    return None


def mine_blocks(mine: Mine, *, user_id: str, limit: int = 20) -> list:
    """A member's bids, work and evaluations, and the projects they posted or supervise: one block each."""
    if not mine.bids and not mine.running:
        return []
    blocks: list = [section("*Your micro-internships*")]
    for bid, project, evaluation in mine.bids:
        blocks.append(section(_my_bid_line(bid, project, evaluation), accessory=_my_bid_button(bid, evaluation)))
    for project in mine.running:
        poster = project.posted_by == user_id
        text = f"*{escape(project.title, 300)}* · {ProjectStatus(project.status).label} · you {'posted' if poster else 'supervise'} it"
        review = poster and project.status != ProjectStatus.pending.value
        blocks.append(section(text, accessory=button("Review bids", ids.REVIEW, str(project.id)) if review else None))
    if len(blocks) > limit:
        blocks = blocks[: limit - 1] + [context("…and more under `/internships micro mine`.")]
    return blocks


def mine_page(mine: Mine, *, user_id: str) -> list:
    blocks = mine_blocks(mine, user_id=user_id, limit=48)
    return [header("Your micro-internships")] + (blocks[1:] if blocks else [section("No bids or projects yet. `/internships micro` lists projects taking bids.")])


HELP = """*Micro-internships* — paid short projects (5–40 hours)
• `/internships micro` — projects taking bids; *Bid* sends a short application (edit or withdraw it until the bid deadline)
• `/internships micro post` — officers, alumni and employers post a project (guests' posts, and fees below $20 per estimated hour, wait for an officer's approval)
• `/internships micro mine` — your bids, your work, its evaluations; and the projects you posted, with *Review bids*
• `/internships <words> type:micro` — search projects together with leads
• `/club profile` — your school, major and graduation year: bidding needs School and Major
The poster reviews bids (filter by school, major, year), accepts, confirms the work done, records the payment and evaluates it; the student rates the project in turn."""


def help_blocks() -> list:
    return [section(HELP)]


def unknown(word: str) -> str:
    return f"I don't know `/internships micro {escape(word, 100)}`.\n{HELP}"
