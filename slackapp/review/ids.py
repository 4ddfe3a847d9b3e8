"""The review's command word."""

COMMAND = "/club"
WORD = "review"
