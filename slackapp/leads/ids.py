"""Every callback, action and block id the leads feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/internships"
SHARE_WORDS = ("post", "share")  # `/internships post`: the lead form
SHORTCUT_SAVE_MESSAGE = "save_as_lead"
FORM = "lead_form"

OPEN = "lead_open"
SAVE = "lead_save"
EDIT = "lead_edit"
CLOSE = "lead_close"
SHARE = "lead_share"
PAGE = "lead_page"
PAGE_BACK = "lead_page_back"
STAGE = "lead_stage"
UNSAVE = "lead_unsave"
REPORT = "lead_report"  # opens the report form (leads.handlers.moderation)
HISTORY = "lead_history"  # officers: the lead's history
HISTORY_CSV = "lead_history_csv"
KEEP_OPEN = "lead_keep_open"  # the poster's "Still open?" DM

FIELDS = ("company", "role", "url", "kind", "location", "remote", "pay", "deadline", "description", "tags")
NUDGE_APPLIED = "lead_nudge_applied"
FIND = "lead_find"  # App Home: a search form
FIND_FORM = "lead_find_form"
FIND_WORDS = "words"

# Reports and moderation (leads.handlers.moderation)
REPORT_FORM = "lead_report_form"
REPORT_REASON = "reason"
REPORT_NOTE = "note"
RESTORE = "lead_restore"  # officers: a hidden lead back in the list
REMOVE = "lead_remove"
APPROVE = "lead_approve"  # officers: a first lead waiting for approval
DECLINE = "lead_decline"
