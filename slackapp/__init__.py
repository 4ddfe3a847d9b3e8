"""slackapp: the career side of a student club, in Slack."""
