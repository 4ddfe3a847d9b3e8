"""Every command, callback, action, block id and job kind of the help queue."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/ask"
FORM = "ask_form"
HELPER_FORM = "ask_helper_form"
DONE_FORM = "ask_done_form"
OPEN = "ask_open"  # App Home: the request form
CLAIM = "ask_claim"  # a helper who takes this kind, or any officer
DONE = "ask_done"  # the requester: mark done and rate
WITHDRAW = "ask_withdraw"  # the requester
HAND_BACK = "ask_hand_back"  # the helper: back to the queue
STOP = "ask_stop"  # a helper asked by DM: no more requests

# The request form's inputs.
KIND = "kind"
TOPIC = "topic"
LINK = "link"
AVAILABILITY = "availability"
# The helper form's and the done form's.
KINDS = "kinds"
RATING = "rating"
NOTE = "note"

# Timed work.
POST = "ask_post"  # the request, in the helpers' channel or a helper's DM
UNCLAIMED = "ask_unclaimed"  # 48 h unclaimed: to the officers, once
REMIND = "ask_remind"  # claimed, not closed: 2 and 7 days
