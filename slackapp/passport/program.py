"""The club's passport program as plain data, and the arithmetic of a record. No store, no Slack.

Business-school passport programs count activities in categories, each worth points, capped per
period, against a target with some categories required. A stamp is one counted activity."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal


class Unit(str, enum.Enum):
    activity = "activity"  # points for each activity
    hour = "hour"  # points for each whole hour (volunteering)


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    points: int
    cap: int | None = None  # most points this category can add in one period
    unit: Unit = Unit.activity


# The categories the careers page's activities fall in. Event categories use the same keys.
CAREER_EVENTS = "career_events"
EMPLOYER_MEETINGS = "employer_meetings"
WORKSHOPS = "workshops"
SERVICE = "service"
DEVELOPMENT = "professional_development"
CLUBS = "clubs"
MICRO = "micro_internships"
HELPING = "helping_others"


class PeriodKind(str, enum.Enum):
    semester = "semester"
    year = "year"


@dataclass(frozen=True)
class Program:
    categories: tuple[Category, ...]
    target: int
    required: tuple[str, ...]
    period: PeriodKind = PeriodKind.semester

    def category(self, key: str) -> Category | None:
        return next((category for category in self.categories if category.key == key), None)

    def as_json(self) -> dict:
        return {
            "categories": [asdict(category) | {"unit": category.unit.value} for category in self.categories],
            "target": self.target,
            "required": list(self.required),
            "period": self.period.value,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Program":
        """A stored program; categories the app no longer knows are dropped, new ones keep defaults."""
        stored = {item["key"]: item for item in data.get("categories") or [] if isinstance(item, dict) and "key" in item}
        categories = tuple(
            replace(default, points=int(stored[default.key].get("points", default.points)), cap=stored[default.key].get("cap", default.cap))
            if default.key in stored
            else default
            for default in DEFAULT.categories
        )
        known = {category.key for category in categories}
        return cls(
            categories=categories,
            target=int(data.get("target", DEFAULT.target)),
            required=tuple(key for key in data.get("required", DEFAULT.required) if key in known),
            period=PeriodKind(data.get("period", DEFAULT.period.value)),
        )


DEFAULT = Program(
    categories=(
        Category(CAREER_EVENTS, "Career events", 2),
        Category(EMPLOYER_MEETINGS, "Employer meetings", 2),
        Category(WORKSHOPS, "Workshops", 1),
        Category(SERVICE, "Service", 1, cap=6, unit=Unit.hour),
        Category(DEVELOPMENT, "Professional development", 1, cap=6),
        Category(MICRO, "Micro-internships", 3),
        Category(CLUBS, "Joining clubs", 1, cap=2),
        Category(HELPING, "Helping others", 2, cap=6),
    ),
    target=12,
    required=(CAREER_EVENTS, EMPLOYER_MEETINGS),
)


@dataclass(frozen=True)
class Stamp:
    """One activity that counts: where it came from (`source`, `ref`) and when."""

    user_id: str
    category: str
    on: date
    source: str  # event, gig, lead, habit, claim, micro, help
    title: str
    ref: str
    units: Decimal = Decimal(1)

    def points(self, program: Program) -> int:
        category = program.category(self.category)
        if category is None:
            return 0
        units = self.units.to_integral_value(rounding=ROUND_FLOOR) if category.unit is Unit.hour else Decimal(1)
        return int(units) * category.points


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_of(day: date, kind: PeriodKind) -> Period:
    """Spring is January to May, summer June and July, fall August to December; an academic
    year runs from August to July."""
    if kind is PeriodKind.year:
        first = day.year if day.month >= 8 else day.year - 1
        return Period(f"{first}–{str(first + 1)[-2:]}", date(first, 8, 1), date(first + 1, 7, 31))
    if day.month <= 5:
        return Period(f"Spring {day.year}", date(day.year, 1, 1), date(day.year, 5, 31))
    if day.month <= 7:
        return Period(f"Summer {day.year}", date(day.year, 6, 1), date(day.year, 7, 31))
    return Period(f"Fall {day.year}", date(day.year, 8, 1), date(day.year, 12, 31))


@dataclass(frozen=True)
class CategoryScore:
    category: Category
    earned: int  # before the cap
    counted: int  # after it
    activities: int


@dataclass(frozen=True)
class Record:
    user_id: str
    period: Period
    program: Program
    scores: tuple[CategoryScore, ...]
    stamps: tuple[Stamp, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(score.counted for score in self.scores)

    @property
    def missing(self) -> list[Category]:
        """Required categories with nothing in them yet."""
        done = {score.category.key for score in self.scores if score.activities}
        return [category for key in self.program.required if key not in done and (category := self.program.category(key))]

    @property
    def complete(self) -> bool:
        return self.total >= self.program.target and not self.missing


def score(user_id: str, stamps: list[Stamp], program: Program, period: Period) -> Record:
    """The member's record for one period: points per category, caps applied."""
    mine = sorted((stamp for stamp in stamps if stamp.user_id == user_id and period.holds(stamp.on)), key=lambda s: (s.on, s.source, s.ref))
    earned: dict[str, int] = defaultdict(int)
    activities: dict[str, int] = defaultdict(int)
    for stamp in mine:
        earned[stamp.category] += stamp.points(program)
        activities[stamp.category] += 1
    scores = tuple(
        CategoryScore(category, earned[category.key], min(earned[category.key], category.cap) if category.cap is not None else earned[category.key], activities[category.key])
        for category in program.categories
    )
    return Record(user_id=user_id, period=period, program=program, scores=scores, stamps=tuple(mine))
