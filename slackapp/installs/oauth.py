"""Bolt's OAuth flow with one more check before an installation is saved: the bot token Slack
handed out belongs to the workspace its answer names (auth.test). Saved under the named workspace,
another workspace's token would serve it, and its requests would be done in the other's name."""

from __future__ import annotations

import html
import logging

from slack_bolt import BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import FailureArgs
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation

from slackapp.installs.identity import Identity

log = logging.getLogger(__name__)

REFUSED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Not installed</title></head>
<body><h2>The app was not installed</h2>
<p>{why} Nothing was saved.</p>
<p>Please <a href="{install}">try again</a>; if this happens again, tell the people who run the app.</p>
</body></html>
"""


class InstallRefused(BoltError):
    """An installation that must not be saved; `why` is told to the person installing."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _belongs(identity: Identity, installation: Installation) -> bool:
    if installation.is_enterprise_install:
        return identity.org_wide and identity.enterprise_id == installation.enterprise_id
    return identity.team_id is not None and identity.team_id == installation.team_id


class CheckedOAuthFlow(OAuthFlow):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._default_failure = self.failure_handler
        self.failure_handler = self._failed

    def store_installation(self, request: BoltRequest, installation: Installation):
        if installation.bot_token:
            self._check_owner(installation)
        super().store_installation(request, installation)

    def _check_owner(self, installation: Installation) -> None:
        named = installation.team_id or installation.enterprise_id
        try:
            identity = Identity.of(self.client, token=installation.bot_token)
        except SlackApiError as exc:
            log.warning("refused the install in team %s: Slack did not confirm its bot token (auth.test: %s); nothing saved", named, exc.response.get("error"))
            raise InstallRefused("Slack did not confirm the token it handed out.") from None
        if not _belongs(identity, installation):
            log.warning(
                "refused the install in team %s: the bot token Slack handed out belongs to team %s (enterprise %s) per auth.test; nothing saved",
                named, identity.team_id, identity.enterprise_id,
            )
            raise InstallRefused("Slack handed out a token of another workspace than the one you installed the app in.")

    def _failed(self, args: FailureArgs) -> BoltResponse:
        if not isinstance(args.error, InstallRefused):
            return self._default_failure(args)
        page = REFUSED_PAGE.format(why=html.escape(args.error.why), install=html.escape(self.install_path))
        return BoltResponse(status=400, body=page, headers={"Content-Type": "text/html; charset=utf-8"})
