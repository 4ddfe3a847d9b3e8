"""What the fake Web API keeps of a workspace (for the sandbox to draw): messages, threads,
reactions, ephemerals, modal stacks, App Home, answers to response_urls and shared files."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from slackapp.sandbox.fake import BOT_USER_ID, FakeSlack



@pytest.fixture
def fake():
    with FakeSlack(clock=lambda: 1_800_000_000.0) as running:
        running.add_channel("C1", name="careers")
        yield running


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.url)


def test_posts_updates_deletes_and_threads(fake, client):
    first = client.chat_postMessage(channel="C1", text="New lead", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])
    reply = client.chat_postMessage(channel="C1", text="a reply", thread_ts=first["ts"])
    assert float(first["ts"]) >= 1_800_000_000 and reply["ts"] > first["ts"]  # timestamps follow the fake's clock
    shown = fake.workspace.visible("C1", "U1")
    assert [(m["text"], m["user"], m["reply_count"]) for m in shown] == [("New lead", BOT_USER_ID, 1)]
    assert shown[0]["blocks"][0]["block_id"]  # Slack names blocks the app left unnamed
    assert [m["text"] for m in fake.workspace.visible("C1", "U1", thread_ts=first["ts"])] == ["New lead", "a reply"]

    client.chat_update(channel="C1", ts=first["ts"], text="Closed lead", blocks=[])
    assert fake.workspace.find("C1", first["ts"])["text"] == "Closed lead" and fake.workspace.find("C1", first["ts"])["edited"]
    client.chat_delete(channel="C1", ts=reply["ts"])
    assert fake.workspace.visible("C1", "U1")[0]["reply_count"] == 0


def test_a_dm_lands_in_the_persons_im_and_ephemerals_are_seen_by_one(fake, client):
    client.chat_postMessage(channel="U7", text="reminder")
    client.chat_postEphemeral(channel="C1", user="U7", text="only you")
    assert [m["text"] for m in fake.workspace.visible("DU7", "U7")] == ["reminder"]
    assert [m["text"] for m in fake.workspace.visible("C1", "U7")] == ["only you"]
    assert fake.workspace.visible("C1", "U8") == []


def test_reactions_are_kept_per_person_and_refused_twice(fake, client):
    ts = client.chat_postMessage(channel="C1", text="RSVP")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="white_check_mark")
    with pytest.raises(SlackApiError) as refused:
        client.reactions_add(channel="C1", timestamp=ts, name="white_check_mark")
    assert refused.value.response["error"] == "already_reacted"
    assert fake.workspace.react("C1", ts, name="white_check_mark", user="U1", add=True)
    assert fake.workspace.find("C1", ts)["reactions"] == {"white_check_mark": [BOT_USER_ID, "U1"]}
    client.reactions_remove(channel="C1", timestamp=ts, name="white_check_mark")
    assert not fake.workspace.react("C1", ts, name="white_check_mark", user="U1", add=True)  # nothing changed
    assert fake.workspace.find("C1", ts)["reactions"] == {"white_check_mark": ["U1"]}


def test_modals_keep_their_stack(fake, client):
    trigger = fake.workspace.trigger_for("U1")
    opened = client.views_open(trigger_id=trigger, view={"type": "modal", "callback_id": "form", "title": {"type": "plain_text", "text": "One"}, "blocks": []})["view"]
    pushed = client.views_push(trigger_id=fake.workspace.trigger_for("U1"), view={"type": "modal", "callback_id": "more", "title": {"type": "plain_text", "text": "Two"}, "blocks": []})["view"]
    top = fake.workspace.top_view("U1")
    assert top["id"] == pushed["id"] and top["previous_view_id"] == opened["id"] and top["root_view_id"] == opened["id"]
    client.views_update(view_id=opened["id"], view={"type": "modal", "callback_id": "form", "title": {"type": "plain_text", "text": "One, again"}, "blocks": []})
    fake.workspace.set_errors("U1", {"title": "Please fill this in."})
    assert fake.workspace.top_view("U1")["errors"] == {"title": "Please fill this in."}
    fake.workspace.close_view("U1")
    assert fake.workspace.top_view("U1")["title"]["text"] == "One, again"
    fake.workspace.close_view("U1", all_views=True)
    assert fake.workspace.top_view("U1") is None
    assert fake.workspace.version > 0


def test_app_home_is_kept_per_person(fake, client):
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]})
    assert fake.workspace.home("U1")["blocks"][0]["text"]["text"] == "Hi" and fake.workspace.home("U2") is None


def test_response_url_answers_show_up_where_the_person_asked(fake, client):
    tag = fake.workspace.response_tag(channel="C1", user="U1")
    WebhookClient(fake.response_url(tag)).send(text="your leads", response_type="ephemeral")
    (mine,) = fake.workspace.visible("C1", "U1")
    assert mine["ephemeral_to"] == "U1" and fake.workspace.visible("C1", "U2") == []

    replacing = fake.workspace.response_tag(channel="C1", user="U1", message_ts=mine["ts"])
    WebhookClient(fake.response_url(replacing)).send(text="page 2", replace_original=True)
    assert [m["text"] for m in fake.workspace.visible("C1", "U1")] == ["page 2"]
    WebhookClient(fake.response_url(replacing)).send(text="", delete_original=True)
    assert fake.workspace.visible("C1", "U1") == []


def test_an_uploaded_file_is_shared_in_the_channel_and_downloadable(fake, client):
    client.files_upload_v2(channel="DU1", filename="roster.csv", title="Roster", content="name\nAda\n", initial_comment="Here it is")
    (shared,) = fake.workspace.visible("DU1", "U1")
    assert shared["text"] == "Here it is" and shared["files"][0]["name"] == "roster.csv"
    assert fake.file(shared["files"][0]["id"])["content"] == b"name\nAda\n"


def test_the_workspace_survives_a_restart(fake, client):
    ts = client.chat_postMessage(channel="C1", text="kept")["ts"]
    saved = fake.workspace.to_dict()
    with FakeSlack() as again:
        again.workspace.load(saved)
        assert again.workspace.find("C1", ts)["text"] == "kept"
