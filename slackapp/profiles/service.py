"""Member profiles over the store. A profile is written only by its own member: every function
here takes the member's id from the request, never from what they submitted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import insert_for, utcnow
from slackapp.errors import UserError
from slackapp.profiles import ids
from slackapp.profiles.models import Profile
from slackapp.validation import text_field

LIMITS = {ids.SCHOOL: 100, ids.MAJOR: 100, ids.SKILLS: 300, ids.LINK: 2000, ids.PAST_EMPLOYERS: 500}
FIRST_YEAR = 1950
YEARS_AHEAD = 10


def is_web_link(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "") and " " not in url


def same_school(one: str | None, other: str | None) -> bool:
    """Schools as people type them: case and spacing don't matter."""
    return bool(one and other) and " ".join(one.casefold().split()) == " ".join(other.casefold().split())


@dataclass(frozen=True)
class ProfileDraft:
    school: str | None
    major: str | None
    graduation_year: int | None
    skills: str | None
    link: str | None
    job_board: bool | None
    alumni: bool | None = None
    past_employers: str | None = None
    # Consent to be listed on those companies' pages (/companies); nobody is listed without it.
    show_past_employers: bool | None = None


def clean_text(raw: dict, name: str, errors: dict[str, str], *, required: bool = False) -> str | None:
    return text_field(raw, name, errors, limit=LIMITS[name], required=required)


def _year(raw: dict, errors: dict[str, str], today: date) -> int | None:
    text = str(raw.get(ids.GRADUATION_YEAR) or "").strip()
    if not text:
        return None
    latest = today.year + YEARS_AHEAD
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= latest:
        errors[ids.GRADUATION_YEAR] = f"Give a year between {FIRST_YEAR} and {latest}."
        return None
    return int(text)


def validate(raw: dict, *, today: date) -> ProfileDraft:
    """The profile form. Every field is optional here; bidding on a project needs School and Major."""
    errors: dict[str, str] = {}
    school = clean_text(raw, ids.SCHOOL, errors)
    major = clean_text(raw, ids.MAJOR, errors)
    skills = clean_text(raw, ids.SKILLS, errors)
    link = clean_text(raw, ids.LINK, errors)
    if link and ids.LINK not in errors and not is_web_link(link):
        errors[ids.LINK] = "Give a web link starting with http:// or https://"
    year = _year(raw, errors, today)
    board = {"yes": True, "no": False}.get(str(raw.get(ids.JOB_BOARD) or ""))
    alumni = "yes" in raw[ids.ALUMNI] if isinstance(raw.get(ids.ALUMNI), list) else None
    past = clean_text(raw, ids.PAST_EMPLOYERS, errors)
    show_past = "yes" in raw[ids.SHOW_PAST_EMPLOYERS] if isinstance(raw.get(ids.SHOW_PAST_EMPLOYERS), list) else None
    if errors:
        raise UserError.in_fields(errors)
    return ProfileDraft(
        school=school, major=major, graduation_year=year, skills=skills, link=link, job_board=board, alumni=alumni, past_employers=past, show_past_employers=show_past
    )


def profile_of(session: Session, *, team_id: str, user_id: str) -> Profile | None:
    return session.scalar(select(Profile).where(Profile.team_id == team_id, Profile.user_id == user_id))


def profiles_of(session: Session, *, team_id: str, user_ids: list[str]) -> dict[str, Profile]:
    if not user_ids:
        return {}
    found = session.scalars(select(Profile).where(Profile.team_id == team_id, Profile.user_id.in_(user_ids)))
    return {profile.user_id: profile for profile in found}


def _upsert(session: Session, *, team_id: str, user_id: str, values: dict) -> Profile:
    values = {**values, "updated_at": utcnow()}
    statement = insert_for(session)(Profile).values(team_id=team_id, user_id=user_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=values))
    return session.scalar(select(Profile).where(Profile.team_id == team_id, Profile.user_id == user_id).execution_options(populate_existing=True))


def save(session: Session, *, team_id: str, user_id: str, draft: ProfileDraft) -> Profile:
    """The member's own profile, created or replaced."""
    return _upsert(session, team_id=team_id, user_id=user_id, values=asdict(draft))


def complete_for_bidding(session: Session, *, team_id: str, user_id: str, raw: dict) -> Profile | None:
    """School and Major given in a bid form (when the profile lacked them) go into the member's
    own profile; the rest of it stays as it was. None when the form had neither."""
    if ids.SCHOOL not in raw and ids.MAJOR not in raw:
        return None
    errors: dict[str, str] = {}
    school = clean_text(raw, ids.SCHOOL, errors, required=True)
    major = clean_text(raw, ids.MAJOR, errors, required=True)
    if errors:
        raise UserError.in_fields(errors)
    return _upsert(session, team_id=team_id, user_id=user_id, values={"school": school, "major": major})


def missing_for_bidding(profile: Profile | None) -> list[str]:
    """The profile fields a bid needs and this member hasn't given (block ids)."""
    return [name for name in (ids.SCHOOL, ids.MAJOR) if not getattr(profile, name, None)]
