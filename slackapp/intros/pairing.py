"""Who meets whom in a round, as plain data: no store, no Slack.

A round pairs the people due for an intro, with a trio when one is left over. A pair is allowed
when each is open to meet what the other is (a peer, an alum, an officer), neither avoids the
other, and they are not both alumni. Among allowed pairs, in this order:

1. pairs that never met (a pair repeats only when the round can't give them someone new);
2. a student with an alum (alumni mode), the alum with the fewest intros so far first (so alumni
   are spread evenly), then the one sharing the most with the student (school, major, skills);
3. the pairing a round-robin tournament would make this round (the "circle method": with the same
   people round after round, every pair meets once before any meets twice);
4. among pairs that met before, the one that met longest ago.

Each person is in one group a round, so an alum gets at most one intro per round. Planning looks
at a bounded number of candidates per person (all of them in small clubs), then matches greedily
and repairs what greed left unmatched with short swaps: 2,000 people are planned in well under a
second (bench/intro_rounds.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

PEERS, ALUMNI, OFFICERS = "peers", "alumni", "officers"
# Up to this many people, every pair is a candidate; above it, a sample per person.
ALL_PAIRS_UP_TO = 300
RANDOM_CANDIDATES = 24
ALUMNI_CANDIDATES = 16


@dataclass(frozen=True)
class Person:
    user_id: str
    kind: str  # PEERS, ALUMNI or OFFICERS: what the others meet in them
    open_to: frozenset[str]
    school: str | None = None
    major: str | None = None
    skills: frozenset[str] = frozenset()


def pair(one: str, other: str) -> frozenset[str]:
    return frozenset((one, other))


@dataclass
class History:
    """What earlier rounds did: when each pair last met (a round's ordinal, higher is later) and
    how many intros each alum had."""

    last_met: dict[frozenset[str], int] = field(default_factory=dict)
    alum_intros: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def record(self, groups: Iterable[tuple[str, ...]], ordinal: int, alumni: set[str] = frozenset()) -> None:
        for group in groups:
            for index, one in enumerate(group):
                for other in group[index + 1 :]:
                    self.last_met[pair(one, other)] = ordinal
                if one in alumni:
                    self.alum_intros[one] += 1


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def shared(one: Person, other: Person) -> tuple[bool, bool, frozenset[str]]:
    """What two profiles have in common: the same school, the same major, the skills both list."""
    return (
        bool(_norm(one.school)) and _norm(one.school) == _norm(other.school),
        bool(_norm(one.major)) and _norm(one.major) == _norm(other.major),
        one.skills & other.skills,
    )


def skill_set(text: str | None) -> frozenset[str]:
    return frozenset(word for word in (_norm(part) for part in (text or "").split(",")) if word)


class Round:
    def __init__(self, people: list[Person], *, avoid: set[frozenset[str]], history: History, ordinal: int, seed: int = 0):
        self.people = {person.user_id: person for person in people}
        self.order = [person.user_id for person in people]  # seats: the same order round after round
        self.seat = {user: index for index, user in enumerate(self.order)}
        self.avoid = avoid
        self.history = history
        self.ordinal = ordinal
        self.random = random.Random(seed)
        # Worked out once: scoring looks at them for every candidate pair.
        self.school = {user: _norm(person.school) for user, person in self.people.items()}
        self.major = {user: _norm(person.major) for user, person in self.people.items()}
        self.circle = {user: self._circle_partner(user) for user in self.order}

    def allowed(self, one: str, other: str) -> bool:
        a, b = self.people[one], self.people[other]
        return (
            one != other
            and b.kind in a.open_to
            and a.kind in b.open_to
            and not (a.kind == ALUMNI and b.kind == ALUMNI)
            and pair(one, other) not in self.avoid
        )

    def is_new(self, one: str, other: str) -> bool:
        return pair(one, other) not in self.history.last_met

    def _circle_partner(self, user: str) -> str | None:
        """This round's partner in a round-robin over the seats (None: sits this one out)."""
        count = len(self.order)
        if count < 2:
            return None
        seats = count - 1 if count % 2 == 0 else count
        index = self.seat[user]
        turn = self.ordinal % seats
        if index == seats:  # the fixed seat (even counts): meets whoever would sit out
            other = next(i for i in range(seats) if (2 * i) % seats == turn)
            return self.order[other]
        other = (turn - index) % seats
        if other == index:
            return self.order[seats] if count % 2 == 0 else None
        return self.order[other]

    def score(self, one: str, other: str) -> tuple:
        a, b = self.people[one], self.people[other]
        alum = a if a.kind == ALUMNI else b if b.kind == ALUMNI else None
        if alum is not None:
            school = bool(self.school[one]) and self.school[one] == self.school[other]
            major = bool(self.major[one]) and self.major[one] == self.major[other]
            evenness, similarity = -self.history.alum_intros.get(alum.user_id, 0), int(school) + int(major) + len(a.skills & b.skills)
        else:
            evenness = similarity = 0
        met = self.history.last_met.get(pair(one, other))
        return (
            met is None,
            alum is not None,
            evenness,
            similarity,
            self.circle[one] == other,
            -(met if met is not None else 0),
            self.random.random(),
        )

    def _candidates(self) -> set[frozenset[str]]:
        users = self.order
        if len(users) <= ALL_PAIRS_UP_TO:
            return {pair(one, other) for index, one in enumerate(users) for other in users[index + 1 :]}
        found: set[frozenset[str]] = set()
        alumni = sorted((u for u in users if self.people[u].kind == ALUMNI), key=lambda u: self.history.alum_intros.get(u, 0))
        by_school: dict[str, list[str]] = defaultdict(list)
        by_major: dict[str, list[str]] = defaultdict(list)
        for alum in alumni:
            by_school[self.school[alum]].append(alum)
            by_major[self.major[alum]].append(alum)
        for user in users:
            circle = self.circle[user]
            if circle:
                found.add(pair(user, circle))
            for other in self.random.sample(users, min(RANDOM_CANDIDATES, len(users))):
                if other != user:
                    found.add(pair(user, other))
            person = self.people[user]
            if ALUMNI in person.open_to and person.kind != ALUMNI and alumni:
                near = by_school.get(self.school[user], [])[:ALUMNI_CANDIDATES] + by_major.get(self.major[user], [])[:ALUMNI_CANDIDATES]
                for alum in near + alumni[:ALUMNI_CANDIDATES]:
                    found.add(pair(user, alum))
        return found

    def plan(self) -> list[tuple[str, ...]]:
        # Sorted, so a round is the same whatever order the set came in (the seed decides ties).
        edges = sorted(tuple(sorted(both)) for both in self._candidates())
        edges = [(self.score(one, other), one, other) for one, other in edges if self.allowed(one, other)]
        edges.sort(key=lambda edge: edge[0], reverse=True)
        partner: dict[str, str] = {}
        # New pairs first, then (for whoever is left) pairs that met longest ago.
        for new_only in (True, False):
            for score, one, other in edges:
                if score[0] == new_only and one not in partner and other not in partner:
                    partner[one], partner[other] = other, one
            self._repair(partner, new_only=new_only)
            self._spread_alumni(partner, new_only=new_only)
        groups = {tuple(sorted((user, mate))) for user, mate in partner.items()}
        return self._trios(sorted(groups))

    def _fits(self, one: str, other: str, new_only: bool) -> bool:
        return self.allowed(one, other) and (not new_only or self.is_new(one, other))

    def _repair(self, partner: dict[str, str], *, new_only: bool) -> None:
        """Pair two people left alone through one matched pair: x–y becomes u–x and y–w."""
        for user in self.order:
            if user in partner:
                continue
            for other in self.order:
                if other in partner or other == user:
                    continue
                if self._fits(user, other, new_only):
                    partner[user], partner[other] = other, user
                    break
            if user in partner:
                continue
            alone = [u for u in self.order if u not in partner and u != user]
            for x in [u for u in self.order if u in partner and self._fits(user, u, new_only)]:
                y = partner[x]
                w = next((w for w in alone if self._fits(y, w, new_only)), None)
                if w is not None:
                    partner[user], partner[x], partner[y], partner[w] = x, user, w, y
                    break

    def _spread_alumni(self, partner: dict[str, str], *, new_only: bool) -> None:
        """An alum left out while one with more intros is matched takes over that one's student,
        when the student may meet them (and hasn't, in the first pass)."""
        count = self.history.alum_intros
        waiting = sorted((u for u in self.order if u not in partner and self.people[u].kind == ALUMNI), key=lambda u: count.get(u, 0))
        for alum in waiting:
            busier = sorted((u for u in partner if self.people[u].kind == ALUMNI and count.get(u, 0) > count.get(alum, 0)), key=lambda u: -count.get(u, 0))
            for other in busier:
                student = partner[other]
                if self._fits(student, alum, new_only):
                    del partner[other]
                    partner[alum], partner[student] = student, alum
                    break

    def _trios(self, groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """Whoever is still alone joins a pair they may meet both of: new to both first."""
        placed = {user for group in groups for user in group}
        groups = [list(group) for group in groups]
        for user in self.order:
            if user in placed:
                continue
            fitting = [group for group in groups if len(group) == 2 and all(self.allowed(user, other) for other in group)]
            if not fitting:
                continue  # nobody they may meet this round
            best = max(fitting, key=lambda group: (sum(self.is_new(user, other) for other in group), self.random.random()))
            best.append(user)
            placed.add(user)
        return [tuple(group) for group in groups]


def plan_round(people: list[Person], *, avoid: set[frozenset[str]], history: History, ordinal: int, seed: int = 0) -> list[tuple[str, ...]]:
    """The groups of one round: pairs, and a trio when someone would be left alone."""
    return Round(people, avoid=avoid, history=history, ordinal=ordinal, seed=seed).plan()
