"""Hooks a feature offers: another feature registers one from its own `register(app)`, and the one
offering them runs them without importing it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# (session, team_id) -> None, run in the caller's transaction.
TeamHook = Callable[[Session, str], None]


class TeamHooks:
    """By name: features register more than once in a process (the app, the list of what it
    registers), and a hook registered again replaces itself instead of running twice."""

    def __init__(self) -> None:
        self._by_name: dict[str, TeamHook] = {}

    def add(self, name: str, hook: TeamHook) -> None:
        self._by_name[name] = hook

    def run(self, session: Session, team_id: str) -> None:
        for hook in self._by_name.values():
            hook(session, team_id)
