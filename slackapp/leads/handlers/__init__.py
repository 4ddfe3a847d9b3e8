"""Bolt glue for /internships: finding leads, sharing and managing them, tracking applications."""

from __future__ import annotations

from slack_bolt import App

from slackapp.leads import ids, sections
from slackapp.leads.handlers import browse, sharing, tracking


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[sections.answered_by_leads])(browse.on_command)
    app.action(ids.OPEN)(browse.on_open)
    app.action(ids.PAGE)(browse.on_page)
    app.action(ids.PAGE_BACK)(browse.on_page)
    app.action(ids.FIND)(browse.on_find)
    app.view(ids.FIND_FORM)(browse.on_find_form)
    app.shortcut(ids.SHORTCUT_SAVE_MESSAGE)(sharing.on_save_message)
    app.action(ids.SHARE)(sharing.on_share)
    app.action(ids.EDIT)(sharing.on_edit)
    app.action(ids.CLOSE)(sharing.on_close)
    app.view(ids.FORM)(sharing.on_form)
    app.action(ids.SAVE)(tracking.on_save)
    app.action(ids.STAGE)(tracking.on_stage)
    app.action(ids.UNSAVE)(tracking.on_unsave)
    app.action(ids.NUDGE_APPLIED)(tracking.on_nudge_applied)
