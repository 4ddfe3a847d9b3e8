"""The sandbox page's own endpoints answer bad requests with 400 and a message saying what was
wrong, never a traceback: the page is used by hand, and whatever a browser (or curl) sends it is
told in words. Plain HTTP, no browser."""

from __future__ import annotations

import http.client
import logging
from urllib.parse import urlsplit

import pytest


def post(sandbox, path: str, body: bytes, *, length: str | None = None) -> tuple[int, str]:
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(len(body)) if length is None else length)
        connection.endheaders()
        connection.send(body)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path, body, length, says",
    [
        ("/send", b"text=caf\xe9", None, "UTF-8"),
        ("/send", b"text=hello", "abc", "Content-Length"),
        ("/send", b"text=hello", "-5", "Content-Length"),
        ("/act", b"act=not-json&surface=message", None, "act"),
        ("/act", b"act=%7B%22a%22%3A1%2C%22b%22%3A2%7D&surface=view", None, "act"),  # {"a":1,"b":2}
        ("/act", b"act=%5B1%2C2%5D&surface=view", None, "act"),  # [1,2]
        ("/act", b"act=" + b"%5B" * 50_000 + b"%5D" * 50_000, None, "act"),
    ],
    ids=["not-utf8", "length-not-a-number", "length-negative", "act-not-json", "act-an-object", "act-of-numbers", "act-nested-deep"],
)
def test_bad_requests_to_the_page_get_400_and_a_message(sandbox, capfd, caplog, path, body, length, says):
    caplog.set_level(logging.INFO, logger="slackapp.sandbox.web")
    status, text = post(sandbox, path, body, length=length)
    assert status == 400 and says in text, (status, text)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err
    refused = [record for record in caplog.records if record.name == "slackapp.sandbox.web"]
    assert len(refused) == 1 and says in refused[0].getMessage()
    assert [record for record in caplog.records if record.exc_info] == []


def test_a_body_too_large_is_refused_unread(sandbox):
    status, text = post(sandbox, "/send", b"text=hi", length=str(10 * 1024 * 1024))
    assert status == 413 and "too large" in text


def test_a_good_move_is_still_answered(sandbox):
    status, text = post(sandbox, "/send", b"text=")  # nothing typed: the page is drawn again
    assert status == 200 and "<" in text


@pytest.mark.parametrize("length", ["abc", "\u00b2", "-1"])
def test_the_apps_own_path_refuses_a_length_that_is_not_a_number(sandbox, capfd, length):
    """gunicorn refuses these before the app sees them; the sandbox's server hands them on."""
    status, _ = post(sandbox, "/slack/events", b"hello", length=length)
    assert status == 400
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err
