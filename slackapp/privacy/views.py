"""The privacy feature's forms and words."""

from __future__ import annotations

from slack_sdk.models.views import View

from slackapp.privacy import ids
from slackapp.slack.blocks import modal, section, text_input

MYDATA_SENT = "I sent everything the app stores about you to our DM, as a JSON file."
TYPE_THE_WORD = f"Type {ids.CONFIRM_WORD} to confirm."


def forget_form() -> View:
    blocks = [
        section(
            "*This deletes your data in this club's app* — your profile, saved leads, habit checklist, passport claims and settings — "
            "and replaces your name on what counts for others (your answers to events, gigs you volunteered for, leads you shared, "
            "projects you worked on) with an anonymous stand-in, so the club's numbers stay right.\n"
            "Messages already posted in Slack are not changed. This cannot be undone. `/club mydata` first if you want a copy."
        ),
        text_input(ids.CONFIRM, f"Type {ids.CONFIRM_WORD} to confirm", max_length=20, placeholder=ids.CONFIRM_WORD),
    ]
    return modal(ids.FORGET_FORM, "Forget me", blocks, submit="Forget me")


def forgotten() -> dict:
    """What the form turns into once it is done (a DM would leave their id in the outbox)."""
    view = View(type="modal", title="Forgotten", close="Close", blocks=[section("Done. The app no longer knows you; your contributions stay anonymous.")])
    return view.to_dict()
