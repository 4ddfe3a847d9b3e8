"""Every callback, action and block id the profiles feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

# `/club profile` is a word of the club's command.
COMMAND = "/club"
WORD = "profile"
FORM = "profile_form"
EDIT = "profile_edit"  # App Home: the profile form

# The form's inputs are named as the profile's columns.
SCHOOL = "school"
MAJOR = "major"
GRADUATION_YEAR = "graduation_year"
SKILLS = "skills"
LINK = "link"
JOB_BOARD = "job_board"
ALUMNI = "alumni"  # a checkbox: they graduated (introductions match alumni with students)
PAST_EMPLOYERS = "past_employers"  # companies they worked or interned at (company pages list them)
SHOW_PAST_EMPLOYERS = "show_past_employers"  # a checkbox: their consent to be listed there
