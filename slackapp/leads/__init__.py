"""Internship leads: share, search, save and track applications."""
