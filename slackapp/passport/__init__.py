"""The passport: each member's participation record, scored against the club's program."""
