"""Every command word, action, callback and block id of officer roles, handovers and role notes."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/club"
# The words of /club this feature answers (registered before the club's own listener).
OFFICERS = "officers"
HANDOVER = "handover"
NOTES = "notes"
WORDS = (OFFICERS, HANDOVER, NOTES)

CONFIRM = "roles_handover_confirm"  # the preview's Confirm: its value names who, to whom, which role
CANCEL = "roles_handover_cancel"
NOTES_FORM = "roles_notes"
NOTES_TEXT = "notes_text"

CHECKLIST = "role_term_checklist"  # timed work: the term-end checklist, one DM per officer and term end
HANDOVER_DM = "role_handover_summary"  # owed once per handover and person
