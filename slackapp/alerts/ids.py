"""Every command, action and block id the alerts feature uses."""

# Alerts live under the leads' command: `/internships alerts …`.
COMMAND = "/internships"
WORD = "alerts"

# Under a search: save it as an alert.
CREATE = "alert_create"
# `/internships alerts` (and the answer to Alert me): value "<alert id>:<instant|daily>".
DELIVERY = "alert_delivery"
LIST_PAUSE = "alert_list_pause"
LIST_RESUME = "alert_list_resume"
LIST_DELETE = "alert_list_delete"

# An alert DM's buttons. Each carries {"a": [alert ids], "i": item id} as its value.
OPEN = "alert_open"
SAVE = "alert_save"
BID = "alert_bid"
PAUSE = "alert_pause"
STOP = "alert_stop"
# The "paused by itself" DM.
RESUME = "alert_resume"
