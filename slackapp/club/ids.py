"""Every callback, action and block id the club feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/club"
CONFIG_FORM = "club_config"
TIMEZONE = "timezone"
LEADS_CHANNEL = "leads_channel"
GIGS_CHANNEL = "gigs_channel"
EVENTS_CHANNEL = "events_channel"
OFFICERS_CHANNEL = "officers_channel"
HELPERS_CHANNEL = "helpers_channel"
CHANNELS = (LEADS_CHANNEL, EVENTS_CHANNEL, GIGS_CHANNEL, OFFICERS_CHANNEL, HELPERS_CHANNEL)
DIGEST_DAY = "digest_day"
DIGEST_TIME = "digest_time"
INTRO_DAY = "intro_day"  # the weekday introductions' rounds start on
APPROVE_FIRST_LEADS = "approve_first_leads"  # a checkbox: every new member's first lead waits for an officer
