"""A firm's signed link, served by the app's own HTTP server next to Slack's requests:
GET /books/<token> (a page) and /books/<token>.csv. Only that book, read when opened; every
opening is logged. A token that is malformed, unknown or expired gets the same bare 404."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slackapp.db import Store, utcnow
from slackapp.resumebook import ids, service, views

log = logging.getLogger(__name__)

_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
]


def _answer(start_response, status: str, content_type: str, body: bytes, extra: list | None = None):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *_HEADERS, *(extra or [])])
    return [body]


def _not_found(start_response):
    return _answer(start_response, "404 Not Found", "text/plain; charset=utf-8", b"Not found\n")


def pages(store: Store) -> Callable:
    """The WSGI app for everything under /books/."""

    def serve(environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _not_found(start_response)
        name = (environ.get("PATH_INFO") or "")[len(ids.PATH):]
        what = "csv" if name.endswith(".csv") else "page"
        token = name.removesuffix(".csv")
        with store.write() as session:
            found = service.visit(session, token=token, now=utcnow(), what=what, address=environ.get("REMOTE_ADDR"))
            if found is None:
                log.info("refused a resume book link: unknown or expired")  # pragma: no mutate
                return _not_found(start_response)
            book, entries = found
            if what == "csv":
                body = views.export_csv(entries).encode()
                disposition = [("Content-Disposition", f'attachment; filename="resume-book-{book.id}.csv"')]
                return _answer(start_response, "200 OK", "text/csv; charset=utf-8", body, disposition)
            body = views.page(book, entries, csv_href=f"{token}.csv").encode()
        return _answer(start_response, "200 OK", "text/html; charset=utf-8", body)

    return serve
