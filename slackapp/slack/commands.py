"""Words of a slash command."""

from __future__ import annotations

from collections.abc import Callable


def first_word(text: str) -> str:
    """The command's first word, lower-cased ("" for none)."""
    words = (text or "").split(maxsplit=1)
    return words[0].lower() if words else ""


def starting_with(*words: str) -> Callable[[dict], bool]:
    """A Bolt matcher: the command's text starts with one of `words` (`/internships habit …` is
    answered by the habit feature, registered before the one that owns `/internships`)."""

    def matches(command: dict) -> bool:
        return first_word(command.get("text") or "") in words

    return matches
