"""Reading what a person typed into a modal, whatever kind of input it was."""

from __future__ import annotations

import json

# The action id of every input in our forms: a form's values are read by block id.
VALUE = "value"


def form_values(view: dict) -> dict[str, object]:
    """Map each input block's id to its value: text, a selected option's value, a date, or a list."""
    values: dict[str, object] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        for state in actions.values():
            values[block_id] = _value_of(state)
    return values


def _value_of(state: dict) -> object:
    kind = state.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return (state.get("selected_option") or {}).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return [option.get("value") for option in state.get("selected_options") or []]
    if kind == "datepicker":
        return state.get("selected_date")
    if kind == "timepicker":
        return state.get("selected_time")
    if kind == "datetimepicker":
        return state.get("selected_date_time")
    if kind in ("conversations_select", "channels_select"):
        return state.get("selected_conversation") or state.get("selected_channel")
    if kind == "users_select":
        return state.get("selected_user")
    if kind == "number_input":
        return state.get("value")
    return state.get("value")


def metadata(view: dict) -> dict:
    """The private_metadata we stored on the view; a tampered or empty one reads as {}."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        return {}
    return found if isinstance(found, dict) else {}


def number_in(value: object) -> int:
    """A row id carried in a button's value or a view's metadata; 0 (no such row) when it isn't one."""
    text = str(value or "")
    return int(text) if text.isdigit() else 0
