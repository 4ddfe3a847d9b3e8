"""Who the bot token belongs to (auth.test), and so which requests are ours to serve."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient


@dataclass(frozen=True)
class Identity:
    team_id: str | None
    enterprise_id: str | None
    # Installed on a whole Enterprise Grid org: one token serves every workspace of the org.
    org_wide: bool
    bot_user_id: str | None

    @classmethod
    def of(cls, client: WebClient, *, token: str | None = None) -> "Identity":
        """`token`: another token than the client's own (one Slack just handed out)."""
        answer = client.auth_test(token=token) if token else client.auth_test()
        return cls(
            team_id=answer.get("team_id"),
            enterprise_id=answer.get("enterprise_id"),
            org_wide=bool(answer.get("is_enterprise_install")),
            bot_user_id=answer.get("user_id"),
        )

    def serves(self, *, team_id: str | None, enterprise_id: str | None) -> bool:
        """A request from a workspace our token was not installed in must not be served with it."""
        if self.org_wide:
            return enterprise_id is not None and enterprise_id == self.enterprise_id and team_id is not None
        return team_id is not None and team_id == self.team_id
