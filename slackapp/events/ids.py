"""Every callback, action and block id the events feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/events"
FORM = "event_form"
SHORTCUT = "make_rsvp_post"
GOING, MAYBE, CANT = "event_going", "event_maybe", "event_cant"
CALENDAR = "event_calendar"
NEW = "event_new"
EDIT, CANCEL, DELETE = "event_edit", "event_cancel", "event_delete"
ROSTER_CSV = "event_roster_csv"
OPEN_CHECKIN = "event_open_checkin"
HERE = "event_here"
MARK_ATTENDED = "event_mark_attended"
ROSTER_DM = "event_roster_dm"  # App Home: the roster, sent to the officer's DM
# The "mark attended" select sits in a block whose id carries the event: "attend_12".
ATTEND_BLOCK = "attend_"
# Recurring events: "Going to all" / "Not going to all" on each post of a series, and cancelling
# this occurrence and every later one from the roster.
SERIES_JOIN, SERIES_LEAVE = "event_series_join", "event_series_leave"
CANCEL_REST = "event_cancel_rest"
# The edit form of an occurrence: this one only, or this and all later ones.
SCOPE_ONE, SCOPE_REST = "one", "rest"
