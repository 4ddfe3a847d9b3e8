"""Every command word, callback and block id of the privacy feature."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/club"
MYDATA = "mydata"
FORGET = "forget-me"
FORGET_FORM = "privacy_forget"
CONFIRM = "confirm"
CONFIRM_WORD = "FORGET"
