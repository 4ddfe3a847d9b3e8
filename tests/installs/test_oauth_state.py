"""OAuth states are single-use, and a state we could not have issued is refused without a query
that the store could choke on (PostgreSQL refuses a NUL in text: that was a 500 on the redirect)."""

from __future__ import annotations

import pytest

from slackapp.db import Store
from slackapp.installs.installations import SqlOAuthStateStore

pytestmark = pytest.mark.fast


@pytest.fixture
def states(migrated_url):
    store = Store.from_url(migrated_url)
    yield SqlOAuthStateStore(store)
    store.dispose()


def test_a_state_is_used_once(states):
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False


@pytest.mark.parametrize("forged", ["", "abc\x00def" * 5, "x" * 100_000, "state with spaces and a long enough tail", "é" * 43])
def test_a_state_we_could_not_have_issued_is_refused(states, forged):
    assert states.consume(forged) is False
