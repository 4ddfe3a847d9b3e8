"""Every command, callback, action and block id the introductions feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/intros"
FORM = "intros_form"
CADENCE = "intros_cadence"
OPEN_TO = "intros_open_to"

# The check-in's answers: the button's value is the intro's id.
MET = "intros_met"
NOT_YET = "intros_not_yet"
SKIP = "intros_skip"
ANSWERS = {MET: "yes", NOT_YET: "not_yet", SKIP: "skip"}
PAUSE = "intros_pause"
RESUME = "intros_resume"
