"""What other features add to `/internships`: the words of it they answer (`/internships habit`,
`/internships micro`), and sections of its answers (micro-internship projects head a search's
first page and follow "mine"). A feature registers them here from its own `register(app)`; leads
never imports it. A section reads in the answer's session and returns finished blocks, which the
leads' views keep room for within Slack's 50 blocks."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.hooks import TeamHooks
from slackapp.slack.commands import first_word

# (session, club, user_id, words, remote) -> blocks
SearchSection = Callable[[Session, Club, str, tuple[str, ...], bool], list]
# (session, club, user_id, limit) -> blocks
MineSection = Callable[[Session, Club, str, int], list]
# (club, user_id, query text, page number) -> blocks, after a list's leads
BelowSearch = Callable[[Club, str, str, int], list]

_their_words: set[str] = set()
_above_search: dict[str, SearchSection] = {}
_below_mine: dict[str, MineSection] = {}
_below_search: dict[str, BelowSearch] = {}


def answer_word(word: str) -> None:
    """`/internships <word> …` is answered by the listener registering it, not by the list."""
    _their_words.add(word)


def answered_by_leads(command: dict) -> bool:
    """A Bolt matcher for leads' `/internships`: any text but another feature's word."""
    return first_word(command.get("text") or "") not in _their_words


def add(name: str, *, above_search: SearchSection, below_mine: MineSection) -> None:
    """Registered again under the same name, a section replaces itself."""
    _above_search[name] = above_search
    _below_mine[name] = below_mine


def above_search(session: Session, club: Club, user_id: str, words: tuple[str, ...], remote: bool) -> list:
    return [block for section in _above_search.values() for block in section(session, club, user_id, words, remote)]


def below_mine(session: Session, club: Club, user_id: str, limit: int) -> list:
    return [block for section in _below_mine.values() for block in section(session, club, user_id, limit)]


def add_below_search(name: str, below: BelowSearch) -> None:
    _below_search[name] = below


def below_search(club: Club, user_id: str, query: str, page: int) -> list:
    return [block for section in _below_search.values() for block in section(club, user_id, query, page)]


# Run when the leads waiting for officers changed (reported, hidden, waiting for approval, decided).
# Home registers one to publish officers' Homes.
_review_watchers = TeamHooks()
watch_review = _review_watchers.add
review_changed = _review_watchers.run
