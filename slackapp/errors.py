"""The one error a person can cause: every service raises it, the Slack layer shows it to them."""

from __future__ import annotations


class UserError(ValueError):
    """Something the club's rules refuse; the message is for the person who asked.

    `fields` ties messages to a form's inputs (block ids), so a modal can show each one next to the
    input it is about. Listeners never catch it: the Slack layer turns it into an ephemeral reply,
    or into `response_action: errors` for a modal.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.fields: dict[str, str] = {field: message} if field else {}

    @classmethod
    def in_fields(cls, errors: dict[str, str]) -> "UserError":
        """Several problems with a form at once, keyed by input."""
        error = cls("; ".join(errors.values()))
        error.fields = dict(errors)
        return error
