"""Every callback, action and block id the club feature uses."""

COMMAND = "/club"
CONFIG_FORM = "club_config"
TIMEZONE = "timezone"
LEADS_CHANNEL = "leads_channel"
GIGS_CHANNEL = "gigs_channel"
EVENTS_CHANNEL = "events_channel"
OFFICERS_CHANNEL = "officers_channel"
CHANNELS = (LEADS_CHANNEL, EVENTS_CHANNEL, GIGS_CHANNEL, OFFICERS_CHANNEL)
DIGEST_DAY = "digest_day"
DIGEST_TIME = "digest_time"
VALUE = "value"
