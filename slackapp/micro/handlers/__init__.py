"""Bolt glue for `/internships micro`: listing and posting projects, bidding, choosing, the work."""

from __future__ import annotations

from slack_bolt import App

from slackapp.club import service as club_service
from slackapp.leads import sections
from slackapp.micro import ids, service
from slackapp.micro.handlers import bidding, browse, choosing, posting, work
from slackapp.slack.commands import starting_with


def register(app: App) -> None:
    sections.answer_word(ids.WORD)
    sections.add("micro", above_search=browse.search_section, below_mine=browse.mine_section)
    club_service.read_with_settings(service.MAY_HAVE_OPEN_PROJECTS, service.MAY_HAVE_OPEN_PROJECTS_SQL)
    app.command(ids.COMMAND, matchers=[starting_with(ids.WORD)])(browse.on_command)
    app.action(ids.POST)(posting.on_post)
    app.view(ids.PROJECT_FORM)(posting.on_project_form)
    app.action(ids.APPROVE)(posting.on_approve)
    app.action(ids.DECLINE)(posting.on_decline)
    app.action(ids.BID)(bidding.on_bid)
    app.view(ids.BID_FORM)(bidding.on_bid_form)
    app.action(ids.WITHDRAW)(bidding.on_withdraw)
    app.action(ids.REVIEW)(choosing.on_review)
    for filter_id in (ids.FILTER_SCHOOL, ids.FILTER_MAJOR, ids.FILTER_YEAR):
        app.action(filter_id)(choosing.on_filter)
    app.action(ids.ACCEPT)(choosing.on_accept)
    app.action(ids.CLOSE)(choosing.on_close)
    app.action(ids.SUBMIT)(work.on_submit)
    app.view(ids.SUBMIT_FORM)(work.on_submit_form)
    app.action(ids.CONFIRM)(work.on_confirm)
    app.action(ids.PAID)(work.on_paid)
    app.action(ids.EVALUATE)(work.on_evaluate)
    app.view(ids.EVALUATION_FORM)(work.on_evaluation_form)
    app.action(ids.RATE)(work.on_rate)
    app.view(ids.RATING_FORM)(work.on_rating_form)
