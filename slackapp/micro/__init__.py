"""Micro-internships: paid short projects that students bid on, chosen, done, paid and evaluated."""
