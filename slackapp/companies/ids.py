"""Every callback, action and block id the companies feature uses."""

from slackapp.slack.forms import VALUE  # noqa: F401  (re-exported: every input's action id)

COMMAND = "/companies"
# `/companies book …` is the resume book's, registered by it (see handlers.answered_by_companies).
BOOK_WORD = "book"

OPEN = "company_open"  # a directory row's button: the company page
FOLLOW = "company_follow"
UNFOLLOW = "company_unfollow"
REVIEW_OPEN = "company_review_open"
REVIEW_FORM = "company_review_form"
REVIEW_WITHDRAW = "company_review_withdraw"
APPROVE = "company_review_approve"
DECLINE = "company_review_decline"
CONTACT_OPEN = "company_contact_open"
CONTACT_FORM = "company_contact_form"
CONTACT_LOG = "company_contact_log"
