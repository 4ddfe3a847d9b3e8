"""Bolt glue for `/internships habit …` and the checklist's checkboxes."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

from slackapp.habit import service, views
from slackapp.scheduler import queue
from slackapp.scheduler.clock import local, week_start
from slackapp.slack.app import Deps, Wiring
from slackapp.slack.blocks import ephemeral, to_dicts

log = logging.getLogger(__name__)


def register(wiring: Wiring, deps: Deps) -> None:
    store = deps.store

    def on_habit(ack, command, client, respond, words):
        team_id, user_id = command["team_id"], command["user_id"]
        verb = words[0].lower() if words else ""
        if verb not in ("", "on", "off", "day"):
            ack(**ephemeral(views.USAGE))
            return
        ack()
        tz = deps.member_tz(team_id, user_id)
        now = datetime.now(timezone.utc)
        if verb:
            try:
                with store.write() as session:
                    if verb == "day":
                        weekday, at = service.parse_schedule(words[1:])
                        found = service.reschedule(session, team_id=team_id, user_id=user_id, weekday=weekday, at=at)
                    else:
                        found = service.turn(session, team_id=team_id, user_id=user_id, on=verb == "on")
                    # A moved or stopped check-in must not still arrive at the old time.
                    queue.cancel(session, team_id=team_id, kind="habit", key_prefix=f"habit:{user_id}:", reason="check-in moved or turned off", now=now)
            except service.HabitError as exc:
                respond(**ephemeral(str(exc)))
                return
            if found.enabled:
                respond(**ephemeral(f"You're in: your checklist arrives {service.schedule_text(found)} ({tz} time)."))
            else:
                respond(**ephemeral("Weekly check-ins are off. `/internships habit on` brings them back."))
            return
        this_week = week_start(local(now, tz).date())
        with store.read() as session:
            found = service.member(session, team_id=team_id, user_id=user_id)
            mine = service.history(session, team_id=team_id, user_id=user_id, this_week=this_week)
            club_view = None
            if deps.officers.check(team_id, user_id):
                club_view = service.club_habit(session, team_id=team_id, this_week=this_week)
        blocks = views.my_history(found, mine, tz) + (views.club_summary(club_view) if club_view else [])
        respond(**ephemeral("Your weekly job-search habit", blocks))

    def on_tick(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        block_id = action.get("block_id") or ""
        try:
            week = date.fromisoformat(block_id.removeprefix(views.BLOCK_PREFIX))
        except ValueError:
            respond(**ephemeral("That checklist is broken; wait for next week's."), replace_original=False)
            return
        ticked = {option.get("value") for option in action.get("selected_options") or []}
        try:
            with store.write() as session:
                service.record(session, team_id=team_id, user_id=user_id, week=week, ticked=ticked, now=datetime.now(timezone.utc))
                streak = service.streak(session, team_id=team_id, user_id=user_id, this_week=week)
        except service.HabitError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        text, blocks = views.checklist(week, ticked, streak)
        respond(text=text, blocks=to_dicts(blocks), replace_original=True)

    wiring.subcommand("/internships", "habit", on_habit)
    wiring.action(views.TICK, on_tick)
