"""Every event, action and job kind of App Home."""

OPENED = "app_home_opened"
# The scheduled work that publishes one member's Home (its subject is the member).
PUBLISH = "home_publish"
