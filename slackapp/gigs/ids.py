"""Every callback, action and block id the gigs feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/gigs"
FORM = "gig_form"
REQUEST_FORM = "gig_request_form"
DECLINE_FORM = "gig_decline_form"
FINISH_FORM = "gig_finish_form"
VOLUNTEER = "gig_volunteer"
WITHDRAW = "gig_withdraw"
DONE = "gig_done"
APPROVE = "gig_request_approve"
DECLINE = "gig_request_decline"
REQUEST = "gig_request_open"  # App Home: the request form
# The finish form has one hours input per volunteer: "hours_U123".
HOURS_BLOCK = "hours_"
