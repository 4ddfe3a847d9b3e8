"""Bolt glue for /internships: finding leads, sharing and managing them, tracking applications."""

from __future__ import annotations

from slack_bolt import App

from slackapp.leads import ids, sections
from slackapp.leads.handlers import browse, history, sharing, tracking
from slackapp.leads.handlers import moderation as moderating
from slackapp.slack.commands import starting_with
from slackapp.slack.middleware import answers_in_its_ack


def register(app: App) -> None:
    # The list, searches and their pages first (trying a listener that doesn't match costs). The
    # list leaves `post` and `share` to the form's listener, as it leaves other features their words.
    for word in ids.SHARE_WORDS:
        sections.answer_word(word)
    app.command(ids.COMMAND, matchers=[sections.answered_by_leads], middleware=[answers_in_its_ack])(browse.on_command)
    app.action(ids.PAGE)(browse.on_page)
    app.command(ids.COMMAND, matchers=[starting_with(*ids.SHARE_WORDS)])(browse.on_post)
    app.action(ids.OPEN)(browse.on_open)
    app.action(ids.PAGE_BACK)(browse.on_page)
    app.action(ids.FIND)(browse.on_find)
    app.view(ids.FIND_FORM)(browse.on_find_form)
    app.shortcut(ids.SHORTCUT_SAVE_MESSAGE)(sharing.on_save_message)
    app.action(ids.SHARE)(sharing.on_share)
    app.action(ids.EDIT)(sharing.on_edit)
    app.action(ids.CLOSE)(sharing.on_close)
    app.view(ids.FORM)(sharing.on_form)
    app.action(ids.KEEP_OPEN)(sharing.on_keep_open)
    app.action(ids.HISTORY)(history.on_history)
    app.action(ids.HISTORY_CSV)(history.on_history_csv)
    app.action(ids.SAVE)(tracking.on_save)
    app.action(ids.STAGE)(tracking.on_stage)
    app.action(ids.UNSAVE)(tracking.on_unsave)
    app.action(ids.NUDGE_APPLIED)(tracking.on_nudge_applied)
    app.action(ids.REPORT)(moderating.on_report)
    app.view(ids.REPORT_FORM)(moderating.on_report_form)
    app.action(ids.RESTORE)(moderating.on_restore)
    app.action(ids.REMOVE)(moderating.on_remove)
    app.action(ids.APPROVE)(moderating.on_approve)
    app.action(ids.DECLINE)(moderating.on_decline)
