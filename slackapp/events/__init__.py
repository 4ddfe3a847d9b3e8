"""Events: announce, RSVP by reacting, waitlist, reminders, check-in."""
