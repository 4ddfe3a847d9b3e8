"""Alerts as Block Kit: pure functions from alerts, leads, projects and events to blocks and message text."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import ConfirmObject

from slackapp.alerts import ids
from slackapp.alerts.models import Alert, AlertState, Delivery
from slackapp.alerts.service import MAX_ALERTS, PER_COMPANY, PER_DM, QUIET_FOR, Contents, followed_company
from slackapp.events import ids as event_ids
from slackapp.events.models import Event
from slackapp.events.views import place, when
from slackapp.leads.models import Lead
from slackapp.leads.views import lead_text
from slackapp.micro.models import Project
from slackapp.micro.views import project_text
from slackapp.slack.blocks import actions, button, context, header, section
from slackapp.slack.phrases import plural
from slackapp.slack.text import escape

HOW = (
    "Search with `/internships <words>` (add `remote`, `paid` or `type:…` as you like), then press "
    "*Alert me* under the results: new leads and micro-internships matching that search come to you "
    "by DM, daily at 09:00 your time or right away (instant)."
)
HELP = f"""*Alerts: new leads that match your searches, by DM*
{HOW}
• `/internships alerts` — your alerts, with Pause / Resume, Instant / Daily and Delete
• A DM carries at most {PER_DM} leads, and at most {PER_COMPANY} from one company; it says how many more matched
• You never get the same lead twice, even when several of your alerts match it
• An alert whose DMs go unclicked for {QUIET_FOR.days // 7} weeks pauses itself, and tells you"""
# The block of an alert's buttons in `/internships alerts` (its id follows).
LIST_BLOCK = "alert_actions_"
BROKEN = "That button is broken. See your alerts with `/internships alerts`."


def query_text(alert: Alert) -> str:
    if followed_company(alert) is not None:
        # A follow (companies): its query is "company:<id> <name>".
        return f"following {escape(alert.query.partition(' ')[2], 200)}"
    return escape(alert.query, 300)


def delivery_text(alert: Alert, tz: str) -> str:
    if alert.delivery == Delivery.instant.value:
        return "Instant"
    return f"Daily at 09:00 your time ({escape(tz, 64)})"


def delivery_phrase(alert: Alert, tz: str) -> str:
    """How its DMs come, inside a sentence."""
    if alert.delivery == Delivery.instant.value:
        return "right away (instant: within a minute of a new lead)"
    return f"daily at 09:00 your time ({escape(tz, 64)})"


def state_text(alert: Alert) -> str:
    if alert.state == AlertState.paused.value:
        return ":raised_hand: Paused"
    if alert.state == AlertState.idle.value:
        return f":raised_hand: Paused by itself after {QUIET_FOR.days // 7} quiet weeks"
    return ":bell: Active"


def carried(alert_ids: Sequence[int], item: int | None = None) -> str:
    """A DM button's value: the alerts it came by and the item it is about."""
    value: dict = {"a": sorted(alert_ids)}
    if item is not None:
        value["i"] = item
    return json.dumps(value, separators=(",", ":"))


def read_carried(value: object) -> tuple[list[int], int | None]:
    """The alert ids and item a DM button carries; ([], None) for anything else (a forged value)."""
    try:
        found = json.loads(str(value or ""))
        alert_ids = [int(alert_id) for alert_id in found["a"] if isinstance(alert_id, int)][:50]
        item = found.get("i")
        return alert_ids, item if isinstance(item, int) and not isinstance(item, bool) else None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return [], None


# ---- under a search, and the answer to Alert me ----------------------------------------------


def alert_me(query: str) -> list:
    """Under an `/internships` search: save it as an alert."""
    return [
        section(
            ":bell: Want new leads like these by DM?",
            block_id="alert_me",
            accessory=button("Alert me", ids.CREATE, query),
        )
    ]


def created(alert: Alert, *, fresh: bool, tz: str) -> tuple[str, list]:
    what = f"“{query_text(alert)}”"
    if fresh:
        text = f"Alert saved: {what}. New matches come by DM {delivery_phrase(alert, tz)}."
    else:
        text = f"You already have an alert for {what}: new matches come by DM {delivery_phrase(alert, tz)}."
    switch = _switch_button(alert)
    blocks = [section(f":bell: {text}"), actions(switch, block_id=f"alert_saved_{alert.id}"), context("See and change your alerts with `/internships alerts`.")]
    return text, blocks


def _switch_button(alert: Alert) -> dict:
    if alert.delivery == Delivery.instant.value:
        return button("Switch to daily", ids.DELIVERY, f"{alert.id}:{Delivery.daily.value}")
    return button("Switch to instant", ids.DELIVERY, f"{alert.id}:{Delivery.instant.value}")


# ---- /internships alerts ----------------------------------------------------------------------


def alert_list(alerts: Sequence[Alert], *, tz: str) -> tuple[str, list]:
    blocks: list = [header("Your alerts")]
    if not alerts:
        blocks.append(section("You have no alerts yet.\n" + HOW))
        return "You have no alerts yet", blocks
    for alert in alerts[:MAX_ALERTS]:
        blocks.append(section(f"*{query_text(alert)}*\n{delivery_text(alert, tz)} · {state_text(alert)}", block_id=f"alert_{alert.id}"))
        running = alert.state == AlertState.active.value
        blocks.append(
            actions(
                button("Pause", ids.LIST_PAUSE, str(alert.id)) if running else button("Resume", ids.LIST_RESUME, str(alert.id), style="primary"),
                _switch_button(alert),
                button("Delete", ids.LIST_DELETE, str(alert.id), style="danger", confirm=delete_confirm(1)),
                block_id=f"{LIST_BLOCK}{alert.id}",
            )
        )
    blocks.append(context("`/internships alerts help` explains alerts."))
    return f"Your alerts ({len(alerts)})", blocks


def help_blocks() -> list:
    return [section(HELP)]


def delete_confirm(count: int) -> ConfirmObject:
    return ConfirmObject(
        title="Delete this alert?" if count == 1 else "Delete these alerts?",
        text="No more DMs from it. You can make it again from a search." if count == 1 else "No more DMs from them. You can make them again from a search.",
        confirm="Delete",
        deny="Keep it" if count == 1 else "Keep them",
    )


def paused(alerts: Sequence[Alert]) -> str:
    return f"Paused {_named(alerts)}. Resume in `/internships alerts`."


def resumed(alerts: Sequence[Alert]) -> str:
    return f"Resumed {_named(alerts)}: new matches will come again."


def stopped(queries: Sequence[str]) -> str:
    named = ", ".join(f"“{escape(query, 300)}”" for query in queries)
    return f"Deleted your alert{'s' if len(queries) != 1 else ''} {named}. No more DMs from {'it' if len(queries) == 1 else 'them'}."


def _named(alerts: Sequence[Alert]) -> str:
    names = ", ".join(f"“{query_text(alert)}”" for alert in alerts)
    return f"your alert{'s' if len(alerts) != 1 else ''} {names}"


# ---- the DMs ---------------------------------------------------------------------------------


def _item_blocks(item: Lead | Project | Event, alert_ids: list[int], *, tz: str) -> list:
    if isinstance(item, Event):
        # A followed company's event: answered with the events' own Going button (as on its post).
        where = place(item)
        return [
            section(f":calendar: *{escape(item.title, 450)}*\n{when(item)}" + (f"\n:round_pushpin: {where}" if where else "")),
            actions(button("Going", event_ids.GOING, str(item.id), style="primary"), block_id=f"alert_event_{item.id}"),
        ]
    if isinstance(item, Project):
        return [
            section(":rocket: " + project_text(item)),
            actions(button("Bid", ids.BID, carried(alert_ids, item.id), style="primary"), block_id=f"alert_project_{item.id}"),
        ]
    return [
        section(lead_text(item, tz)),
        actions(
            button("Open", ids.OPEN, carried(alert_ids, item.id), url=item.url),
            button("Save", ids.SAVE, carried(alert_ids, item.id), style="primary"),
            block_id=f"alert_lead_{item.id}",
        ),
    ]


def digest(found: Contents, *, tz: str) -> tuple[str, list]:
    """An alert DM: the items, how many more matched, and Pause and Stop for the alerts it came by."""
    alert_ids = [alert.id for alert in found.alerts]
    searches = ", ".join(f"“{query_text(alert)}”" for alert in found.alerts)
    count = len(found.items)
    text = f"{plural(count, 'new match', 'new matches')} for your alert{'s' if len(found.alerts) != 1 else ''} {searches}"
    blocks: list = [section(f":bell: *{text}*")]
    for item in found.items:
        blocks += _item_blocks(item, alert_ids, tz=tz)
    if found.more:
        shows = " or ".join(f"`/internships {query_text(alert)}`" for alert in found.alerts)
        blocks.append(context(f"…and {plural(found.more, 'more match', 'more matches')} (at most {PER_DM} a DM, {PER_COMPANY} from one company): {shows} shows them."))
    blocks.append(
        actions(
            button("Pause", ids.PAUSE, carried(alert_ids)),
            button("Stop", ids.STOP, carried(alert_ids), style="danger", confirm=delete_confirm(len(alert_ids))),
            block_id="alert_dm_actions",
        )
    )
    blocks.append(context("Pause stops these DMs until you resume; Stop deletes the alert. `/internships alerts` lists yours."))
    return text, blocks


def went_idle(alert: Alert) -> tuple[str, list]:
    text = f"Your alert “{query_text(alert)}” paused itself: its DMs got no click for {QUIET_FOR.days // 7} weeks."
    blocks = [
        section(f":hourglass: {text}\nResume it to get new matches again, or delete it in `/internships alerts`."),
        actions(button("Resume", ids.RESUME, carried([alert.id]), style="primary"), block_id=f"alert_idle_{alert.id}"),
    ]
    return text, blocks
