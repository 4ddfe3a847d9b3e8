"""Bolt glue for /events, RSVP reactions and buttons, rosters and check-in."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from slack_sdk.errors import SlackApiError

from slackapp.club import service as club
from slackapp.events import calendar, jobs, service, views
from slackapp.events.models import EMOJI, Answer, Event, Seat
from slackapp.events.updates import Coalescer
from slackapp.scheduler.dispatch import retry_after
from slackapp.slack import announce
from slackapp.slack.app import Deps, Wiring
from slackapp.slack.blocks import ephemeral, section, to_dicts
from slackapp.slack.forms import form_values, metadata
from slackapp.slack.text import date_token, escape, unescape

log = logging.getLogger(__name__)

NOT_MANAGER = "Only the person who created this event, or an officer, can do that."


def register(wiring: Wiring, deps: Deps) -> None:
    store, officers = deps.store, deps.officers

    def now() -> datetime:
        return datetime.now(timezone.utc)

    def refresh(key: tuple) -> None:
        team_id, event_id = key
        with store.read() as session:
            try:
                event = service.get_event(session, team_id=team_id, event_id=event_id)
            except service.EventError:
                return
            roster = service.roster(session, event=event)
        if not (event.channel and event.post_ts):
            return
        text, blocks = views.announcement(event, roster, own_post=event.rsvp_ts == event.post_ts)
        try:
            deps.client.chat_update(channel=event.channel, ts=event.post_ts, text=text, blocks=to_dicts(blocks))
        except SlackApiError as exc:
            log.warning("could not update the post of event %s: %s", event_id, exc.response.get("error"))
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                # Nothing else may touch this post again soon; show the final counts once Slack lets us.
                retry = threading.Timer(retry_after(exc.response.headers), updates.touch, args=(key,))
                retry.daemon = True
                retry.start()

    # 500 reactions in a few seconds become about one chat.update a second (Tier 3 allows ~50 a minute).
    updates = Coalescer(refresh, interval=1.0)

    def tell_about(change: service.Change | None, event: Event) -> None:
        if change is None:
            return
        if change.after == Seat.waitlist and change.before != Seat.waitlist:
            announce.tell(
                deps.client,
                user_id=change.user_id,
                text=f"*{escape(event.title)}* is full, so you're #{change.waitlist_place} on the waitlist. I'll DM you if a place opens.",
            )
        for user_id in change.promoted:
            announce.tell(deps.client, user_id=user_id, text=f"A place opened up: you're going to *{escape(event.title)}* ({views.when(event)}).")

    def answer(
        team_id: str, event_id: int, user_id: str, *, delivery_id: str, action: str, at: str, message: tuple[str, str] | None = None
    ) -> tuple[Event, service.Change | None]:
        with store.write() as session:
            event, change = service.record_action(
                session, team_id=team_id, event_id=event_id, user_id=user_id, delivery_id=delivery_id, action=action, at=at, message=message
            )
        tell_about(change, event)
        if change is not None and change.changed:
            updates.touch((team_id, event_id))
        return event, change

    # Which event a message belongs to never changes once it is an RSVP post, so a burst of
    # reactions looks it up once; other messages are looked up each time (they may become one).
    rsvp_messages: dict[tuple[str, str, str], int] = {}

    def rsvp_message(team_id: str, channel: str, ts: str) -> int | None:
        key = (team_id, channel, ts)
        if key not in rsvp_messages:
            with store.read() as session:
                found = service.event_for_message(session, team_id=team_id, channel=channel, ts=ts)
            if found is None:
                return None
            if len(rsvp_messages) > 10_000:
                rsvp_messages.clear()
            rsvp_messages[key] = found.id
        return rsvp_messages[key]

    def on_reaction(body, event, context):
        """reaction_added / reaction_removed on an RSVP message."""
        wanted = EMOJI.get(event.get("reaction", "").split("::")[0])
        item = event.get("item") or {}
        user_id = event.get("user")
        team_id = body.get("team_id") or context.get("team_id")
        if wanted is None or item.get("type") != "message" or not user_id or user_id == context.get("bot_user_id"):
            return
        found = rsvp_message(team_id, item.get("channel", ""), item.get("ts", ""))
        if found is None:
            return
        verb = "add" if event.get("type") == "reaction_added" else "remove"
        message = (item.get("channel", ""), item.get("ts", ""))
        reacted = dict(delivery_id=body.get("event_id") or f"{verb}:{event.get('event_ts')}:{user_id}", action=f"{verb}:{wanted.value}", at=event.get("event_ts") or "0", message=message)
        try:
            answer(team_id, found, user_id, **reacted)
        except service.EventError as exc:
            # The event remembered for this message was cancelled or deleted; it may carry a new one.
            rsvp_messages.pop((team_id, *message), None)
            again = rsvp_message(team_id, *message)
            if again is None or again == found:
                log.info("ignored a reaction on event %s: %s", found, exc)
                return
            answer(team_id, again, user_id, **reacted)

    def on_button(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        wanted = {views.GOING: Answer.going, views.MAYBE: Answer.maybe, views.CANT: Answer.no}[action["action_id"]]
        event_id = int(action.get("value") or 0) if str(action.get("value") or "").isdigit() else 0
        at = action.get("action_ts") or f"{now().timestamp():.6f}"
        try:
            event, change = answer(team_id, event_id, user_id, delivery_id=f"button:{at}:{user_id}", action=f"set:{wanted.value}", at=at)
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        seat = change.after if change else wanted
        message = {
            Seat.going: f"You're going to {escape(event.title)}. See you there!",
            Seat.waitlist: f"{escape(event.title)} is full: you're on the waitlist.",
            Seat.maybe: f"Noted: maybe for {escape(event.title)}.",
            Seat.no: f"Noted: you can't make {escape(event.title)}.",
        }.get(Seat(seat.value), "Noted.")
        respond(**ephemeral(message), replace_original=False)

    def on_command(ack, command, client, respond):
        team_id, user_id = command["team_id"], command["user_id"]
        text = (command.get("text") or "").strip()
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        if verb == "help":
            ack(**ephemeral(views.HELP, [section(views.HELP)]))
        elif verb == "new":
            ack()
            open_form(client, command["trigger_id"], respond, team_id=team_id, user_id=user_id, channel=command.get("channel_id"))
        elif verb == "roster":
            ack()
            show_roster(respond, team_id=team_id, user_id=user_id, words=rest)
        elif verb == "checkin":
            ack()
            try:
                with store.write() as session:
                    event, new = service.check_in(session, team_id=team_id, user_id=user_id, now=now(), code=rest.strip())
            except service.NotYet as exc:
                respond(**ephemeral(f"Check-in opens at {date_token(exc.opens)}, 30 minutes before the start."))
                return
            except service.EventError as exc:
                respond(**ephemeral(str(exc)))
                return
            respond(**ephemeral(f"{'Checked in' if new else 'You were already checked in'}: {escape(event.title)}. Enjoy!"))
        elif verb == "":
            with store.read() as session:
                upcoming = service.upcoming(session, team_id=team_id, now=now())
                mine = service.seats_of(session, team_id=team_id, user_id=user_id, event_ids=[event.id for event in upcoming])
            ack(**ephemeral("Upcoming events", views.event_list(upcoming, mine=mine, officer=officers.probably(team_id, user_id))))
        else:
            ack(**ephemeral(f"I don't know `/events {escape(verb)}`.\n{views.HELP}"))

    def open_form(client, trigger_id, respond, *, team_id, user_id, channel=None, values=None, event_id=None, rsvp_ts=None) -> None:
        if not officers.check(team_id, user_id) and event_id is None:
            respond(**ephemeral("Only club officers can create events."), replace_original=False)
            return
        try:
            client.views_open(trigger_id=trigger_id, view=views.event_form(values, event_id=event_id, channel=channel, rsvp_ts=rsvp_ts))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            respond(**ephemeral("Slack took too long to open the form. Please try again."), replace_original=False)

    def on_new(ack, body, client, respond):
        ack()
        open_form(client, body["trigger_id"], respond, team_id=body["team"]["id"], user_id=body["user"]["id"], channel=(body.get("channel") or {}).get("id"))

    def on_shortcut(ack, shortcut, client, respond):
        ack()
        team_id, user_id = shortcut["team"]["id"], shortcut["user"]["id"]
        message = shortcut.get("message") or {}
        if message.get("user") != user_id:
            respond(**ephemeral("Make RSVP post works on an announcement you wrote yourself."), replace_original=False)
            return
        channel = (shortcut.get("channel") or {}).get("id") or ""
        try:
            with store.read() as session:
                service.ensure_message_free(session, team_id=team_id, channel=channel, ts=message.get("ts") or "")
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        text = unescape(message.get("text") or "").strip()
        title, _, description = text.partition("\n")
        open_form(
            client,
            shortcut["trigger_id"],
            respond,
            team_id=team_id,
            user_id=user_id,
            channel=channel,
            values={"title": title[:150], "description": description.strip()[:2000] or None},
            rsvp_ts=message.get("ts") or shortcut.get("message_ts"),
        )

    def on_form(ack, body, view, client):
        team_id, user_id = view.get("team_id") or body["team"]["id"], body["user"]["id"]
        meta = metadata(view)
        raw = form_values(view)
        event_id = meta.get("event_id")
        try:
            draft = service.validate(raw, now=now(), editing=bool(event_id))
            is_officer = officers.check(team_id, user_id)
            with store.write() as session:
                club.ensure_workspace(session, team_id=team_id)
                if event_id:
                    updated = service.update_event(session, team_id=team_id, event_id=int(event_id), user_id=user_id, is_officer=is_officer, draft=draft)
                    event = updated.event
                    if updated.time_changed:
                        jobs.replan_reminders(session, event=event, now=now())
                else:
                    if meta.get("rsvp_ts"):
                        service.ensure_message_free(session, team_id=team_id, channel=str(meta.get("channel") or ""), ts=str(meta["rsvp_ts"]))
                    event = service.create_event(session, team_id=team_id, user_id=user_id, is_officer=is_officer, draft=draft)
                    events_channel = club.workspace(session, team_id=team_id).events_channel
        except service.FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except (service.EventError, ValueError) as exc:
            ack(response_action="errors", errors={"title": str(exc)[:150]})
            return
        ack()
        if event_id:
            for promoted in updated.promoted:
                announce.tell(client, user_id=promoted, text=f"A place opened up: you're going to *{escape(event.title)}* ({views.when(event)}).")
            updates.touch((team_id, event.id))
            return
        if meta.get("rsvp_ts") and announce.is_channel_id(meta.get("channel")):
            adopt_message(client, event, channel=meta["channel"], rsvp_ts=meta["rsvp_ts"], user_id=user_id)
        else:
            post_announcement(client, event, channel=draft.channel or events_channel or meta.get("channel"), user_id=user_id)

    def post_announcement(client, event: Event, *, channel, user_id: str) -> None:
        if not announce.is_channel_id(channel) or channel.startswith("D"):
            announce.tell(client, user_id=user_id, text="The event is saved, but there's no channel to announce it in. Choose an events channel in `/club config`.")
            return
        with store.read() as session:
            roster = service.roster(session, event=event)
        text, blocks = views.announcement(event, roster)
        try:
            posted, ts = announce.post(client, channel=channel, text=text, blocks=to_dicts(blocks))
        except announce.CannotPost as exc:
            announce.tell(client, user_id=user_id, text=f"The event is saved, but I couldn't announce it: {exc}")
            return
        with store.write() as session:
            service.record_posts(session, team_id=event.team_id, event_id=event.id, channel=posted, rsvp_ts=ts, post_ts=ts)
        add_prompts(client, channel=posted, ts=ts)

    def adopt_message(client, event: Event, *, channel: str, rsvp_ts: str, user_id: str) -> None:
        """An officer's own message becomes the RSVP post; the counts live in the bot's reply under it."""
        with store.read() as session:
            roster = service.roster(session, event=event)
        text, blocks = views.announcement(event, roster, own_post=False)
        try:
            reply = client.chat_postMessage(channel=channel, thread_ts=rsvp_ts, text=text, blocks=to_dicts(blocks))
        except SlackApiError as exc:
            log.warning("could not reply under %s/%s: %s", channel, rsvp_ts, exc.response.get("error"))
            announce.tell(client, user_id=user_id, text="The event is saved and reactions on your message count, but I couldn't post the counts under it. Invite me to the channel.")
            reply = {"ts": None}
        with store.write() as session:
            service.record_posts(session, team_id=event.team_id, event_id=event.id, channel=channel, rsvp_ts=rsvp_ts, post_ts=reply["ts"])
        add_prompts(client, channel=channel, ts=rsvp_ts)

    def add_prompts(client, *, channel: str, ts: str) -> None:
        # The bot's own reactions are a prompt; reaction events from the bot are ignored.
        for emoji in EMOJI:
            try:
                client.reactions_add(channel=channel, timestamp=ts, name=emoji)
            except SlackApiError as exc:
                log.info("could not add :%s: to %s/%s: %s", emoji, channel, ts, exc.response.get("error"))

    def show_roster(respond, *, team_id: str, user_id: str, words: str, replace: bool = False) -> None:
        if not officers.check(team_id, user_id):
            respond(**ephemeral("Only club officers can see rosters."), replace_original=False)
            return
        try:
            with store.read() as session:
                event = service.find(session, team_id=team_id, words=words, now=now())
                roster = service.roster(session, event=event)
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**ephemeral(f"Roster: {escape(event.title)}", views.roster_view(event, roster)), replace_original=replace)

    def event_id_of(action: dict) -> int:
        value = str(action.get("value") or "")
        return int(value) if value.isdigit() else 0

    def managed(body, action, respond) -> tuple[str, str, Event | None, bool]:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with store.read() as session:
            try:
                event = service.get_event(session, team_id=team_id, event_id=event_id_of(action))
            except service.EventError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return team_id, user_id, None, False
        is_officer = event.created_by != user_id and officers.check(team_id, user_id)
        if not service.may_manage(event, user_id=user_id, is_officer=is_officer):
            respond(**ephemeral(NOT_MANAGER), replace_original=False)
            return team_id, user_id, None, False
        return team_id, user_id, event, is_officer

    def on_edit(ack, body, action, client, respond):
        ack()
        team_id, user_id, event, _ = managed(body, action, respond)
        if event is not None:
            open_form(client, body["trigger_id"], respond, team_id=team_id, user_id=user_id, values=views.draft_values(event), event_id=event.id)

    def on_cancel(ack, body, action, respond):
        ack()
        team_id, user_id, event, is_officer = managed(body, action, respond)
        if event is None:
            return
        try:
            with store.write() as session:
                event, answered = service.cancel_event(session, team_id=team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
                jobs.plan_cancellation(session, event=event, users=answered, now=now())
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        updates.touch((team_id, event.id))
        respond(**ephemeral(f"Cancelled {escape(event.title)}. {len(answered)} people who answered will get a DM."), replace_original=False)

    def on_delete(ack, body, action, client, respond):
        ack()
        team_id, user_id, event, is_officer = managed(body, action, respond)
        if event is None:
            return
        try:
            with store.write() as session:
                service.delete_event(session, team_id=team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        # The bot's own post goes (for an adopted message that is the counts reply, not the officer's message).
        if event.channel and event.post_ts:
            try:
                client.chat_delete(channel=event.channel, ts=event.post_ts)
            except SlackApiError as exc:
                log.info("could not delete the post of event %s: %s", event.id, exc.response.get("error"))
        respond(**ephemeral(f"Deleted {escape(event.title)}."), replace_original=False)

    def dm_channel(client, user_id: str) -> str:
        return client.conversations_open(users=user_id)["channel"]["id"]

    def on_csv(ack, body, action, client, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not officers.check(team_id, user_id):
            respond(**ephemeral("Only club officers can export rosters."), replace_original=False)
            return
        with store.read() as session:
            try:
                event = service.get_event(session, team_id=team_id, event_id=event_id_of(action))
            except service.EventError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return
            roster = service.roster(session, event=event)
        names = {}
        for member in dict.fromkeys(roster.answered + roster.attended):
            person = deps.directory.lookup(team_id, member)
            names[member] = person.name if person else ""
        content = views.roster_csv(event, roster, names)
        try:
            client.files_upload_v2(
                channel=dm_channel(client, user_id),
                filename=f"roster-event-{event.id}.csv",
                title=f"Roster: {event.title}",
                content=content,
                initial_comment=f"Roster for {escape(event.title)}",
            )
        except SlackApiError as exc:
            log.warning("roster upload failed: %s", exc.response.get("error"))
            respond(**ephemeral("Slack didn't take the file. Please try again."), replace_original=False)
            return
        respond(**ephemeral("The roster is in your DMs with me."), replace_original=False)

    def on_calendar(ack, body, action, client, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with store.read() as session:
            try:
                event = service.get_event(session, team_id=team_id, event_id=event_id_of(action))
            except service.EventError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return
        link = calendar.template_link(event)
        respond(**ephemeral(f"<{link}|Add {escape(event.title)} to Google Calendar> · the .ics file for any calendar is in your DMs."), replace_original=False)
        try:
            client.files_upload_v2(channel=dm_channel(client, user_id), filename=f"event-{event.id}.ics", title=event.title, content=calendar.ics(event))
        except SlackApiError as exc:
            log.warning("ics upload failed: %s", exc.response.get("error"))

    def on_open_checkin(ack, body, action, client, respond):
        ack()
        team_id, user_id, event, is_officer = managed(body, action, respond)
        if event is None:
            return
        try:
            with store.write() as session:
                event = service.open_checkin(session, team_id=team_id, event_id=event.id, user_id=user_id, is_officer=is_officer)
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        if not event.checkin_ts and announce.is_channel_id(event.channel):
            text, blocks = views.checkin_post(event)
            try:
                _, ts = announce.post(client, channel=event.channel, text=text, blocks=to_dicts(blocks))
                with store.write() as session:
                    service.record_checkin_post(session, team_id=team_id, event_id=event.id, ts=ts)
            except announce.CannotPost as exc:
                respond(**ephemeral(f"I couldn't post the check-in button: {exc}"), replace_original=False)
        opens, _ = service.checkin_window(event)
        respond(
            **ephemeral(f"Check-in is open from {date_token(opens)}. Members can press *I'm here* in the channel, or type `/events checkin {event.checkin_code}`."),
            replace_original=False,
        )

    def on_here(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            with store.write() as session:
                event, new = service.check_in(session, team_id=team_id, user_id=user_id, now=now(), event_id=event_id_of(action))
        except service.NotYet as exc:
            respond(**ephemeral(f"Check-in opens at {date_token(exc.opens)}, 30 minutes before the start."), replace_original=False)
            return
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**ephemeral(f"{'Checked in' if new else 'You were already checked in'}: {escape(event.title)}."), replace_original=False)

    def on_mark(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        block_id = action.get("block_id") or ""
        event_id = int(block_id.removeprefix("attend_")) if block_id.removeprefix("attend_").isdigit() else 0
        members = [member for member in action.get("selected_users") or [] if isinstance(member, str)]
        try:
            with store.write() as session:
                added = service.mark_attended(session, team_id=team_id, event_id=event_id, user_id=user_id, is_officer=officers.check(team_id, user_id), members=members)
        except service.EventError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**ephemeral(f"Marked {added} more as attended."), replace_original=False)

    wiring.command(views.COMMAND, on_command)
    wiring.message_shortcut(views.SHORTCUT, on_shortcut)
    wiring.view(views.FORM, on_form)
    wiring.event("reaction_added", on_reaction)
    wiring.event("reaction_removed", on_reaction)
    for action_id in (views.GOING, views.MAYBE, views.CANT):
        wiring.action(action_id, on_button)
    wiring.action(views.NEW, on_new)
    wiring.action(views.EDIT, on_edit)
    wiring.action(views.CANCEL, on_cancel)
    wiring.action(views.DELETE, on_delete)
    wiring.action(views.ROSTER_CSV, on_csv)
    wiring.action(views.CALENDAR, on_calendar)
    wiring.action(views.OPEN_CHECKIN, on_open_checkin)
    wiring.action(views.HERE, on_here)
    wiring.action(views.MARK_ATTENDED, on_mark)
