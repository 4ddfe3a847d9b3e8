"""The sender's rules, one by one, in this process: what it records on each job (status, reason, when it
is tried again, what Slack answered), what it asks of Slack, and how it keeps within Slack's limits.

Slack is a stub client in this process that answers (or refuses) as each test scripts it, the clock
is the `now` handed to the sender, and the sender's monotonic time (its pacing, its update spacing,
how long Slack took to answer) is a hand-moved stand-in, so nothing is waited for and nothing leaves
the process."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select, update

from slackapp import logs
from slackapp.db import Store
from slackapp.scheduler import queue
from slackapp.scheduler.dispatch import NOT_INSTALLED, Call, Dispatcher, NotYet, Outcome, Outgoing, Pacer, Skip, UpdateSpacing, Work, backoff
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import eventually

pytestmark = pytest.mark.fast

T0 = datetime(2034, 2, 7, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


# ---- stand-ins ------------------------------------------------------------------------------------


class Monotonic:
    """The sender's ticks (dispatch.Ticks): a monotonic clock moved by hand; sleeps are recorded (and
    move it only when asked to)."""

    def __init__(self, start: float = 1000.0, *, sleeping_moves: bool = False):
        self.now = start
        self.slept: list[float] = []
        self.sleeping_moves = sleeping_moves
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            if self.sleeping_moves:
                self.now += seconds


@pytest.fixture
def ticks() -> Monotonic:
    return Monotonic()


_ERROR = object()


def refusal(status: int = 200, error: str | None = None, *, headers: dict | None = None, data=_ERROR) -> SlackApiError:
    body = {"ok": False, "error": error} if data is _ERROR else data
    response = SlackResponse(client=None, http_verb="POST", api_url="https://slack.com/api/x", req_args={}, data=body, headers=headers or {}, status_code=status)
    return SlackApiError(error or f"HTTP {status}", response)


class Slack(WebClient):
    """Slack in this process: records every call; `fail[method]` lists what the next calls raise;
    `during(method, kwargs)` runs inside each call (to move the monotonic clock, say)."""

    def __init__(self):
        super().__init__(token="xoxb-stub", base_url="http://127.0.0.1:9/")
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.during = None
        self._lock = threading.Lock()
        self._ts = 0

    def _answer(self, method: str, kwargs: dict, answer: dict) -> dict:
        with self._lock:
            self.calls.append((method, kwargs))
            pending = self.fail.get(method)
            failure = pending.pop(0) if pending else None
            self._ts += 1
            ts = f"{1_900_000_000 + self._ts}.000100"
        if self.during:
            self.during(method, kwargs)
        if failure is not None:
            raise failure
        return {"ok": True, "ts": ts, **answer}

    def chat_postMessage(self, **kwargs):
        return self._answer("chat.postMessage", kwargs, {"channel": f"D{kwargs['channel']}"})

    def chat_update(self, **kwargs):
        return self._answer("chat.update", kwargs, {"channel": f"U{kwargs['channel']}", "ts": f"{kwargs['ts']}9"})

    def conversations_join(self, **kwargs):
        return self._answer("conversations.join", kwargs, {})

    def api_call(self, api_method, **kwargs):
        return self._answer(api_method, kwargs, {})

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


@pytest.fixture
def store(migrated_url):
    built = Store.from_url(migrated_url)
    yield built
    built.dispose()


def plan(store, team: str, key: str, *, kind: str = "note", target: str = "U1", due=T0, expires=None, payload=None) -> None:
    with store.write() as session:
        assert queue.plan(session, team_id=team, kind=kind, key=key, target=target, due_at=due, expires_at=expires or due + DAY, payload=payload or {})


def job_of(store, team: str, key: str) -> Job:
    with store.read() as session:
        return session.scalar(select(Job).where(Job.team_id == team, Job.key == key))


def jobs_of(store, team: str) -> list[Job]:
    with store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == team).order_by(Job.id)))


def post(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text=job.payload.get("text", "note"))


class Sending:
    """A dispatcher and its stub Slack, shut down at the end of the test."""

    def __init__(self, store, client, **kwargs):
        kwargs.setdefault("worker", new_id("w"))
        kwargs.setdefault("renderers", {"note": post})
        self.sender = Dispatcher(store, client, **kwargs)

    def __enter__(self) -> Dispatcher:
        return self.sender

    def __exit__(self, *exc) -> None:
        self.sender.shutdown()


# ---- small parts ----------------------------------------------------------------------------------


def test_outcomes_add_up_and_handled_leaves_out_the_rate_limit_count():
    total = Outcome(sent=1, skipped=2, dropped=3, failed=4, retried=5, rate_limited=6)
    total.add(Outcome(sent=10, skipped=20, dropped=30, failed=40, retried=50, rate_limited=60))
    assert (total.sent, total.skipped, total.dropped, total.failed, total.retried, total.rate_limited) == (11, 22, 33, 44, 55, 66)
    assert total.handled == 11 + 22 + 33 + 44 + 55
    assert Outcome(rate_limited=3).handled == 0


def test_the_pacer_spaces_posts_to_one_workspace_and_not_across_workspaces(ticks):
    pacer = Pacer(4.0, ticks=ticks)
    pacer.wait("T1")
    pacer.wait("T2")
    assert ticks.slept == []
    pacer.wait("T1")
    pacer.wait("T1")
    assert ticks.slept == [0.25, 0.5]
    # Once the time has passed, the next post goes at once and the spacing counts from it.
    ticks.now += 10
    pacer.wait("T1")
    pacer.wait("T1")
    assert ticks.slept == [0.25, 0.5, 0.25]


def test_the_sender_paces_each_workspace_on_its_own(store, ticks):
    team, other = new_id("T"), new_id("T")
    plan(store, team, "note:a", target="UA")
    plan(store, team, "note:b", target="UB")
    plan(store, other, "note:a", target="UA")
    with Sending(store, Slack(), senders=1, per_second=4, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team).sent == 2
        assert ticks.slept == [0.25]
        assert sender.run_due(T0, team_id=other).sent == 1
    assert ticks.slept == [0.25]


@pytest.mark.parametrize("per_second, spacing", [(1, 1.0), (0.5, 2.0)])
def test_a_rate_of_one_post_a_second_or_less_is_paced_too(ticks, per_second, spacing):
    pacer = Pacer(per_second, ticks=ticks)
    pacer.wait("T1")
    pacer.wait("T1")
    assert ticks.slept == [spacing]


@pytest.mark.parametrize("per_second", [0, -1])
def test_no_pacing_when_the_rate_is_not_positive(ticks, per_second):
    pacer = Pacer(per_second, ticks=ticks)
    for _ in range(3):
        pacer.wait("T1")
    assert ticks.slept == []


def test_update_spacing_of_one_message(ticks):
    spacing = UpdateSpacing(1.0, ticks=ticks)
    message = ("C1", "1.1")
    assert spacing.wait_for(message) == 0.0
    assert spacing.wait_for(("C1", "2.2")) == 0.0
    assert spacing.wait_for(("C2", "1.1")) == 0.0
    ticks.now += 0.25
    assert spacing.wait_for(message) == 0.75
    ticks.now += 0.75
    # A second after the last update, exactly: updated again now, and the next waits a full second.
    assert spacing.wait_for(message) == 0.0
    assert spacing.wait_for(message) == 1.0
    # Counted from Slack's answer, not from when the slot was taken.
    ticks.now += 0.5
    spacing.sent(message)
    ticks.now += 0.5
    assert spacing.wait_for(message) == 0.5


def test_update_spacing_forgets_old_messages_past_ten_thousand_but_not_recent_ones(ticks):
    spacing = UpdateSpacing(1.0, ticks=ticks)
    for n in range(10_000):
        assert spacing.wait_for(("C", f"old{n}")) == 0.0
    ticks.now += 50
    recent = ("C", "recent")
    assert spacing.wait_for(recent) == 0.0
    assert spacing.remembered() == 10_001  # up to ten thousand it never prunes
    ticks.now += 0.5
    assert spacing.wait_for(("C", "new")) == 0.0
    # Past ten thousand it forgets the messages whose second is over, and keeps the recent one.
    assert spacing.remembered() == 2
    assert spacing.wait_for(recent) == 0.5
    assert spacing.wait_for(("C", "new")) == 1.0


def test_the_backoff_jitter_covers_a_quarter_either_way_and_no_more():
    waits = [backoff(1).total_seconds() for _ in range(4000)]
    assert all(0.75 <= wait <= 1.25 for wait in waits)
    assert min(waits) < 0.77 and max(waits) > 1.23
    assert len(set(waits)) > 3000
    assert backoff(0, lambda: 0.0) == timedelta(seconds=1)
    assert backoff(2, lambda: 0.0) == timedelta(seconds=10)
    assert backoff(3, lambda: 0.0) == timedelta(seconds=20)
    assert backoff(6, lambda: 0.0) == timedelta(seconds=160)
    # 320 s, more than the five-minute cap, unless the jitter brings it under.
    assert backoff(7, lambda: 0.0) == timedelta(minutes=5)
    assert backoff(7, lambda: -1.0) == timedelta(seconds=240)


# ---- batches --------------------------------------------------------------------------------------


def test_by_default_twenty_jobs_a_batch_twenty_posts_a_second_and_updates_a_second_apart(store, ticks):
    team = new_id("T")
    for n in range(25):
        plan(store, team, f"note:{n}", target=f"U{n}")
    slack = Slack()
    with Sending(store, slack, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team, max_batches=1).sent == 20
        assert sorted(ticks.slept) == pytest.approx([0.05 * n for n in range(1, 20)])
        assert sender.run_due(T0, team_id=team).sent == 5
    assert len(slack.calls) == 25


def test_by_default_updates_of_one_message_go_a_second_apart(store, ticks):
    team = new_id("T")
    plan(store, team, "edit:1", kind="edit", target="CANNOUNCE", payload={"n": 1})
    plan(store, team, "edit:2", kind="edit", target="CANNOUNCE", payload={"n": 2})
    with Sending(store, Slack(), renderers=update_of(), ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(sent=1, retried=1)
    assert [job.next_attempt_at for job in jobs_of(store, team) if job.status == "pending"] == [T0 + timedelta(seconds=1)]


def test_batches_are_five_jobs_per_sender_until_the_limit(store, ticks):
    team = new_id("T")
    for n in range(12):
        plan(store, team, f"note:{n}", target=f"U{n}")
    with Sending(store, Slack(), senders=1, per_second=0, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team, max_batches=2).sent == 10
        assert sender.run_due(T0, team_id=team, max_batches=0).handled == 0
        assert sender.run_due(T0, team_id=team).sent == 2
        assert sender.run_due(T0, team_id=team).handled == 0


def test_one_workspace_is_drained_alone(store, ticks):
    team, other = new_id("T"), new_id("T")
    plan(store, team, "note:a")
    plan(store, other, "note:a")
    with Sending(store, Slack(), per_second=0, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team).sent == 1
    assert job_of(store, other, "note:a").status == "pending"


@pytest.mark.parametrize("budget, sent", [(4.5, 5), (5.0, 7)])
def test_a_time_budget_ends_the_run_after_the_batch_that_passes_it(store, ticks, budget, sent):
    team = new_id("T")
    for n in range(7):
        plan(store, team, f"note:{n}", target=f"U{n}")

    def slow(session, job, now):
        ticks.now += 1.0
        return post(session, job, now)

    with Sending(store, Slack(), senders=1, per_second=0, renderers={"note": slow}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team, budget_seconds=budget).sent == sent


def test_stopping_finishes_the_batch_in_hand_and_claims_no_more(store, ticks):
    team = new_id("T")
    for n in range(7):
        plan(store, team, f"note:{n}", target=f"U{n}")
    running = []

    def stopping(session, job, now):
        running[0].stop()
        return post(session, job, now)

    with Sending(store, Slack(), senders=1, per_second=0, renderers={"note": stopping}, ticks=ticks) as sender:
        running.append(sender)
        assert sender.run_due(T0, team_id=team).sent == 5
        assert sender.run_due(T0, team_id=team).handled == 0
    assert [job.status for job in jobs_of(store, team)].count("pending") == 2


def test_each_sender_is_one_thread_named_after_its_worker(store, ticks):
    team = new_id("T")
    for n in range(5):
        plan(store, team, f"note:{n}", target=f"U{n}")
    threads = []

    def render(session, job, now):
        threads.append(threading.current_thread().name)
        assert session.scalar(select(Job.status).where(Job.id == job.id)) == "claimed"
        return post(session, job, now)

    worker = new_id("w")
    with Sending(store, Slack(), worker=worker, senders=1, per_second=0, renderers={"note": render}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team).sent == 5
    assert len(threads) == 5 and len(set(threads)) == 1
    assert threads[0].startswith(f"send-{worker}")


def waiting_for_a_thread(thread: threading.Thread) -> bool:
    """Whether `thread` is blocked joining another thread (ThreadPoolExecutor.shutdown(wait=True)
    joins its workers)."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == "join" and frame.f_code.co_filename == threading.__file__:
            return True
        frame = frame.f_back
    return False


def test_shutdown_returns_once_the_batch_in_hand_is_sent_and_recorded(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a")
    entered, shutdown_returned = threading.Event(), threading.Event()
    stopping = None

    def held(session, job, now):
        entered.set()
        # Until shutdown has either returned or is waiting for this batch to end.
        eventually(lambda: stopping is not None and (shutdown_returned.is_set() or waiting_for_a_thread(stopping)), timeout=30)
        return post(session, job, now)

    sender = Dispatcher(store, Slack(), renderers={"note": held}, worker=new_id("w"), per_second=0, ticks=ticks)
    seen_when_it_returned = []

    def shut_down():
        sender.shutdown()
        seen_when_it_returned.append(job_of(store, team, "note:a").status)
        shutdown_returned.set()

    outcomes = []
    sending = threading.Thread(target=lambda: outcomes.append(sender.run_due(T0, team_id=team)))
    sending.start()
    assert entered.wait(30)
    stopping = threading.Thread(target=shut_down)
    stopping.start()
    stopping.join(60)
    sending.join(60)
    assert seen_when_it_returned == ["sent"]
    assert outcomes == [Outcome(sent=1)]


def test_work_is_rendered_from_the_store_as_it_is_at_the_moment_of_sending(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a", payload={"text": "first"})

    def render(session, job, now):
        stored = session.scalar(select(Job.payload).where(Job.id == job.id))
        return Outgoing(channel=job.target, text=f"{stored['text']} at {now:%H:%M}")

    with store.write() as session:
        session.execute(update(Job).where(Job.team_id == team).values(payload={"text": "changed"}))
    slack = Slack()
    with Sending(store, slack, per_second=0, renderers={"note": render}, ticks=ticks) as sender:
        assert sender.run_due(T0 + timedelta(minutes=7), team_id=team).sent == 1
    assert [kwargs["text"] for _, kwargs in slack.calls] == ["changed at 10:07"]


def test_without_a_moment_the_dispatchers_clock_says_what_is_due(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a")
    moment = [T0 - timedelta(seconds=1)]
    with Sending(store, Slack(), per_second=0, clock=lambda: moment[0], ticks=ticks) as sender:
        assert sender.run_due(team_id=team).handled == 0
        moment[0] = T0 + timedelta(seconds=30)
        assert sender.run_due(team_id=team).sent == 1
    job = job_of(store, team, "note:a")
    assert (job.status, job.claimed_at, job.finished_at) == ("sent", T0 + timedelta(seconds=30), T0 + timedelta(seconds=30))


# ---- what each job comes to -----------------------------------------------------------------------


def test_a_sent_post_records_slacks_answer_and_when_slack_answered(store, ticks):
    team = new_id("T")
    kind = new_id("lagkind")
    plan(store, team, "note:a", kind=kind, target="UTARGET", payload={"text": "hello"})
    slack = Slack()

    def took_a_while(method, kwargs):
        ticks.now += 2.5

    slack.during = took_a_while
    recorded = []

    def sent(session, job, channel, ts):
        recorded.append((job.key, channel, ts, session.scalar(select(Job.status).where(Job.id == job.id))))

    def failed(session, job, error):
        recorded.append(("failed", error))

    work = Work(render=lambda session, job, now: Outgoing(channel=job.target, text=job.payload["text"], blocks=[{"type": "divider"}], thread_ts="1.5"), sent=sent, failed=failed)
    with Sending(store, slack, per_second=0, renderers={kind: work}, clock=lambda: T0 + timedelta(seconds=90), ticks=ticks) as sender:
        outcome = sender.run_due(T0 + timedelta(seconds=3), team_id=team)
    assert (outcome.sent, outcome.handled) == (1, 1)
    assert slack.calls == [("chat.postMessage", {"channel": "UTARGET", "text": "hello", "blocks": [{"type": "divider"}], "thread_ts": "1.5", "unfurl_links": False})]
    job = job_of(store, team, "note:a")
    assert (job.status, job.reason, job.result_channel, job.result_ts) == ("sent", None, "DUTARGET", "1900000001.000100")
    assert job.finished_at == T0 + timedelta(seconds=5.5)
    assert recorded == [("note:a", "DUTARGET", "1900000001.000100", "sent")]
    # The lag from due to sent, by kind, for /metrics: from the dispatcher's clock.
    assert REGISTRY.get_sample_value("slackapp_scheduler_lag_seconds_sum", {"kind": kind}) == 90.0
    assert REGISTRY.get_sample_value("slackapp_scheduler_lag_seconds_count", {"kind": kind}) == 1.0


def test_work_is_sent_up_to_the_moment_it_expires_and_dropped_after(store, ticks):
    team = new_id("T")
    plan(store, team, "note:on-time", expires=T0 + timedelta(minutes=30))
    plan(store, team, "note:late", expires=T0 + timedelta(minutes=30))
    slack = Slack()
    with Sending(store, slack, senders=1, per_second=0, ticks=ticks) as sender:
        with store.write() as session:
            [first] = queue.claim(session, worker=sender.worker, now=T0, limit=1, team_id=team)
        assert sender.deliver(first, T0 + timedelta(minutes=30)) == Outcome(sent=1)
        outcome = sender.run_due(T0 + timedelta(minutes=30, microseconds=1), team_id=team)
    assert outcome == Outcome(dropped=1)
    [sent, dropped] = sorted(jobs_of(store, team), key=lambda job: job.status != "sent")
    assert sent.status == "sent" and len(slack.calls) == 1
    assert (dropped.status, dropped.finished_at) == ("dropped", T0 + timedelta(minutes=30, microseconds=1))
    assert dropped.reason == "stale: due 2034-02-07 10:00 UTC, could only be sent 30 min later"


@pytest.mark.parametrize(
    "late, said",
    [
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=1), "1.0 h"),
        (timedelta(hours=26, minutes=30), "26.5 h"),
        (timedelta(seconds=59), "0 min"),
    ],
)
def test_how_late_stale_work_was_is_said_in_minutes_then_hours(store, ticks, late, said):
    team = new_id("T")
    plan(store, team, "note:a", expires=T0)
    with Sending(store, Slack(), per_second=0, ticks=ticks) as sender:
        assert sender.run_due(T0 + late, team_id=team).dropped == 1
    assert job_of(store, team, "note:a").reason == f"stale: due 2034-02-07 10:00 UTC, could only be sent {said} later"


class Tenants:
    """Each workspace's client; None where the app is no longer installed."""

    def __init__(self, clients: dict):
        self.clients = clients
        self.asked: list = []

    def client_for(self, team_id):
        self.asked.append(team_id)
        return self.clients.get(team_id)


def test_each_job_goes_out_with_its_own_workspaces_client_and_is_cancelled_where_the_app_is_gone(store, ticks):
    one, two, gone = new_id("T"), new_id("T"), new_id("T")
    for team in (one, two, gone):
        plan(store, team, "note:a")
    slack_one, slack_two = Slack(), Slack()
    tenants = Tenants({one: slack_one, two: slack_two})
    with Sending(store, tenants, per_second=0, ticks=ticks) as sender:
        outcomes = [sender.run_due(T0, team_id=team) for team in (one, two, gone)]
    assert outcomes == [Outcome(sent=1), Outcome(sent=1), Outcome(skipped=1)]
    assert tenants.asked == [one, two, gone]
    assert len(slack_one.calls) == len(slack_two.calls) == 1
    job = job_of(store, gone, "note:a")
    assert (job.status, job.reason, job.finished_at) == ("cancelled", NOT_INSTALLED, T0)


def test_work_of_a_kind_nobody_renders_fails(store, ticks):
    team = new_id("T")
    plan(store, team, "mystery:a", kind="mystery")
    slack = Slack()
    with Sending(store, slack, per_second=0, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(failed=1)
    job = job_of(store, team, "mystery:a")
    assert (job.status, job.reason, job.finished_at) == ("failed", "no renderer for kind 'mystery'", T0)
    assert slack.calls == []


def test_nothing_to_say_is_skipped_and_not_yet_is_tried_again_later(store, ticks):
    team = new_id("T")
    plan(store, team, "note:skip", payload={"do": "skip"})
    plan(store, team, "note:wait", payload={"do": "wait"})
    plan(store, team, "note:soon", payload={"do": "soon"})

    def render(session, job, now):
        if job.payload["do"] == "skip":
            raise Skip("nothing new this week")
        if job.payload["do"] == "wait":
            raise NotYet("the post it updates is on its way", seconds=3.5)
        raise NotYet("in a moment")

    slack = Slack()
    with Sending(store, slack, per_second=0, renderers={"note": render}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(skipped=1, retried=2)
    skipped, waiting, soon = (job_of(store, team, key) for key in ("note:skip", "note:wait", "note:soon"))
    assert (skipped.status, skipped.reason, skipped.finished_at) == ("skipped", "nothing new this week", T0)
    assert (waiting.status, waiting.reason, waiting.next_attempt_at, waiting.claimed_by) == ("pending", "the post it updates is on its way", T0 + timedelta(seconds=3.5), None)
    assert (soon.status, soon.reason, soon.next_attempt_at) == ("pending", "in a moment", T0 + timedelta(seconds=1))
    assert slack.calls == []


def test_a_job_that_breaks_the_sender_is_retried_like_a_server_error_and_logged_under_its_workspace(store, ticks, caplog):
    team = new_id("T")
    plan(store, team, "note:a")
    teams_seen = []

    def broken(session, job, now):
        teams_seen.append(logs.current_team())
        raise KeyError("no such thing")

    with Sending(store, Slack(), per_second=0, renderers={"note": broken}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(retried=1)
    job = job_of(store, team, "note:a")
    assert (job.status, job.reason) == ("pending", "internal error; see the app log; attempt 1 of 7")
    assert T0 + timedelta(seconds=0.75) <= job.next_attempt_at <= T0 + timedelta(seconds=1.25)
    assert teams_seen == [team]


# ---- Slack's answers ------------------------------------------------------------------------------


def run_one(store, slack, *, now=T0, renderers=None, clock=None, key="note:a", **plan_args) -> tuple[Outcome, Job, list]:
    team = new_id("T")
    plan(store, team, key, **plan_args)
    failures = []

    def failed(session, job, error):
        # Told in the transaction that records the failure, with the job itself.
        assert (job.key, session.scalar(select(Job.status).where(Job.id == job.id))) == (key, "failed")
        failures.append(error)

    kinds = renderers or {"note": post}
    kinds = {kind: Work(render=render, failed=failed) for kind, render in kinds.items()}
    extra = {"clock": clock} if clock else {}
    with Sending(store, slack, per_second=0, renderers=kinds, **extra) as sender:
        outcome = sender.run_due(now, team_id=team)
    return outcome, job_of(store, team, key), failures


def test_a_rate_limit_waits_as_long_as_slack_says_from_when_it_said_it(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(429, "ratelimited", headers={"Retry-After": "7"})]
    outcome, job, failures = run_one(store, slack, clock=lambda: T0 + timedelta(seconds=2))
    assert outcome == Outcome(retried=1, rate_limited=1)
    assert (job.status, job.reason, job.next_attempt_at, job.attempts) == ("pending", "rate limited by Slack; retrying after 7s", T0 + timedelta(seconds=9), 1)
    assert failures == []


def test_a_rate_limit_counts_from_the_batchs_moment_when_the_clock_is_behind(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(429, "ratelimited", headers={"Retry-After": "7"})]
    _, job, _ = run_one(store, slack, now=T0 + timedelta(seconds=5), clock=lambda: T0)
    assert job.next_attempt_at == T0 + timedelta(seconds=12)


def test_a_429_whatever_its_body_says_is_a_rate_limit(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(429, data={"ok": False, "error": "Received a response in a non-JSON format: Too many"}, headers={"Retry-After": "3"})]
    outcome, job, failures = run_one(store, slack, clock=lambda: T0)
    assert outcome == Outcome(retried=1, rate_limited=1)
    assert (job.status, job.next_attempt_at, job.reason) == ("pending", T0 + timedelta(seconds=3), "rate limited by Slack; retrying after 3s")
    assert failures == []


def test_ratelimited_without_a_429_or_a_retry_after_waits_thirty_seconds(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "ratelimited")]
    outcome, job, _ = run_one(store, slack, clock=lambda: T0)
    assert outcome == Outcome(retried=1, rate_limited=1)
    assert (job.status, job.next_attempt_at, job.reason) == ("pending", T0 + timedelta(seconds=30), "rate limited by Slack; retrying after 30s")


def test_a_rate_limit_pauses_the_whole_workspace_until_it_is_over_and_no_other(store, ticks):
    team, other = new_id("T"), new_id("T")
    plan(store, team, "note:a", target="UA")
    plan(store, team, "note:b", target="UB", due=T0 + timedelta(seconds=3))
    plan(store, team, "note:c", target="UC", due=T0 + timedelta(seconds=7))
    plan(store, other, "note:a", target="UA", due=T0 + timedelta(seconds=3))
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(429, "ratelimited", headers={"Retry-After": "7"})]
    moment = [T0]
    with Sending(store, slack, per_second=0, clock=lambda: moment[0], ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(retried=1, rate_limited=1)
        moment[0] = T0 + timedelta(seconds=3)
        assert sender.run_due(T0 + timedelta(seconds=3), team_id=team) == Outcome(retried=1)
        assert sender.run_due(T0 + timedelta(seconds=3), team_id=other) == Outcome(sent=1)
        b = job_of(store, team, "note:b")
        assert (b.status, b.next_attempt_at, b.reason) == ("pending", T0 + timedelta(seconds=7), "waiting out Slack's rate limit")
        # The moment the pause is over, the workspace's work goes out.
        moment[0] = T0 + timedelta(seconds=7)
        assert sender.run_due(T0 + timedelta(seconds=7), team_id=team) == Outcome(sent=3)
    assert [kwargs["channel"] for _, kwargs in slack.calls[1:]].count("UB") == 1


def test_two_rate_limits_at_once_pause_the_workspace_for_the_longer_one(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a", target="UA")
    plan(store, team, "note:b", target="UB")
    plan(store, team, "note:c", target="UC", due=T0 + timedelta(seconds=10))
    slack = Slack()
    both_in_flight = threading.Barrier(2, timeout=30)

    def rate_limited(method, kwargs):
        if kwargs["channel"] in ("UA", "UB"):
            both_in_flight.wait()
            if kwargs["channel"] == "UB":
                # The shorter wait is Slack's later answer: recorded after the longer one.
                eventually(lambda: job_of(store, team, "note:a").status == "pending")
            raise refusal(429, "ratelimited", headers={"Retry-After": "30" if kwargs["channel"] == "UA" else "5"})

    slack.during = rate_limited
    with Sending(store, slack, senders=2, per_second=0, clock=lambda: T0, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(retried=2, rate_limited=2)
        # The shorter wait is over, the longer one is not: the workspace still waits.
        assert sender.run_due(T0 + timedelta(seconds=10), team_id=team) == Outcome(retried=2)
    c = job_of(store, team, "note:c")
    assert (c.next_attempt_at, c.reason) == (T0 + timedelta(seconds=30), "waiting out Slack's rate limit")


@pytest.mark.parametrize("error", ["internal_error", "fatal_error", "service_unavailable", "request_timeout"])
def test_slacks_own_troubles_are_retried(store, ticks, error):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, error)]
    outcome, job, failures = run_one(store, slack)
    assert outcome == Outcome(retried=1)
    assert (job.status, job.reason) == ("pending", f"Slack error 200 {error}; attempt 1 of 7")
    assert failures == []


@pytest.mark.parametrize(
    "status, data, reason",
    [(500, {"ok": False, "error": "oops"}, "Slack error 500 oops"), (502, None, "Slack error 502"), (503, {"ok": False}, "Slack error 503")],
)
def test_server_errors_are_retried(store, ticks, status, data, reason):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(status, data=data)]
    outcome, job, _ = run_one(store, slack)
    assert outcome == Outcome(retried=1)
    assert (job.status, job.reason) == ("pending", f"{reason}; attempt 1 of 7")


@pytest.mark.parametrize(
    "status, data, reason, error",
    [
        (200, {"ok": False, "error": "channel_not_found"}, "Slack refused it: channel_not_found", "channel_not_found"),
        (499, {"ok": False, "error": "weird"}, "Slack refused it: weird", "weird"),
        (404, None, "Slack refused it: 404", "404"),
    ],
)
def test_other_refusals_fail_for_good_and_tell_the_work(store, ticks, status, data, reason, error):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(status, data=data)]
    outcome, job, failures = run_one(store, slack)
    assert outcome == Outcome(failed=1)
    assert (job.status, job.reason, job.finished_at) == ("failed", reason, T0)
    assert failures == [error]


@pytest.mark.parametrize("problem, name", [(ConnectionRefusedError("refused"), "ConnectionRefusedError"), (TimeoutError("slow"), "TimeoutError")])
def test_an_unreachable_slack_is_retried(store, ticks, problem, name):
    slack = Slack()
    slack.fail["chat.postMessage"] = [problem]
    outcome, job, _ = run_one(store, slack)
    assert outcome == Outcome(retried=1)
    assert (job.status, job.reason, job.claimed_by) == ("pending", f"could not reach Slack: {name}; attempt 1 of 7", None)
    assert T0 + timedelta(seconds=0.75) <= job.next_attempt_at <= T0 + timedelta(seconds=1.25)


def test_the_last_try_gives_up_and_tells_the_work_slack_was_unreachable(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a")
    with store.write() as session:
        session.execute(update(Job).where(Job.team_id == team).values(attempts=6))
    slack = Slack()
    slack.fail["chat.postMessage"] = [ConnectionResetError("reset")]
    failures = []
    work = Work(render=post, failed=lambda session, job, error: failures.append(error))
    with Sending(store, slack, per_second=0, renderers={"note": work}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(failed=1)
    job = job_of(store, team, "note:a")
    assert (job.status, job.reason, job.attempts, job.finished_at) == ("failed", "could not reach Slack: ConnectionResetError (gave up after 7 attempts)", 7, T0)
    assert failures == ["unreachable"]


# ---- other calls ----------------------------------------------------------------------------------


def test_a_call_is_made_as_given_and_records_its_channel_and_timestamp(store, ticks):
    slack = Slack()
    outcome, job, _ = run_one(store, slack, renderers={"note": lambda session, job, now: Call("reactions.add", {"channel": "C9", "timestamp": "12.34", "name": "eyes"})})
    assert outcome == Outcome(sent=1)
    assert slack.calls == [("reactions.add", {"json": {"channel": "C9", "timestamp": "12.34", "name": "eyes"}})]
    assert (job.status, job.result_channel, job.result_ts) == ("sent", "C9", "12.34")

    slack = Slack()
    _, job, _ = run_one(store, slack, renderers={"note": lambda session, job, now: Call("chat.delete", {"channel": "C9", "ts": "56.78"})})
    assert (job.status, job.result_channel, job.result_ts) == ("sent", "C9", "56.78")


def test_a_call_slack_says_is_already_done_counts_as_sent(store, ticks):
    slack = Slack()
    slack.fail["reactions.add"] = [refusal(200, "already_reacted")]
    call = Call("reactions.add", {"channel": "C9", "timestamp": "12.34", "name": "eyes"}, done_if=frozenset({"already_reacted"}))
    outcome, job, failures = run_one(store, slack, renderers={"note": lambda session, job, now: call})
    assert outcome == Outcome(sent=1)
    assert (job.status, job.reason, job.result_channel, job.result_ts) == ("sent", None, None, None)
    assert failures == []


def test_a_call_refused_otherwise_fails(store, ticks):
    slack = Slack()
    slack.fail["reactions.add"] = [refusal(200, "message_not_found")]
    call = Call("reactions.add", {"channel": "C9", "timestamp": "12.34", "name": "eyes"}, done_if=frozenset({"already_reacted"}))
    outcome, job, failures = run_one(store, slack, renderers={"note": lambda session, job, now: call})
    assert outcome == Outcome(failed=1)
    assert (job.status, job.reason) == ("failed", "Slack refused it: message_not_found")
    assert failures == ["message_not_found"]


# ---- announcements join the channel ---------------------------------------------------------------


def announce(join: bool):
    return {"note": lambda session, job, now: Outgoing(channel="CPUBLIC", text="Fair on Friday", join=join)}


def test_an_announcement_joins_a_public_channel_it_is_not_in_and_posts_again(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "not_in_channel")]
    outcome, job, _ = run_one(store, slack, renderers=announce(True))
    assert outcome == Outcome(sent=1)
    assert slack.methods() == ["chat.postMessage", "conversations.join", "chat.postMessage"]
    assert slack.calls[1][1] == {"channel": "CPUBLIC"}
    assert slack.calls[0][1] == slack.calls[2][1]
    assert (job.status, job.result_channel, job.result_ts) == ("sent", "DCPUBLIC", "1900000003.000100")


def test_a_post_that_is_no_announcement_never_joins(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "not_in_channel")]
    outcome, job, _ = run_one(store, slack, renderers=announce(False))
    assert outcome == Outcome(failed=1)
    assert slack.methods() == ["chat.postMessage"]
    assert job.reason == "Slack refused it: not_in_channel"


def test_an_announcement_refused_for_another_reason_does_not_join(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "channel_not_found")]
    _, job, _ = run_one(store, slack, renderers=announce(True))
    assert slack.methods() == ["chat.postMessage"]
    assert (job.status, job.reason) == ("failed", "Slack refused it: channel_not_found")


@pytest.mark.parametrize("status", [200, 499])
def test_a_channel_that_cannot_be_joined_fails_as_not_in_channel(store, ticks, status):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "not_in_channel")]
    slack.fail["conversations.join"] = [refusal(status, "method_not_supported_for_channel_type")]
    outcome, job, failures = run_one(store, slack, renderers=announce(True))
    assert outcome == Outcome(failed=1)
    assert slack.methods() == ["chat.postMessage", "conversations.join"]
    assert (job.status, job.reason) == ("failed", "Slack refused it: not_in_channel")
    assert failures == ["not_in_channel"]


def test_a_join_slack_rate_limits_or_fails_is_retried(store, ticks):
    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "not_in_channel")]
    slack.fail["conversations.join"] = [refusal(429, "ratelimited", headers={"Retry-After": "4"})]
    outcome, job, _ = run_one(store, slack, renderers=announce(True), clock=lambda: T0)
    assert outcome == Outcome(retried=1, rate_limited=1)
    assert (job.status, job.next_attempt_at) == ("pending", T0 + timedelta(seconds=4))

    slack = Slack()
    slack.fail["chat.postMessage"] = [refusal(200, "not_in_channel")]
    slack.fail["conversations.join"] = [refusal(500, "internal_error")]
    outcome, job, _ = run_one(store, slack, renderers=announce(True))
    assert outcome == Outcome(retried=1)
    assert (job.status, job.reason) == ("pending", "Slack error 500 internal_error; attempt 1 of 7")


# ---- updates of one message -----------------------------------------------------------------------


def update_of(ts: str = "1700000000.000100"):
    return {"edit": lambda session, job, now: Outgoing(channel="CANNOUNCE", text=f"{job.payload['n']} going", blocks=[{"type": "divider"}], update_ts=ts)}


def test_an_update_edits_the_message_and_records_slacks_answer(store, ticks):
    slack = Slack()
    outcome, job, _ = run_one(store, slack, renderers=update_of(), kind="edit", key="edit:1", payload={"n": 3})
    assert outcome == Outcome(sent=1)
    assert slack.calls == [("chat.update", {"channel": "CANNOUNCE", "ts": "1700000000.000100", "text": "3 going", "blocks": [{"type": "divider"}]})]
    assert (job.status, job.result_channel, job.result_ts) == ("sent", "UCANNOUNCE", "1700000000.0001009")


def test_updates_of_one_message_go_a_second_apart_counted_from_slacks_answer(store, ticks):
    team = new_id("T")
    plan(store, team, "edit:1", kind="edit", target="CANNOUNCE", payload={"n": 1})
    plan(store, team, "edit:2", kind="edit", target="CANNOUNCE", payload={"n": 2})
    slack = Slack()

    def answered_later(method, kwargs):
        ticks.now += 0.25

    slack.during = answered_later
    with Sending(store, slack, senders=1, per_second=0, renderers=update_of(), ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(sent=1, retried=1)
    assert len(slack.calls) == 1
    waiting = [job for job in jobs_of(store, team) if job.status == "pending"]
    assert [(job.next_attempt_at, job.reason) for job in waiting] == [(T0 + timedelta(seconds=1), "the message was updated less than a second ago")]


def test_a_failed_update_still_spaces_the_next_one(store, ticks):
    team = new_id("T")
    plan(store, team, "edit:1", kind="edit", target="CANNOUNCE", payload={"n": 1})
    plan(store, team, "edit:2", kind="edit", target="CANNOUNCE", payload={"n": 2})
    slack = Slack()
    slack.fail["chat.update"] = [refusal(500, "internal_error")]
    slack.during = lambda method, kwargs: setattr(ticks, "now", ticks.now + 0.5)
    with Sending(store, slack, senders=1, per_second=0, renderers=update_of(), ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(retried=2)
    # The second waits a whole second from Slack's (failed) answer, not from when the first was sent.
    spaced = job_of(store, team, "edit:2")
    assert (spaced.next_attempt_at, spaced.reason) == (T0 + timedelta(seconds=1), "the message was updated less than a second ago")


def test_an_update_another_process_just_made_is_waited_out(store, ticks):
    team = new_id("T")
    plan(store, team, "edit:1", kind="edit", target="CANNOUNCE", payload={"n": 1})
    plan(store, team, "edit:2", kind="edit", target="CANNOUNCE", payload={"n": 2}, due=T0 + timedelta(seconds=0.25))
    plan(store, team, "edit:3", kind="edit", target="CANNOUNCE", payload={"n": 3}, due=T0 + timedelta(seconds=1))
    slack = Slack()
    with Sending(store, slack, senders=1, per_second=0, renderers=update_of(), ticks=ticks) as elsewhere:
        assert elsewhere.run_due(T0, team_id=team) == Outcome(sent=1)
    with Sending(store, slack, senders=1, per_second=0, renderers=update_of(), ticks=ticks) as here:
        assert here.run_due(T0 + timedelta(seconds=0.25), team_id=team) == Outcome(retried=1)
        second = job_of(store, team, "edit:2")
        assert (second.status, second.next_attempt_at, second.reason) == ("pending", T0 + timedelta(seconds=1), "the message was updated less than a second ago")
        # A full second after the other process's update the next goes; this process spaces its own.
        ticks.now += 1.0
        assert here.run_due(T0 + timedelta(seconds=1), team_id=team) == Outcome(sent=1, retried=1)
    assert len(slack.calls) == 2


# ---- finishing ------------------------------------------------------------------------------------


def test_a_job_taken_over_meanwhile_is_left_to_its_new_sender(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a")
    recorded = []

    def taken_over(session, job, now):
        with store.write() as other:
            other.execute(update(Job).where(Job.id == job.id).values(claimed_by="someone-else"))
        return post(session, job, now)

    work = Work(render=taken_over, sent=lambda *args: recorded.append("sent"), failed=lambda *args: recorded.append("failed"))
    with Sending(store, Slack(), per_second=0, renderers={"note": work}, ticks=ticks) as sender:
        sender.run_due(T0, team_id=team)
    job = job_of(store, team, "note:a")
    assert (job.status, job.claimed_by, job.finished_at) == ("claimed", "someone-else", None)
    assert recorded == []


def test_a_skipped_or_dropped_job_tells_neither_hook(store, ticks):
    team = new_id("T")
    plan(store, team, "note:skip", payload={"skip": True})
    plan(store, team, "note:old", due=T0 - DAY * 3)
    recorded = []

    def render(session, job, now):
        raise Skip("no")

    work = Work(render=render, sent=lambda *args: recorded.append("sent"), failed=lambda *args: recorded.append("failed"))
    with Sending(store, Slack(), per_second=0, renderers={"note": work}, ticks=ticks) as sender:
        assert sender.run_due(T0, team_id=team) == Outcome(skipped=1, dropped=1)
    assert recorded == []


def test_after_shutdown_nothing_more_is_claimed(store, ticks):
    team = new_id("T")
    plan(store, team, "note:a")
    sender = Dispatcher(store, Slack(), renderers={"note": post}, worker=new_id("w"), per_second=0, ticks=ticks)
    sender.shutdown()
    assert sender.run_due(T0, team_id=team) == Outcome()
    assert job_of(store, team, "note:a").status == "pending"
