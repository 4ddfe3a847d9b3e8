"""Company names: which spellings are one company. No Slack, no store.

"ACME Inc.", "Acme", "acme, inc." and "Acme Corporation" share the key "acme": lower-cased, every
run of punctuation a space, legal-form words at the end dropped ("inc", "corp", "llc", "gmbh" …),
spaces collapsed. The first spelling seen is the company's display name."""

from __future__ import annotations

import re
import unicodedata

# Legal forms, as words after punctuation is gone ("s.a." -> "s a" -> joined below).
SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "plc",
        "gmbh",
        "sa",
        "ag",
        "bv",
        "nv",
        "srl",
        "spa",
        "pty",
        "pllc",
        "pc",
        "kg",
        "oy",
        "ab",
        "as",
        "sarl",
    }
)
# Dotted forms that become single letters once the dots are gone: "S.A." -> "s a".
_DOTTED = {("s", "a"): "sa", ("a", "g"): "ag", ("b", "v"): "bv", ("n", "v"): "nv", ("l", "l", "c"): "llc", ("p", "l", "c"): "plc"}
MAX_NAME = 150


def clean(name: str | None) -> str:
    """The name as typed, trimmed, its spaces collapsed: what a company is shown as."""
    return " ".join((name or "").split())[:MAX_NAME]


def _words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    # Apostrophes join ("McDonald's" -> "mcdonalds"); every other run of non-word characters splits.
    text = re.sub(r"['’`]", "", text)
    return [word for word in re.split(r"[\W_]+", text) if word]


def _join_dotted(words: list[str]) -> list[str]:
    for size in (3, 2):
        if len(words) > size and tuple(words[-size:]) in _DOTTED:
            return words[:-size] + [_DOTTED[tuple(words[-size:])]]
    return words


def key(name: str | None) -> str:
    """The company's key: one for every spelling of it. Never empty for a non-empty name."""
    words = _join_dotted(_words(name or ""))
    # "The Acme Company" and "Acme" are one; a name that is only legal words keeps them.
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words = words[:-1]
        words = _join_dotted(words)
    found = " ".join(words)
    return found or clean(name).casefold()
