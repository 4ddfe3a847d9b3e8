"""PROMETHEUS_MULTIPROC_DIR names a folder the app may share with anything (the database, another
app's counts): the app keeps its workers' counts in a folder of its own made inside it, marked as
its own and held while it runs, and never deletes a file it did not make."""

from __future__ import annotations

import http.client
import sqlite3
from urllib.parse import urlsplit

import pytest

from slackapp.db import Store, upgrade
from tests.conftest import SECRET, free_port, start_app
from tests.helpers import eventually, http_get
from tests.test_operator_errors import BOT_TOKEN, one_line, run

FOREIGN = {"other.db": b"another program's database", "counter_1.db": b"named like prometheus' own files"}


def _database_with_the_operators_table(url: str) -> None:
    store = Store.from_url(url)
    upgrade(store.engine)
    store.dispose()
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute("CREATE TABLE kept_by_the_operator (note TEXT)")
        connection.execute("INSERT INTO kept_by_the_operator VALUES ('still here')")
    connection.close()


@pytest.fixture(scope="module")
def shared_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    for name, content in FOREIGN.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def app_on_the_shared_folder(shared_folder, fake_slack):
    database_url = f"sqlite:///{shared_folder / 'slackapp.db'}"
    _database_with_the_operators_table(database_url)
    # The app runs in that folder (its log goes there too), told "." as operators do.
    app = start_app(database_url, fake_slack, shared_folder / "app.log", PROMETHEUS_MULTIPROC_DIR=".")
    yield app
    app.stop()


def _unsigned_post(url: str) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body=b"{}", headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_folder_holding_the_database_loses_no_file(app_on_the_shared_folder, shared_folder):
    app = app_on_the_shared_folder
    for name, content in FOREIGN.items():
        assert (shared_folder / name).read_bytes() == content
    with sqlite3.connect(shared_folder / "slackapp.db") as connection:
        assert connection.execute("SELECT note FROM kept_by_the_operator").fetchall() == [("still here",)]
    connection.close()
    assert _unsigned_post(app.url) == 401  # counted, as "refused"
    ours = shared_folder / "slackapp-metrics"
    eventually(lambda: any(ours.glob("*.db")))
    status, _, text = http_get(app.metrics_url + "/metrics")
    assert status == 200 and 'slackapp_acks_total{kind="refused",status="401"}' in text


def _run_http(tmp_path, fake_slack, **env: str):
    return run(
        tmp_path, "run", "--http", "--port", str(free_port()),
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.url, SLACKAPP_METRICS_PORT=str(free_port()), **env,
    )


def test_a_second_app_on_the_same_folder_is_refused_in_one_line(app_on_the_shared_folder, shared_folder, tmp_path, fake_slack):
    result = _run_http(tmp_path, fake_slack, PROMETHEUS_MULTIPROC_DIR=str(shared_folder))
    assert result.returncode == 2
    line = one_line(result)
    assert "PROMETHEUS_MULTIPROC_DIR" in line and "another running slackapp" in line
    assert http_get(app_on_the_shared_folder.metrics_url + "/metrics")[0] == 200


def test_a_folder_of_that_name_holding_files_we_did_not_make_is_refused(tmp_path, fake_slack):
    theirs = tmp_path / "metrics" / "slackapp-metrics"
    theirs.mkdir(parents=True)
    (theirs / "histogram_7.db").write_bytes(b"not ours")
    result = _run_http(tmp_path, fake_slack, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    assert result.returncode == 2
    assert str(theirs) in one_line(result)
    assert (theirs / "histogram_7.db").read_bytes() == b"not ours"
