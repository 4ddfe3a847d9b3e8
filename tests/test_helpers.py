"""The waiting helpers wait for exactly what they are asked (the fast layer)."""

from __future__ import annotations

import time

import pytest

from tests.helpers import eventually, eventually_got

pytestmark = pytest.mark.fast


def arriving(*items, every: float = 0.01):
    """A fetch whose items arrive one by one."""
    start = time.monotonic()
    return lambda: list(items[: int((time.monotonic() - start) / every) + 1])


def counted(result):
    """A check or fetch that returns `result` and counts how often it was asked."""

    def ask():
        ask.calls += 1
        return result

    ask.calls = 0
    return ask


def test_eventually_refuses_anything_but_a_condition_at_once():
    check = counted(["the first of two leads"])
    with pytest.raises(TypeError, match="eventually_got"):
        eventually(check, timeout=30)
    assert check.calls == 1


def test_eventually_waits_for_true_or_a_check_that_stops_asserting():
    ready = arriving(1, 2, 3)
    eventually(lambda: len(ready()) == 3)

    def three():
        assert len(ready()) == 3

    eventually(three)
    with pytest.raises(AssertionError, match="still false"):
        eventually(lambda: False, timeout=0.05)


def test_eventually_got_waits_for_the_count_asked_not_the_first_item():
    assert eventually_got(arriving("expiring", "closing"), count=2) == ["expiring", "closing"]


def test_eventually_got_fails_at_once_on_more_than_asked():
    fetch = counted(["a", "b"])
    with pytest.raises(AssertionError, match="expected 1 item"):
        eventually_got(fetch, count=1, timeout=30)
    assert fetch.calls == 1
