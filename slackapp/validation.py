"""Checking what people typed into a form, shared by every feature's service. No Slack here."""

from __future__ import annotations


def text_field(raw: dict, name: str, errors: dict[str, str], *, limit: int, required: bool = False) -> str | None:
    """A form's text input, trimmed; a missing required one or one over `limit` adds its message
    to `errors` under the input's block id (so the form shows it next to the input)."""
    value = raw.get(name)
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if required:
            errors[name] = "Please fill this in."
        return None
    if len(value) > limit:
        errors[name] = f"Keep this under {limit} characters (it has {len(value)})."
    return value
