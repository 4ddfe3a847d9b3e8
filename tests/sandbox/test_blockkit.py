"""The sandbox's drawing of Block Kit and mrkdwn: every block and element the app uses, escaped,
accessible, and read back into Slack's state.values."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from slackapp.sandbox.blockkit import Surface, element_state, field_id, field_name, initial_fields, render_blocks, state_values
from slackapp.sandbox.mrkdwn import Viewer, to_html

pytestmark = pytest.mark.fast

VIEWER = Viewer(
    tz="America/Los_Angeles",
    users={"U1": "Ada Lovelace", "U2": "Ben <Okafor>"},
    channels={"C1": "careers", "C2": "events"},
    now=datetime(2026, 3, 10, 18, 0, tzinfo=timezone.utc),
)


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def option(value: str, text: str | None = None) -> dict:
    return {"text": plain(text or value.title()), "value": value}


def draw(blocks, **surface) -> str:
    return str(render_blocks(blocks, Surface(viewer=VIEWER, **surface)))


class Tags(HTMLParser):
    """Start tags with their attributes, to check the markup rather than its spelling."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str, **attrs) -> list[dict]:
        return [found for name, found in self.tags if name == tag and all(found.get(k) == v for k, v in attrs.items())]


# ---- blocks ----------------------------------------------------------------------------------


def test_section_with_text_fields_and_a_button_accessory():
    html = draw([{
        "type": "section", "block_id": "lead_1", "text": md("*Analyst intern* · Acme"),
        "fields": [md("*Pay*\n$20/hour"), plain("Remote")],
        "accessory": {"type": "button", "action_id": "lead_save", "value": "1", "text": plain("Save"), "style": "primary"},
    }])
    assert "<strong>Analyst intern</strong> · Acme" in html
    assert '<div class="field"><strong>Pay</strong><br>$20/hour</div>' in html and ">Remote</div>" in html
    button = Tags(html).all("button")[0]
    assert button["class"] == "btn primary" and button["hx-post"] == "/act"
    assert json.loads(button["hx-vals"]) == {"act": field_name("lead_1", "lead_save"), "value": "1"}
    assert ">Save</button>" in html


def test_header_context_divider_and_image():
    html = draw([
        {"type": "header", "text": plain("New lead :tada:")},
        {"type": "context", "elements": [md("shared by <@U1>"), {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "logo"}]},
        {"type": "divider"},
        {"type": "image", "image_url": "https://x.test/b.png", "alt_text": "a chart", "title": plain("Chart")},
    ])
    assert '<h3 class="block header">New lead <img class="emoji" src="/static/emoji/1f389.svg" alt="🎉" draggable="false"></h3>' in html
    assert '<span class="mention">@Ada Lovelace</span>' in html
    assert '<hr class="block divider">' in html
    assert [img["alt"] for img in Tags(html).all("img") if img.get("class") != "emoji"] == ["logo", "a chart"]
    assert "<figcaption>Chart</figcaption>" in html


def test_actions_with_confirm_overflow_and_every_select():
    confirm = {"title": plain("Cancel the event?"), "text": md("Everyone is told."), "confirm": plain("Yes"), "deny": plain("No")}
    html = draw([{"type": "actions", "block_id": "nav", "elements": [
        {"type": "button", "action_id": "cancel", "value": "7", "text": plain("Cancel event"), "style": "danger", "confirm": confirm},
        {"type": "button", "action_id": "open", "text": plain("Open"), "url": "https://x.test/job"},
        {"type": "overflow", "action_id": "more", "options": [option("edit"), option("delete")]},
        {"type": "static_select", "action_id": "stage", "placeholder": plain("Stage"), "options": [option("saved"), option("applied")], "initial_option": option("applied")},
        {"type": "users_select", "action_id": "who", "placeholder": plain("Choose people")},
        {"type": "conversations_select", "action_id": "where", "initial_conversation": "C2"},
        {"type": "datepicker", "action_id": "day", "initial_date": "2026-03-12"},
        {"type": "timepicker", "action_id": "time", "initial_time": "18:30"},
        {"type": "datetimepicker", "action_id": "when", "initial_date_time": 1773190800},
    ]}])
    tags = Tags(html)
    danger = tags.all("button", **{"class": "btn danger"})[0]
    assert danger["hx-confirm"] == "Cancel the event? — Everyone is told."
    assert tags.all("a", href="https://x.test/job")  # a link button opens its link
    assert [json.loads(b["hx-vals"])["value"] for b in tags.all("button") if "more" in b.get("hx-vals", "")] == ["edit", "delete"]
    assert tags.all("summary", **{"aria-label": "More options"})
    selects = {s["aria-label"]: s for s in tags.all("select")}
    assert set(selects) == {"Stage", "Choose people", "Choose…"}
    assert all(s["hx-trigger"] == "change" for s in selects.values())  # outside a modal, choosing is acting
    assert '<option value="applied" selected>Applied</option>' in html
    assert '<option value="U2">Ben &lt;Okafor&gt;</option>' in html
    assert '<option value="C2" selected>#events</option>' in html
    inputs = {i["type"]: i for i in tags.all("input")}
    assert inputs["date"]["value"] == "2026-03-12" and inputs["time"]["value"] == "18:30"
    assert inputs["datetime-local"]["value"] == "2026-03-10T18:00"  # 01:00 UTC on the 11th, in Los Angeles


def test_a_modal_labels_every_input_by_its_block_kit_label_and_shows_errors_next_to_it():
    blocks = [
        {"type": "input", "block_id": "company", "label": plain("Company"), "element": {"type": "plain_text_input", "action_id": "value", "max_length": 80}},
        {"type": "input", "block_id": "description", "label": plain("Description"), "optional": True, "element": {"type": "plain_text_input", "action_id": "value", "multiline": True}},
        {"type": "input", "block_id": "capacity", "label": plain("Capacity"), "element": {"type": "number_input", "action_id": "value", "is_decimal_allowed": False, "min_value": "1"}},
        {"type": "input", "block_id": "url", "label": plain("Link"), "hint": plain("Where to apply."), "element": {"type": "url_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "email", "label": plain("Email"), "element": {"type": "email_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "remote", "label": plain("Remote"), "optional": True, "element": {"type": "checkboxes", "action_id": "value", "options": [option("remote")]}},
        {"type": "input", "block_id": "kind", "label": plain("Type"), "element": {"type": "radio_buttons", "action_id": "value", "options": [option("paid"), option("unpaid")]}},
        {"type": "input", "block_id": "skills", "label": plain("Skills"), "element": {"type": "multi_static_select", "action_id": "value", "options": [option("writing"), option("video")]}},
        {"type": "input", "block_id": "people", "label": plain("People"), "element": {"type": "multi_users_select", "action_id": "value"}},
    ]
    html = draw(blocks, modal=True, values={"company": {"value": {"type": "plain_text_input", "value": "Acme <b>"}}}, errors={"url": "Give a web link"})
    tags = Tags(html)
    labels = {label["for"] for label in tags.all("label")}
    for block in blocks[:5] + blocks[7:]:
        assert field_id(block["block_id"], "value") in labels, block["block_id"]
    assert tags.all("textarea")[0]["name"] == field_name("description", "value")
    company = tags.all("input", id=field_id("company", "value"))[0]
    assert company["value"] == "Acme <b>" and "required" in company and company["maxlength"] == "80"
    assert tags.all("input", type="number")[0]["step"] == "1" and tags.all("input", type="email")
    url = tags.all("input", type="url")[0]
    assert url["aria-invalid"] == "true"
    assert url["aria-describedby"] == f"{field_id('url', 'value')}-error {field_id('url', 'value')}-hint"
    assert f'<p class="error" id="{field_id("url", "value")}-error">Give a web link</p>' in html
    assert "<legend>Remote" in html and "<legend>Type" in html  # grouped choices are named by a legend
    assert len(tags.all("input", type="checkbox")) == 1 and len(tags.all("input", type="radio")) == 2
    assert all("hx-post" not in tag for _, tag in tags.tags if tag.get("name", "").startswith("["))  # inputs hold state until submit
    assert len(tags.all("select")) == 2 and all("multiple" in s for s in tags.all("select"))


def test_rich_text_and_unknown_blocks_are_drawn_never_dropped():
    html = draw([
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "hello ", "style": {"bold": True}}, {"type": "user", "user_id": "U1"}, {"type": "link", "url": "https://x.test", "text": "site"}]},
            {"type": "rich_text_list", "style": "bullet", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}]},
        ]},
        {"type": "video", "title": plain("<script>alert(1)</script>")},
        {"type": "section", "text": md("x"), "accessory": {"type": "workflow_button", "text": plain("Run")}},
    ])
    assert "<strong>hello </strong>" in html and "@Ada Lovelace" in html and '<a href="https://x.test"' in html and "<li>" in html
    assert html.count('class="unknown" role="note"') == 2
    assert "Block Kit block “video”" in html and "Block Kit element “workflow_button”" in html
    assert "<script>" not in html


# ---- mrkdwn ----------------------------------------------------------------------------------


def test_mrkdwn_links_mentions_styles_and_escaping():
    html = str(to_html("*<https://x.test/a?b=1&amp;c=2|Role &lt;b&gt;>* _at_ ~old~ `co<de>` <@U2> <#C1> <!here> <javascript:alert(1)|click> <script>", VIEWER))
    assert '<strong><a href="https://x.test/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">Role &lt;b&gt;</a></strong>' in html
    assert "<em>at</em> <del>old</del>" in html
    assert '<span class="mention">@Ben &lt;Okafor&gt;</span> <span class="mention">#careers</span> <span class="mention">@here</span>' in html
    assert "javascript" not in html and ">click<" not in html.replace("click<", "click<")  # shown as text, never as a link
    assert "<script>" not in html
    assert "\n" not in str(to_html("a\nb", VIEWER))


def test_emoji_are_pictures_whether_named_or_typed_and_text_where_no_picture_fits():
    html = str(to_html("*:white_check_mark: going* · 🤔 maybe · ❌️ no · :no_such_emoji: · `:x:` <https://x.test|:tada: party>", VIEWER))
    pictures = Tags(html).all("img")
    assert [(found["alt"], found["src"]) for found in pictures] == [
        ("✅", "/static/emoji/2705.svg"), ("🤔", "/static/emoji/1f914.svg"), ("❌", "/static/emoji/274c.svg"),
        ("❌", "/static/emoji/274c.svg"), ("🎉", "/static/emoji/1f389.svg"),
    ]
    assert "<strong><img" in html and ":no_such_emoji:" in html  # styles go around pictures; unknown names stay words
    select = {"type": "static_select", "action_id": "pick", "options": [option("yes", "Going :white_check_mark:")]}
    drawn = draw([{"type": "actions", "elements": [select]}])
    assert ">Going ✅</option>" in drawn and "<img" not in drawn  # an <option> holds text only


def test_every_emoji_drawn_has_its_picture_shipped_with_the_package():
    import tomllib
    from pathlib import Path

    from slackapp.sandbox import mrkdwn

    folder = Path(mrkdwn.__file__).parent / "static" / "emoji"
    assert sorted(path.stem for path in folder.glob("*.svg")) == sorted(set(mrkdwn.EMOJI_FILES.values()))
    assert (folder / "LICENSE.twemoji").is_file()  # CC BY 4.0: the attribution travels with the pictures
    pyproject = tomllib.loads((Path(mrkdwn.__file__).parents[2] / "pyproject.toml").read_text())
    assert "sandbox/static/emoji/*" in pyproject["tool"]["setuptools"]["package-data"]["slackapp"]


def test_every_emoji_the_app_names_is_one_the_sandbox_draws():
    """`:name:` in the app's own text: Slack knows them all, so the sandbox must too."""
    import re
    from pathlib import Path

    import slackapp
    from slackapp.sandbox.mrkdwn import EMOJI

    package = Path(slackapp.__file__).parent
    named = {
        name for path in package.rglob("*.py") if "sandbox" not in path.parts
        # Not a word run into colons (a job key such as "alerts:daily:U1"): that is no emoji.
        for name in re.findall(r"(?<![\w:]):([a-z][a-z0-9_+-]*):(?![\w{])", path.read_text(encoding="utf-8"))
    }
    assert named and named <= set(EMOJI), sorted(named - set(EMOJI))


@pytest.mark.parametrize(
    "token, shown",
    [
        ("{date_short} at {time}", "Mar 10, 2026 at 8:00 PM"),
        ("{date_num}", "2026-03-10"),
        ("{date_long}", "Tuesday, March 10th, 2026"),
        ("{date_short_pretty}", "Today"),
        ("{time_secs}", "8:00:00 PM"),
        ("{ago}", "in 9 hours"),
    ],
)
def test_dates_are_shown_in_the_viewers_zone(token, shown):
    moment = int(datetime(2026, 3, 11, 3, 0, tzinfo=timezone.utc).timestamp())  # 8 PM on the 10th in Los Angeles
    assert str(to_html(f"<!date^{moment}^{token}|fallback>", VIEWER)) == shown


def test_a_malformed_date_shows_its_fallback():
    assert str(to_html("<!date^soon^{date}|next week>", VIEWER)) == "next week"


# ---- reading a modal back ----------------------------------------------------------------------


def test_a_submitted_form_reads_back_as_slacks_state_values():
    blocks = [
        {"type": "input", "block_id": "company", "element": {"type": "plain_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "kind", "element": {"type": "static_select", "action_id": "value", "options": [option("internship"), option("micro")]}},
        {"type": "input", "block_id": "remote", "element": {"type": "checkboxes", "action_id": "value", "options": [option("remote")]}},
        {"type": "input", "block_id": "deadline", "element": {"type": "datepicker", "action_id": "value"}},
        {"type": "input", "block_id": "at", "element": {"type": "timepicker", "action_id": "value"}},
        {"type": "input", "block_id": "starts", "element": {"type": "datetimepicker", "action_id": "value"}},
        {"type": "input", "block_id": "contact", "element": {"type": "users_select", "action_id": "value"}},
        {"type": "input", "block_id": "channel", "element": {"type": "conversations_select", "action_id": "value"}},
        {"type": "input", "block_id": "people", "element": {"type": "multi_users_select", "action_id": "value"}},
        {"type": "input", "block_id": "pay", "element": {"type": "plain_text_input", "action_id": "value"}},
    ]
    form = {
        field_name("company", "value"): ["Acme"], field_name("kind", "value"): ["micro"], field_name("remote", "value"): ["remote"],
        field_name("deadline", "value"): ["2026-04-01"], field_name("at", "value"): ["09:30"], field_name("starts", "value"): ["2026-03-10T20:00"],
        field_name("contact", "value"): ["U1"], field_name("channel", "value"): ["C2"], field_name("people", "value"): ["U1", "U2"],
        field_name("pay", "value"): [""],
    }
    values = state_values(blocks, form, "America/Los_Angeles")
    assert values["company"]["value"] == {"type": "plain_text_input", "value": "Acme"}
    assert values["kind"]["value"]["selected_option"]["value"] == "micro"
    assert [o["value"] for o in values["remote"]["value"]["selected_options"]] == ["remote"]
    assert values["deadline"]["value"]["selected_date"] == "2026-04-01" and values["at"]["value"]["selected_time"] == "09:30"
    assert values["starts"]["value"]["selected_date_time"] == int(datetime(2026, 3, 11, 3, 0, tzinfo=timezone.utc).timestamp())
    assert values["contact"]["value"]["selected_user"] == "U1" and values["channel"]["value"]["selected_conversation"] == "C2"
    assert values["people"]["value"]["selected_users"] == ["U1", "U2"]
    assert values["pay"]["value"]["value"] is None  # an empty input is null, as Slack sends it
    assert element_state({"type": "radio_buttons", "options": [option("a")]}, [], "UTC") == {"type": "radio_buttons", "selected_option": None}


def test_initial_fields_are_what_an_untouched_form_sends():
    blocks = [
        {"type": "input", "block_id": "slots", "element": {"type": "number_input", "action_id": "value", "initial_value": "1"}},
        {"type": "input", "block_id": "contact", "element": {"type": "users_select", "action_id": "value", "initial_user": "U1"}},
        {"type": "input", "block_id": "day", "element": {"type": "static_select", "action_id": "value", "initial_option": option("0")}},
        {"type": "input", "block_id": "title", "element": {"type": "plain_text_input", "action_id": "value"}},
    ]
    assert initial_fields(blocks, "UTC") == {
        field_name("slots", "value"): ["1"], field_name("contact", "value"): ["U1"], field_name("day", "value"): ["0"], field_name("title", "value"): [],
    }
