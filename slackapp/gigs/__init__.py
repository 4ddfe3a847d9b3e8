"""Volunteer gigs: officers post, members claim slots, other organizations ask for help."""
