"""A year in review: `/club review <from> <to>` for officers."""
