"""Member profiles: school, major, graduation year, skills, a link; each member edits only their own."""
