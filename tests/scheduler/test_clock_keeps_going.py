"""The clock's tick: one planner or consumer that fails holds up none of the others, and they run
spread out, one at a time."""

from __future__ import annotations

import threading

import pytest
from slack_sdk import WebClient

from slackapp.db import Store, upgrade
from slackapp.scheduler.dispatch import Dispatcher
from slackapp.scheduler.runner import Clock
from tests.conftest import STORES, fresh_database, new_id


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    built = Store.from_url(fresh_database(request.param, request, tmp_path_factory))
    upgrade(built.engine)
    yield built
    built.dispose()


def hourly_clock(store, fake_slack, **options) -> Clock:
    """A clock whose first tick runs at once and its next an hour later."""
    sender = Dispatcher(store, WebClient(token="xoxb-test", base_url=fake_slack.url), renderers={}, worker=new_id("w"), per_second=0)
    return Clock(store, sender, every_seconds=3600, **options)


def test_a_failing_planner_or_consumer_holds_up_none_of_the_others(store, fake_slack, caplog):
    # A row one feature can't handle, in one workspace, must not stop every other feature's
    # planning, nor the redelivery of kept events, in every workspace, tick after tick.
    planned, consumed = threading.Event(), threading.Event()

    def broken_planner(session, now):
        raise RuntimeError("a row it can't handle")

    def planner(session, now):
        planned.set()
        return 0

    def broken_consumer():
        raise RuntimeError("the inbox can't be read")

    def consumer():
        consumed.set()
        return 0

    clock = hourly_clock(store, fake_slack, planners=[broken_planner, planner], consumers=[broken_consumer, consumer])
    clock.start()  # the first tick runs at once
    try:
        assert planned.wait(30) and consumed.wait(30)
    finally:
        clock.stop()
    assert "planner test_a_failing_planner_or_consumer_holds_up_none_of_the_others.<locals>.broken_planner failed" in caplog.text
    assert "consumer test_a_failing_planner_or_consumer_holds_up_none_of_the_others.<locals>.broken_consumer failed" in caplog.text


def test_a_tick_pauses_between_its_planners_and_a_stop_ends_it_there(store, fake_slack):
    # Run all at once, a tick held up every request in flight for all its planners' time.
    first_ran, second_ran = threading.Event(), threading.Event()

    def first(session, now):
        first_ran.set()
        return 0

    def second(session, now):
        second_ran.set()
        return 0

    clock = hourly_clock(store, fake_slack, planners=[first, second], step_gap_seconds=3600)
    clock.start()
    try:
        assert first_ran.wait(30)
    finally:
        clock.stop()  # returns in the pause: the tick is not waited out
    assert not second_ran.is_set()
