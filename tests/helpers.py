"""Reading what the app sent, and acting in Slack the way members do."""

from __future__ import annotations

import json
import threading
import time
import uuid

from slackapp.leads import ids


def walk(node):
    """Every dict inside a Block Kit structure, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def all_text(blocks) -> str:
    """The mrkdwn and plain text a reader sees, one text object per line."""
    return "\n".join(node["text"] for node in walk(blocks) if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str))


def buttons(blocks) -> list[dict]:
    return [node for node in walk(blocks) if node.get("type") == "button"]


def eventually(check, timeout: float = 5.0):
    """Wait for work the app does after it has answered Slack."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result or result is None:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"condition still false after {timeout}s")
        time.sleep(0.02)


def lead_values(
    *,
    company="Acme",
    role="Analyst intern",
    url=None,
    kind="internship",
    location="Storrs, CT",
    remote=False,
    pay=None,
    deadline=None,
    description=None,
    tags=None,
) -> dict:
    """view_submission state for the lead form, shaped like Slack's for each input type."""

    def text(value):
        return {ids.VALUE: {"type": "plain_text_input", "value": value}}

    remote_options = [{"text": {"type": "plain_text", "text": "Remote"}, "value": "remote"}] if remote else []
    return {
        "company": text(company),
        "role": text(role),
        "url": text(url or f"https://jobs.example/{uuid.uuid4().hex}"),
        "kind": {ids.VALUE: {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": kind}, "value": kind} if kind else None}},
        "location": text(location),
        "remote": {ids.VALUE: {"type": "checkboxes", "selected_options": remote_options}},
        "pay": text(pay),
        "deadline": {ids.VALUE: {"type": "datepicker", "selected_date": deadline}},
        "description": text(description),
        "tags": text(tags),
    }


def share_lead(workspace, user: str, *, private_metadata: str | None = None, **fields):
    """Submit the share form as `user`, from the workspace's channel."""
    metadata = private_metadata if private_metadata is not None else json.dumps({"lead_id": None, "channel": workspace.channel})
    return workspace.submit(ids.FORM, lead_values(**fields), user=user, private_metadata=metadata)


# ---- a change that lands while the planner is running (PostgreSQL) ----------------------


def while_planning(session, store, action):
    """Start `action` (a request to the app) while the planner's transaction is open; return once it
    has finished, or once the app is waiting on a lock that the planner's transaction holds (which
    is what a planner that guards against this race would make it do)."""
    from sqlalchemy import text

    planner = session.connection().exec_driver_sql("select pg_backend_pid()").scalar()
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = action()
        except BaseException as exc:  # re-raised in the test's own thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()

    def finished_or_waiting_for_the_planner():
        if not worker.is_alive():
            return True
        with store.engine.connect() as connection:
            waiting = connection.execute(
                text("select count(*) from pg_stat_activity where :planner = any(pg_blocking_pids(pid))"), {"planner": planner}
            ).scalar()
        assert waiting, "the request is still being handled"
        return True

    eventually(finished_or_waiting_for_the_planner, timeout=20)
    return worker, outcome




def finished(worker, outcome):
    worker.join(timeout=30)
    assert not worker.is_alive(), "the request never finished"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def plan_all(store, now):
    """One run of every planner the app has, as the clock would do at `now`."""
    from slackapp.app import job_planners
    from slackapp.scheduler import runner

    return runner.plan_all(store, job_planners(), now)
