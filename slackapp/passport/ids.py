"""Every command, callback, action and block id of the passport."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/passport"
CLAIM_FORM = "passport_claim"
DECISION_FORM = "passport_decision"
CONFIG_FORM = "passport_config"
NEW_CLAIM = "passport_new_claim"
REVIEW = "passport_review"  # a pending claim's button; its value is the claim's id

# Claim form
CATEGORY = "category"
TITLE = "title"
EVIDENCE = "evidence"
DONE_ON = "done_on"
# Decision form
DECISION = "decision"
COMMENT = "comment"
# Config form: one points and one cap input per category, "points_<key>" and "cap_<key>"
POINTS = "points_"
CAP = "cap_"
TARGET = "target"
REQUIRED = "required"
PERIOD = "period"
