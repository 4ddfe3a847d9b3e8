"""/club review end to end, on each store: an officer's review of a seeded year (the numbers, small
groups hidden, the chart and one CSV per area uploaded through files upload v2 into their DM); a
member refused with nothing uploaded; periods that aren't one refused."""

from __future__ import annotations

import csv
import io

from tests.events.support import uploads_to
from tests.helpers import all_text, answer_to
from tests.review import support

PERIOD = f"{support.START} {support.END}"
NOT_OFFICER = "Only club officers can do that."
# The first chart a process draws loads matplotlib; a shared machine may take a while.
SLOW = 60


def review(workspace, text: str, *, user: str):
    url = workspace.response_url()
    return url, workspace.command("/club", f"review {text}".strip(), user=user, response_url=url)


def seeded(workspace, officer: str) -> list[str]:
    with workspace.server.store.write() as session:
        return support.seed_year(session, workspace.team_id, officer)


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_an_officer_reviews_a_seeded_year(workspace):
    officer = workspace.officer()
    seeded(workspace, officer)
    url, reply = review(workspace, PERIOD, user=officer)
    assert reply.status == 200 and reply.text == ""

    [answer] = workspace.responses(url, timeout=SLOW)
    shown = all_text(answer.args["blocks"])
    assert "The club's review, Aug 1, 2025 to May 31, 2026" in shown
    for line in support.EXPECTED_SUMMARY:
        assert line in shown
    assert (support.EXPECTED_INTROS in shown) == (support.Intro is not None)
    assert "Workshops &lt;5" in shown and "Employer meetings 14" in shown and "Helping others 10" in shown
    assert "chart of attendance by month and a CSV for each area are in our DM" in shown

    # The chart and the CSVs: one files upload v2 (getUploadURLExternal, the bytes, completeUploadExternal) into the officer's DM.
    [(chart, png)] = uploads_to(workspace, officer, ".png")
    assert chart["name"] == "review-attendance-2025-08-01-2026-05-31.png" and chart["title"] == "Event check-ins by month"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    csvs = {file["name"]: content for file, content in uploads_to(workspace, officer, ".csv")}
    areas = ["events", "leads", "gigs", "micro", "help"] + (["intros"] if support.Intro is not None else []) + ["passport"]
    assert sorted(csvs) == sorted(f"review-{area}-2025-08-01-2026-05-31.csv" for area in areas)
    [complete] = [call for call in workspace.fake.calls_to("files.completeUploadExternal", channel_id="D" + officer)]
    assert len(complete.args["files"]) == len(areas) + 1
    assert support.EXPECTED_SUMMARY[0] in complete.args["initial_comment"]
    for file in complete.response["files"]:
        assert len(workspace.fake.calls_to("files.getUploadURLExternal", filename=file["name"])) >= 1

    events = rows_of(csvs["review-events-2025-08-01-2026-05-31.csv"])
    assert [(row["event"], row["date"], row["kind"], row["checked_in"]) for row in events] == [
        ("Meet the Firm Night", "2025-09-15", "Career event", "6"),
        ("'" + support.FORMULA, "2025-10-10", "Workshop", "<5"),
        ("Consulting case night", "2026-02-12", "Employer meeting", "7"),
        ("All events", "", "", "15"),
    ]
    leads = {row["month"]: row["leads shared"] for row in rows_of(csvs["review-leads-2025-08-01-2026-05-31.csv"])}
    assert leads["2025-10"] == "6" and leads["2025-11"] == "<5" and leads["total"] == "6"
    gigs = {row["month"]: row["gig hours confirmed"] for row in rows_of(csvs["review-gigs-2025-08-01-2026-05-31.csv"])}
    assert gigs["2025-11"] == "<5" and gigs["total"] == "<5"
    micro = {row["month"]: row["micro-internships completed"] for row in rows_of(csvs["review-micro-2025-08-01-2026-05-31.csv"])}
    assert micro["2026-03"] == "5" and micro["total"] == "5"
    helped = {row["month"]: row["help requests closed"] for row in rows_of(csvs["review-help-2025-08-01-2026-05-31.csv"])}
    assert helped["2026-04"] == "5" and helped["total"] == "5"
    expected = support.EXPECTED_POINTS if support.Intro is not None else support.EXPECTED_POINTS_WITHOUT_INTROS
    assert {row["category"]: row["points after caps"] for row in rows_of(csvs["review-passport-2025-08-01-2026-05-31.csv"])} == expected
    for content in csvs.values():
        for row in csv.reader(io.StringIO(content.decode())):
            assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row), row


def test_a_member_is_refused_and_nothing_is_uploaded(workspace):
    officer, member = workspace.officer(), workspace.member()
    seeded(workspace, officer)
    url, reply = review(workspace, PERIOD, user=member)
    assert NOT_OFFICER in answer_to(workspace, reply, url)["text"]
    assert uploads_to(workspace, member, "") == [] and uploads_to(workspace, officer, "") == []


def test_periods_that_arent_one_are_refused(workspace):
    officer = workspace.officer()
    for text, says in (
        ("", "Give the first and last day of the period"),
        ("2025-08-01", "Give the first and last day of the period"),
        ("2025-08-01 someday", "`someday` is not a date"),
        ("2026-05-31 2025-08-01", "last day comes before its first day"),
        ("2024-08-01 2026-08-01", "at most 2 years"),
    ):
        url, reply = review(workspace, text, user=officer)
        assert says in answer_to(workspace, reply, url)["text"], text
    assert uploads_to(workspace, officer, "") == []


def test_files_slack_refuses_are_said_so(workspace):
    officer = workspace.officer()
    seeded(workspace, officer)
    workspace.fake.fail("files.completeUploadExternal", error="internal_error", match={"channel_id": "D" + officer})
    url, reply = review(workspace, PERIOD, user=officer)
    assert reply.status == 200
    [answer] = workspace.responses(url, timeout=SLOW)
    assert answer.args["text"] == "Slack didn't take the file. Please try again."
