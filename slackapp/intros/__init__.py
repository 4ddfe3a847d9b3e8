"""Introductions: members who opt in are paired (or put in a trio) every round, by DM."""
