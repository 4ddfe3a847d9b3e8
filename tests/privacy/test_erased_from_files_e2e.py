"""Forgotten means gone from the store's files, not only from its tables: after `/club forget-me`,
and after a departed workspace is purged, the app is stopped and its store read as bytes.

SQLite: every file in the database's folder (the database, its write-ahead log, the shared memory
index, the writers' lock file). PostgreSQL writes its own files (its write-ahead log among them,
which no application can clean), so there the promise is one level up: no row version, live or
dead, in any table of the app's database, and no index entry, holds the id (read with
pageinspect) — see README "What we keep"."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from slackapp.sandbox import payloads
from tests.conftest import STORES, Workspace, serve
from tests.events.support import GOING, create_event, react
from tests.gigs.test_gigs_e2e import post_announced_gig
from tests.helpers import eventually, eventually_got, leads_of, press, share_lead
from tests.privacy.test_privacy_e2e import traces

SCRUBBED = "store scrubbed"


@pytest.fixture(params=STORES)
def own_app(request, fake_slack, tmp_path_factory):
    """An app of this test's own, on a fresh database, that the test stops; a workspace leaves
    without a grace period, so its purge comes on the clock's next turn."""
    return serve(request, fake_slack, tmp_path_factory, "erasure", SLACKAPP_PURGE_AFTER_DAYS="0")


def distinctive(prefix: str) -> str:
    """An id that appears nowhere by chance (and stays whole through search stemming)."""
    return prefix + "ZQX" + uuid.uuid4().hex[:9].upper() + "7"


def a_member_uses_the_app(workspace: Workspace, member: str) -> None:
    """Answers an event by reacting, shares a lead, is named in another's lead, saves it, volunteers."""
    workspace.fake.add_user(member, team_id=workspace.team_id, tz="America/New_York", name="erin erasable")
    officer, friend = workspace.officer(), workspace.member()
    event = create_event(workspace, officer, title=f"Firm night {uuid.uuid4().hex[:6]}")
    react(workspace, event, member, GOING)
    share_lead(workspace, member, role="Analyst", url=f"https://jobs.example/{uuid.uuid4().hex}")
    share_lead(workspace, friend, role="Associate", description=f"Ask <@{member}> about the interviews", url=f"https://jobs.example/{uuid.uuid4().hex}")
    [named] = eventually_got(lambda: [lead for lead in leads_of(workspace) if lead.role == "Associate"], count=1)
    assert press(workspace, "lead_save", str(named.id), user=member)["text"].startswith("Saved")
    gig = post_announced_gig(workspace, officer)
    assert "You're in" in press(workspace, "gig_volunteer", str(gig.id), user=member)["text"]
    assert set(traces(workspace, member)) >= {"rsvps", "rsvp_actions", "inbox", "leads", "saved_leads", "gig_volunteers", "jobs"}


def stopped(app) -> None:
    """Wait for the app's last scrub to finish, then stop the app. The test's own connections stay
    open, so the last one to close doesn't fold SQLite's write-ahead log away before it is read."""
    eventually(lambda: SCRUBBED in app.log(), timeout=60)
    app.process.terminate()
    assert app.process.wait(timeout=30) == 0


def found_in_files(app, needles: list[str]) -> dict[str, int]:
    """Where the ids are still stored, as bytes: {file or relation: how many times}."""
    if app.database_url.startswith("sqlite"):
        return sqlite_files_holding(Path(app.database_url.split("///", 1)[1]).parent, needles)
    return postgres_rows_holding(app.database_url, needles)


def sqlite_files_holding(folder: Path, needles: list[str]) -> dict[str, int]:
    # Any case: the search index keeps words lowercased.
    pattern = re.compile(b"|".join(re.escape(needle.encode()) for needle in needles), re.IGNORECASE)
    counts = {path.name: len(pattern.findall(path.read_bytes())) for path in sorted(folder.iterdir()) if path.is_file()}
    return {name: count for name, count in counts.items() if count}


HEAP_ROWS_HOLDING = """
    SELECT count(*) FROM generate_series(0, pg_relation_size(%(rel)s::regclass) / current_setting('block_size')::int - 1) AS block,
        LATERAL heap_page_items(get_raw_page(%(rel)s::text, block::int)) AS item
    WHERE item.t_data IS NOT NULL AND (position(%(exact)s IN item.t_data) > 0 OR position(%(lower)s IN item.t_data) > 0)
"""
BTREE_ENTRIES_HOLDING = """
    SELECT count(*) FROM generate_series(1, pg_relation_size(%(rel)s::regclass) / current_setting('block_size')::int - 1) AS block,
        LATERAL bt_page_items(%(rel)s::text, block::int) AS item
    WHERE item.data LIKE '%%' || %(exact_hex)s || '%%' OR item.data LIKE '%%' || %(lower_hex)s || '%%'
"""


def postgres_rows_holding(url: str, needles: list[str]) -> dict[str, int]:
    """Every row version (live, dead, or left by an update) in the pages of the app's tables and
    their TOAST tables, and every btree index entry, that holds one of the ids."""
    import psycopg

    found: dict[str, int] = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        relations = connection.execute(
            "SELECT c.oid::regclass::text, c.relkind, am.amname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_am am ON am.oid = c.relam"
            " WHERE c.relkind IN ('r', 't', 'i') AND (n.nspname = 'public' OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace))"
        ).fetchall()
        for needle in needles:
            exact, lower = needle.encode(), needle.lower().encode()
            spaced = {"exact_hex": " ".join(f"{byte:02x}" for byte in exact), "lower_hex": " ".join(f"{byte:02x}" for byte in lower)}
            for relation, kind, method in relations:
                if kind == "i" and method != "btree":
                    continue
                query, args = (BTREE_ENTRIES_HOLDING, spaced) if kind == "i" else (HEAP_ROWS_HOLDING, {"exact": exact, "lower": lower})
                count = connection.execute(query, {"rel": relation, **args}).fetchone()[0]
                if count:
                    found[f"{relation} ({needle})"] = count
    return found


def forget_me(workspace: Workspace, member: str) -> None:
    confirm = {"confirm": {"value": {"type": "plain_text_input", "value": "FORGET"}}}
    done = workspace.submit("privacy_forget", confirm, user=member)
    assert done.json()["view"]["title"]["text"] == "Forgotten"


def test_a_forgotten_member_is_in_none_of_the_stores_files(own_app, fake_slack):
    workspace, member = Workspace(server=own_app, fake=fake_slack), distinctive("U")
    a_member_uses_the_app(workspace, member)
    assert found_in_files(own_app, [member]) != {}  # the check below can see them

    forget_me(workspace, member)
    assert traces(workspace, member) == {}
    stopped(own_app)

    assert found_in_files(own_app, [member]) == {}


def test_a_purged_workspace_is_in_none_of_the_stores_files(own_app, fake_slack):
    team, member = distinctive("T"), distinctive("U")
    workspace = Workspace(server=own_app, fake=fake_slack, team_id=team)
    a_member_uses_the_app(workspace, member)
    assert found_in_files(own_app, [member, team]) != {}

    uninstalled = payloads.event_callback({"type": "app_uninstalled", "event_ts": payloads.new_ts()}, team_id=team)
    assert own_app.slack.event(uninstalled).status == 200
    # No grace: the clock's next turn purges it.
    eventually(lambda: traces(workspace, member) == {} and traces(workspace, team) == {}, timeout=30)
    stopped(own_app)

    assert found_in_files(own_app, [member, team]) == {}
