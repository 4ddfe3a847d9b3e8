"""What an operator watches, in Prometheus' format at GET /metrics (prometheus-client), on a port
Slack never talks to (SLACKAPP_METRICS_PORT, slackapp.slack.server.Routes).

Counters and histograms are kept per process; with several gunicorn workers they are written to
PROMETHEUS_MULTIPROC_DIR (set up by `slackapp run`) and /metrics adds up every worker's. The
outbox's depth and age are read from the store when /metrics is asked, so any worker answers the
same."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)

REQUESTS = Histogram("slackapp_request_seconds", "Time to answer Slack's requests, by kind", ["kind"], buckets=LATENCY_BUCKETS)
ACKS = Counter("slackapp_acks_total", "Requests answered, by kind and HTTP status", ["kind", "status"])
WEB_API = Histogram("slackapp_web_api_seconds", "Web API calls, by method and outcome (ok, Slack's error, ratelimited, unreachable)", ["method", "outcome"], buckets=LATENCY_BUCKETS)
RATE_LIMITED = Counter("slackapp_rate_limited_total", "Web API calls Slack answered with 429, by method", ["method"])
SCHEDULER_LAG = Histogram("slackapp_scheduler_lag_seconds", "From when a job fell due to when Slack took it", ["kind"], buckets=LAG_BUCKETS)


def observe_request(kind: str, status: int, seconds: float) -> None:
    REQUESTS.labels(kind).observe(seconds)
    ACKS.labels(kind, str(status)).inc()


def observe_web_api(method: str, outcome: str, seconds: float) -> None:
    WEB_API.labels(method, outcome).observe(seconds)
    if outcome == "ratelimited":
        RATE_LIMITED.labels(method).inc()


def observe_sent(kind: str, due_at: datetime, sent_at: datetime) -> None:
    SCHEDULER_LAG.labels(kind).observe(max(0.0, (sent_at - due_at).total_seconds()))


class OutboxCollector:
    """Work waiting in the jobs table: how many are due now, and how long the oldest has waited.
    `waiting(now)` reads them from the store (slackapp.scheduler.queue.due_now)."""

    def __init__(self, waiting: Callable[[datetime], tuple[int, datetime | None]]):
        self._waiting = waiting

    def collect(self):
        from slackapp.db import utcnow

        now = utcnow()
        count, oldest = self._waiting(now)
        depth = GaugeMetricFamily("slackapp_outbox_depth", "Jobs due and not sent yet")
        depth.add_metric([], count)
        age = GaugeMetricFamily("slackapp_outbox_oldest_seconds", "How long the oldest due job has waited")
        age.add_metric([], max(0.0, (now - _aware(oldest)).total_seconds()) if oldest is not None else 0.0)
        return [depth, age]


def _aware(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class _ThisProcess:
    """The counts of this process alone (no PROMETHEUS_MULTIPROC_DIR: one process serves)."""

    def collect(self):
        from prometheus_client import REGISTRY

        return REGISTRY.collect()


def exposition(*collectors) -> tuple[bytes, str]:
    """The text /metrics answers, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class Stopwatch:
    def __init__(self):
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started
