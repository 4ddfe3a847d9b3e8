"""What roles, handovers and role notes look like in Slack: Block Kit and every message's words."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.views import View

from slackapp.club import views as club_views
from slackapp.club.models import Officer
from slackapp.roles import ids
from slackapp.roles.models import OfficerRole, RoleNote
from slackapp.roles.openitems import BY_KEY, Item
from slackapp.roles.service import NOTES_MAX, Preview
from slackapp.slack.blocks import actions, button, context, modal, section, text_input
from slackapp.slack.phrases import date_token, day_with_year, plural
from slackapp.slack.text import escape

NOT_OFFICER = club_views.NOT_OFFICER
USAGE = (
    "Use `/club officers` (the roles and the officer list), `/club officers add @someone [title]`, "
    "`/club officers role @someone <title> [until 2027-05-31]` or `/club officers remove @someone`."
)
NOTES_REFUSED = "Only the role's holder and the club's officers can read its notes."
HANDOVER_USAGE = "Use `/club handover @someone [role]`: the role (yours when you hold one) and every open item move to them."
CANCELLED = "Handover cancelled: nothing moved."
ITEMS_SHOWN = 5  # per kind, in a preview or a DM


def _fit(text: str, limit: int = 2900) -> str:
    """Whole lines up to a section's limit (3,000 characters)."""
    if len(text) <= limit:
        return text
    return text[: text.rfind("\n", 0, limit - 10)] + "\n…"


def _holder(role: OfficerRole) -> str:
    return f"<@{role.holder}>" if role.holder else "_nobody_"


def overview(roles: list[OfficerRole], listed: list[Officer], configured: frozenset[str]) -> str:
    lines = [f"• *{escape(role.title)}* — {_holder(role)} · term ends {day_with_year(role.term_end)}" for role in roles] or ["• no roles yet: `/club officers role @someone President`"]
    return "*Roles*\n" + "\n".join(lines) + "\n\n" + club_views.officer_list(listed, configured)


def role_given(role: OfficerRole) -> str:
    return f"<@{role.holder}> is {escape(role.title)} until {day_with_year(role.term_end)}, and an officer."


def vacated(roles: list[OfficerRole]) -> str:
    return "".join(f"\n{escape(role.title)} has no holder now: give it with `/club officers role @someone {escape(role.title)}`." for role in roles)


# ---- handover -------------------------------------------------------------------------------------------


def _item_line(item: Item) -> str:
    when = f" · {date_token(item.when, '{date_short_pretty}')}" if item.when and item.kind == "event" else ""
    return f"  ◦ {escape(item.title, 150)}{when}"


def _items(items: dict[str, list[Item]]) -> list[str]:
    lines = []
    for key, found in items.items():
        if not found:
            continue
        lines.append(f"• {plural(len(found), 'item')}: {BY_KEY[key].label}")
        lines += [_item_line(item) for item in found[:ITEMS_SHOWN]]
        if len(found) > ITEMS_SHOWN:
            lines.append(f"  ◦ and {len(found) - ITEMS_SHOWN} more")
    return lines


def count(items: dict[str, list[Item]]) -> int:
    return sum(len(found) for found in items.values())


def _what_moves(preview: Preview) -> str:
    plan = preview.plan
    lines = []
    if preview.role is not None:
        lines.append(f"• the role *{escape(preview.role.title)}*, term ending {day_with_year(preview.term_end)}")
    lines += _items(preview.items)
    if not plan.old:
        lines.append("• nobody holds the role, so no open items move")
    elif count(preview.items) == 0:
        lines.append(f"• <@{plan.old}> owns no open item")
    return "\n".join(lines)


def _officer_note(preview: Preview) -> str:
    plan = preview.plan
    if not plan.old or preview.role is None:
        return ""
    if preview.old_keeps:
        return f"<@{plan.old}> stays an officer (still {escape(', '.join(preview.old_keeps))})."
    if preview.old_stays_officer:
        return f"<@{plan.old}> leaves the officer list but stays an officer (named in SLACKAPP_OFFICERS)."
    return f"<@{plan.old}> holds no other role, so leaves the officer list (workspace admins stay officers)."


def _shared_note(shared: dict[str, int]) -> str:
    waiting = [f"{number} {label}" for label, number in shared.items() if number]
    tail = f" Waiting now: {'; '.join(waiting)}." if waiting else ""
    return ("Volunteer requests, projects waiting for approval and leads waiting for review wait on every officer "
            "at once and belong to nobody: they don't move." + tail)


def preview_message(preview: Preview) -> tuple[str, list]:
    plan = preview.plan
    who = f"<@{plan.old}> to <@{plan.new}>" if plan.old else f"<@{plan.new}>"
    text = f"Hand over from {who}? This moves:" if plan.old else f"Give {who}:"
    blocks = [section(_fit(f"*{text}*\n{_what_moves(preview)}"))]
    note = " ".join(filter(None, (_officer_note(preview), "Both get a summary by DM.")))
    blocks.append(context(note))
    blocks.append(context(_shared_note(preview.shared)))
    blocks.append(actions(button("Confirm handover", ids.CONFIRM, plan.as_value(), style="primary"), button("Cancel", ids.CANCEL, plan.as_value())))
    return text, blocks


def done_message(preview: Preview) -> str:
    moved = count(preview.items)
    role = f"{escape(preview.role.title)} and " if preview.role is not None else ""
    return f"Handed over {role}{plural(moved, 'open item')} to <@{preview.plan.new}>. Both of you get a summary by DM."


def summary(preview: Preview, *, to_new: bool) -> str:
    plan = preview.plan
    role = preview.role
    if to_new:
        head = f"*You take over from <@{plan.old}>*" if plan.old else "*You take over*"
        if role is not None:
            head += f" as *{escape(role.title)}* until {day_with_year(preview.term_end)} — you are an officer now. Read the role's notes: `/club notes {escape(role.title)}`."
    else:
        head = f"*You handed over to <@{plan.new}>*" + (f" the role *{escape(role.title)}*." if role is not None else ".")
        note = _officer_note(preview)
        if note:
            head += " " + note
    lines = _items(preview.items) or ["• no open items"]
    return _fit(head + "\n" + ("What moved:\n" if count(preview.items) else "") + "\n".join(lines), 3900)


def told(lines: list[str]) -> str:
    return "\n".join(lines)


# ---- notes -----------------------------------------------------------------------------------------------


def notes_form(role: OfficerRole, versions: list[RoleNote]) -> View:
    current = versions[0].text if versions else ""
    edits = " · ".join(f"<@{note.edited_by}> {date_token(note.edited_at)}" for note in versions) or "no edits yet"
    blocks = [
        section(f"*{escape(role.title)}* — held by {_holder(role)}, term ends {day_with_year(role.term_end)}.\n"
                "Notes stay with the role, for whoever holds it next: contacts, how things were run, what to do when."),
        text_input(ids.NOTES_TEXT, "Notes (mrkdwn)", max_length=NOTES_MAX, initial=current or None, optional=True, multiline=True),
        context(f"Last edits: {edits}"),
    ]
    return modal(ids.NOTES_FORM, "Role notes", blocks, submit="Save", metadata={"role_id": role.id})


def which_role(roles: list[OfficerRole]) -> str:
    names = ", ".join(f"`{escape(role.title)}`" for role in roles) or "none yet"
    return f"Which role's notes? `/club notes <role>`. Roles: {names}."


# ---- the term's end ---------------------------------------------------------------------------------------


def checklist(term_end: date, roles: list[OfficerRole], open_by_owner: dict[str, list[Item]]) -> tuple[str, list]:
    text = f"Terms end on {day_with_year(term_end)}: the handover checklist"
    lines = [
        f"• *{escape(role.title)}* — {_holder(role)}: no successor yet · `/club handover @someone {escape(role.title)}`" if role.holder
        else f"• *{escape(role.title)}* — nobody holds it · `/club officers role @someone {escape(role.title)}`"
        for role in roles
    ]
    blocks = [section(_fit(f"*{text}*\nRoles without a successor:\n" + "\n".join(lines)))]
    if open_by_owner:
        for owner, items in list(open_by_owner.items())[:20]:
            by_kind: dict[str, list[Item]] = {}
            for item in items:
                by_kind.setdefault(item.kind, []).append(item)
            blocks.append(section(_fit(f"*Open items of <@{owner}>*\n" + "\n".join(_items(by_kind)))))
    else:
        blocks.append(section("Nobody owns an open item."))
    blocks.append(context("A handover moves the role and its holder's open items at once; the role's notes stay with it (`/club notes <role>`)."))
    return text, blocks
