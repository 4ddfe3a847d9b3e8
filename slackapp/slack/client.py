"""The Web API client every part of the app uses: pointed at SLACK_API_URL, never sleeping on a 429."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler

from slackapp.config import Settings

_SETTINGS_TOKEN = object()


def web_client(settings: Settings, *, retries: bool = True, token: str | None | object = _SETTINGS_TOKEN, timeout: int = 10) -> WebClient:
    """A client with `token` (by default SLACK_BOT_TOKEN; in distribution mode, a workspace's own)."""
    if token is _SETTINGS_TOKEN:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    # Server errors and dropped connections are retried briefly; rate limits are not retried here,
    # because slack_sdk's rate-limit handler sleeps in the calling (listener) thread.
    return MeteredWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)] if retries else [],
    )


def retry_after(headers) -> int:
    """Seconds Slack asked us to wait (Retry-After), or a cautious default."""
    for name in ("Retry-After", "retry-after"):
        value = (headers or {}).get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            try:
                return max(1, int(float(value)))
            except ValueError:
                break
    return 30


class MeteredWebClient(WebClient):
    """Counts every Web API call by method and outcome, with its latency (slackapp.metrics)."""

    def api_call(self, api_method: str, **kwargs):
        from slackapp.metrics import observe_web_api

        started = time.perf_counter()
        outcome = "unreachable"
        try:
            response = super().api_call(api_method, **kwargs)
            outcome = "ok"
            return response
        except SlackApiError as exc:
            status = exc.response.status_code
            outcome = "ratelimited" if status == 429 else str(exc.response.get("error") or status) if isinstance(exc.response.data, dict) else str(status)
            raise
        finally:
            observe_web_api(api_method, outcome, time.perf_counter() - started)
