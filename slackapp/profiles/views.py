"""A member's profile as Block Kit: the `/club profile` form and how a profile reads."""

from __future__ import annotations

from slack_sdk.models.blocks import CheckboxesElement, InputBlock, NumberInputElement, Option, StaticSelectElement
from slack_sdk.models.views import View

from slackapp.profiles import ids
from slackapp.profiles.models import Profile
from slackapp.profiles.service import LIMITS
from slackapp.slack.blocks import modal, section, text_input
from slackapp.slack.text import escape

_BOARD = [Option(value="yes", label="Yes"), Option(value="no", label="Not yet")]
_ALUMNI = Option(value="yes", label="I graduated: I'm an alum")
_SHOW_PAST = Option(value="yes", label="Members may see on /companies that I worked there")


def profile_form(profile: Profile | None) -> View:
    board = {True: _BOARD[0], False: _BOARD[1]}.get(getattr(profile, "job_board", None))
    year = getattr(profile, "graduation_year", None)
    return modal(
        ids.FORM,
        "Your profile",
        submit="Save",
        blocks=[
            section("What the club and project posters see when you bid on a micro-internship. Only you can change it."),
            text_input(ids.SCHOOL, "School (alma mater)", max_length=LIMITS[ids.SCHOOL], initial=getattr(profile, "school", None), optional=True),
            text_input(ids.MAJOR, "Major", max_length=LIMITS[ids.MAJOR], initial=getattr(profile, "major", None), optional=True),
            InputBlock(
                block_id=ids.GRADUATION_YEAR,
                label="Graduation year",
                optional=True,
                element=NumberInputElement(action_id=ids.VALUE, is_decimal_allowed=False, initial_value=str(year) if year else None),
            ),
            text_input(ids.SKILLS, "Skills", max_length=LIMITS[ids.SKILLS], initial=getattr(profile, "skills", None), optional=True, hint="Comma-separated."),
            text_input(ids.LINK, "Resume or portfolio link", max_length=LIMITS[ids.LINK], initial=getattr(profile, "link", None), optional=True, placeholder="https://…"),
            InputBlock(
                block_id=ids.JOB_BOARD,
                label="Registered on the school job board?",
                optional=True,
                element=StaticSelectElement(action_id=ids.VALUE, options=_BOARD, initial_option=board),
            ),
            InputBlock(
                block_id=ids.ALUMNI,
                label="Alumni",
                optional=True,
                hint="Introductions (/intros) match alumni with students.",
                element=CheckboxesElement(action_id=ids.VALUE, options=[_ALUMNI], initial_options=[_ALUMNI] if getattr(profile, "alumni", None) else None),
            ),
            text_input(
                ids.PAST_EMPLOYERS,
                "Past employers",
                max_length=LIMITS[ids.PAST_EMPLOYERS],
                initial=getattr(profile, "past_employers", None),
                optional=True,
                hint="Companies you worked or interned at, comma-separated.",
            ),
            InputBlock(
                block_id=ids.SHOW_PAST_EMPLOYERS,
                label="Show me on their company pages",
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.VALUE, options=[_SHOW_PAST], initial_options=[_SHOW_PAST] if getattr(profile, "show_past_employers", None) else None
                ),
            ),
        ],
    )


def facts(profile: Profile | None) -> str:
    """A profile in one line of mrkdwn: school · major · class of … (what a reviewer filters by)."""
    if profile is None:
        return "no profile yet"
    parts = [escape(profile.school, 100) or "school not given", escape(profile.major, 100) or "major not given"]
    if profile.graduation_year:
        parts.append(f"class of {profile.graduation_year}")
    return " · ".join(parts)


def saved(profile: Profile) -> str:
    return f"Profile saved: {facts(profile)}."
