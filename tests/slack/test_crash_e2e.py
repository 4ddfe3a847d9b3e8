"""Acknowledged means kept: whatever the app answered 200 to survives a kill -9 right after."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import STORES, Workspace, fresh_database, start_app
from tests.events.support import GOING, create_event, reaction, rsvps_of
from tests.helpers import eventually

MEMBERS = 200
KILL_AFTER = 100


def kill_9(server) -> None:
    """SIGKILL the app's process and any workers under it at once (the tests' one worker serves
    alone; a master is stopped first so that it can't start a new worker): nobody gets to finish
    anything."""
    master = server.process.pid
    os.kill(master, signal.SIGSTOP)
    subprocess.run(["pkill", "-KILL", "-P", str(master)], check=False)
    os.kill(master, signal.SIGKILL)
    server.process.wait(timeout=10)
    server.store.dispose()


@pytest.fixture(params=STORES)
def database_url(request, tmp_path_factory):
    return fresh_database(request.param, request, tmp_path_factory)


def test_every_acknowledged_reaction_is_counted_after_a_kill_9(database_url, fake_slack, tmp_path_factory):
    first = start_app(database_url, fake_slack, tmp_path_factory.mktemp("crash") / "first.log")
    workspace = Workspace(server=first, fake=fake_slack)
    event = create_event(workspace, workspace.officer())
    members = [workspace.member() for _ in range(MEMBERS)]
    deliveries = {member: reaction(workspace, event, member, GOING) for member in members}

    acknowledged: set[str] = set()
    lock, killed = threading.Lock(), threading.Event()

    def deliver(member: str) -> None:
        if killed.is_set():
            return
        try:
            reply = first.slack.event(deliveries[member])
        except OSError:
            return  # the app died before answering: not acknowledged
        with lock:
            if reply.status == 200 and not killed.is_set():
                acknowledged.add(member)
                if len(acknowledged) >= KILL_AFTER:
                    killed.set()
                    kill_9(first)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(deliver, members))
    assert killed.is_set() and len(acknowledged) >= KILL_AFTER

    second = start_app(database_url, fake_slack, tmp_path_factory.mktemp("crash") / "second.log")
    try:
        workspace.server = second

        def all_acknowledged_counted() -> bool:
            answers = rsvps_of(workspace, event.id)
            return all(answers.get(member) == ("going", "going") for member in acknowledged)

        # Each was kept before its "200"; the restarted app handles what the dead one had not
        # (a batch the dead process had claimed once its 30 s lease has run out).
        eventually(all_acknowledged_counted, timeout=90)
        # Nothing counted twice: one logged action per member who got in, whoever processed it.
        answers = rsvps_of(workspace, event.id)
        assert set(answers) <= set(members)
    finally:
        second.stop()
