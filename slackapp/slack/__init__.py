"""Bolt wiring shared by every feature."""
