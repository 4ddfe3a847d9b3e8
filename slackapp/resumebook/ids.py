"""Every command word, action, callback and block id of resume books."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/companies"
# The word of /companies this feature answers; the companies' own listener leaves it out.
WORD = "book"

OPEN_FORM = "books_open"
FIRM = "book_firm"
DEADLINE = "book_deadline"
YEARS = "book_years"
MAJORS = "book_majors"

CONSENT_FORM = "books_consent"  # the preview; submitting it is the member's opt-in

REVIEW = "books_review"  # "Preview and opt in": opens CONSENT_FORM (value: the book's id)
WITHDRAW = "books_withdraw"  # value: the book's id
STOP_INVITES = "books_stop_invites"
CLOSE = "books_close"  # officers: close now and get the export (value: the book's id)
EXPORT = "books_export"  # officers: the export again (value: the book's id)
LINK = "books_link"  # officers, HTTP mode: a signed link for the firm (value: the book's id)
MARK_SENT = "books_mark_sent"  # officers: the firm has it; withdrawals end (value: the book's id)

CLOSED_DM = "book_closed"  # timed work: officers told a book closed at its deadline, once per book and officer

# The HTTP path a firm's signed link lives under: /books/<token> (a page), /books/<token>.csv
PATH = "/books/"
