"""Block Kit as HTML: pure functions from blocks (Slack's JSON) to accessible markup.

Every block is drawn: one the sandbox doesn't know becomes a labelled box with its JSON, never
dropped. Every text is user content and is escaped (slackapp.sandbox.mrkdwn).

Interactive elements speak htmx: a button or a select posts to /act with `act` naming its block
and action (as JSON: [block_id, action_id]); the form around the blocks (a message, a modal, a
Home tab) adds which surface it is. In a modal, an input's field is named the same way, so a
submission can be read back into Slack's `state.values`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup

from slackapp.sandbox.mrkdwn import Viewer, emoji, plain, to_html

_SAFE_SRC = ("http://", "https://")


@dataclass(frozen=True)
class Surface:
    """Where blocks are drawn: in a modal, inputs hold what is typed (`values`: Slack's
    state.values) and show `errors`; elsewhere every element acts at once."""

    viewer: Viewer
    modal: bool = False
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def field_name(block_id: str, action_id: str) -> str:
    return json.dumps([block_id, action_id])


def field_id(block_id: str, action_id: str) -> str:
    return "f-" + hashlib.sha1(field_name(block_id, action_id).encode()).hexdigest()[:10]


def text_of(obj, viewer: Viewer) -> Markup:
    """A text object (plain_text or mrkdwn) as HTML."""
    if not isinstance(obj, dict):
        return Markup("")
    if obj.get("type") == "mrkdwn":
        return to_html(obj.get("text") or "", viewer)
    return plain(obj.get("text") or "")


def plain_of(obj) -> str:
    return (obj or {}).get("text") or "" if isinstance(obj, dict) else ""


def render_blocks(blocks, surface: Surface) -> Markup:
    return Markup("").join(render_block(block, surface) for block in blocks or [] if isinstance(block, dict))


def render_block(block: dict, surface: Surface) -> Markup:
    drawer = _BLOCKS.get(block.get("type") or "")
    return drawer(block, surface) if drawer else unknown("block", block)


def unknown(what: str, item: dict) -> Markup:
    kind = str(item.get("type") or "?")
    return Markup(
        '<div class="unknown" role="note"><strong>Block Kit {what} “{kind}”</strong> (the sandbox doesn\'t draw it yet)'
        "<pre>{json}</pre></div>"
    ).format(what=what, kind=kind, json=json.dumps(item, indent=1, ensure_ascii=False)[:2000])


# ---- blocks -------------------------------------------------------------------------------


def _section(block: dict, surface: Surface) -> Markup:
    parts = []
    if block.get("text"):
        parts.append(Markup('<div class="text">{}</div>').format(text_of(block["text"], surface.viewer)))
    if block.get("fields"):
        cells = Markup("").join(Markup('<div class="field">{}</div>').format(text_of(f, surface.viewer)) for f in block["fields"])
        parts.append(Markup('<div class="fields">{}</div>').format(cells))
    body = Markup('<div class="section-body">{}</div>').format(Markup("").join(parts))
    accessory = block.get("accessory")
    side = Markup('<div class="accessory">{}</div>').format(render_element(accessory, block, surface)) if isinstance(accessory, dict) else Markup("")
    return Markup('<div class="block section">{}{}</div>').format(body, side)


def _header(block: dict, surface: Surface) -> Markup:
    return Markup('<h3 class="block header">{}</h3>').format(plain(plain_of(block.get("text"))))


def _divider(block: dict, surface: Surface) -> Markup:
    return Markup('<hr class="block divider">')


def _context(block: dict, surface: Surface) -> Markup:
    parts = []
    for element in block.get("elements") or []:
        if element.get("type") == "image":
            parts.append(_image_element(element, block, surface))
        elif element.get("type") in ("mrkdwn", "plain_text"):
            parts.append(Markup("<span>{}</span>").format(text_of(element, surface.viewer)))
        else:
            parts.append(unknown("element", element))
    return Markup('<div class="block context">{}</div>').format(Markup(" ").join(parts))


def _actions(block: dict, surface: Surface) -> Markup:
    elements = Markup("").join(render_element(element, block, surface) for element in block.get("elements") or [])
    return Markup('<div class="block actions" role="group">{}</div>').format(elements)


def _input(block: dict, surface: Surface) -> Markup:
    element = block.get("element") or {}
    label = plain(plain_of(block.get("label")))
    key_id = field_id(block.get("block_id", ""), element.get("action_id", ""))
    error = surface.errors.get(block.get("block_id", ""))
    hint = block.get("hint")
    described = " ".join(filter(None, [f"{key_id}-error" if error else "", f"{key_id}-hint" if hint else ""]))
    optional = Markup(' <span class="optional">(optional)</span>') if block.get("optional") else Markup("")
    control = render_element(element, block, surface, input_of=(label, described))
    grouped = element.get("type") in _GROUPED
    head = Markup("") if grouped else Markup('<label for="{}">{}{}</label>').format(key_id, label, optional)
    extra = Markup("")
    if hint:
        extra += Markup('<p class="hint" id="{}-hint">{}</p>').format(key_id, text_of(hint, surface.viewer))
    if error:
        extra += Markup('<p class="error" id="{}-error">{}</p>').format(key_id, plain(error))
    return Markup('<div class="block input{}">{}{}{}</div>').format(" invalid" if error else "", head, control, extra)


def _image_block(block: dict, surface: Surface) -> Markup:
    title = Markup("<figcaption>{}</figcaption>").format(plain(plain_of(block.get("title")))) if block.get("title") else Markup("")
    return Markup('<figure class="block image">{}{}</figure>').format(_image_element(block, block, surface), title)


def _rich_text(block: dict, surface: Surface) -> Markup:
    return Markup('<div class="block rich-text">{}</div>').format(Markup("").join(_rich_part(part, surface.viewer) for part in block.get("elements") or []))


def _rich_part(part: dict, viewer: Viewer) -> Markup:
    kind = part.get("type")
    inner = Markup("").join(_rich_inline(element, viewer) for element in part.get("elements") or [] if isinstance(element, dict))
    if kind == "rich_text_section":
        return Markup("<div>{}</div>").format(inner)
    if kind == "rich_text_quote":
        return Markup("<blockquote>{}</blockquote>").format(inner)
    if kind == "rich_text_preformatted":
        return Markup("<pre>{}</pre>").format(inner)
    if kind == "rich_text_list":
        tag = "ol" if part.get("style") == "ordered" else "ul"
        items = Markup("").join(Markup("<li>{}</li>").format(_rich_part(item, viewer)) for item in part.get("elements") or [])
        return Markup("<{tag}>{items}</{tag}>").format(tag=Markup(tag), items=items)
    return unknown("element", part)


def _rich_inline(element: dict, viewer: Viewer) -> Markup:
    kind = element.get("type")
    if kind == "text":
        html = Markup(str(plain(element.get("text") or "")).replace("\n", "<br>"))
        style = element.get("style") or {}
        for flag, tag in (("code", "code"), ("bold", "strong"), ("italic", "em"), ("strike", "del")):
            if style.get(flag):
                html = Markup("<{tag}>{html}</{tag}>").format(tag=Markup(tag), html=html)
        return html
    if kind == "link":
        return to_html(f"<{element.get('url', '')}|{element.get('text') or element.get('url', '')}>", viewer)
    if kind == "user":
        return to_html(f"<@{element.get('user_id', '')}>", viewer)
    if kind == "channel":
        return to_html(f"<#{element.get('channel_id', '')}>", viewer)
    if kind == "emoji":
        return plain(f":{element.get('name', '')}:")
    return unknown("element", element)


_BLOCKS = {
    "section": _section, "header": _header, "divider": _divider, "context": _context, "actions": _actions,
    "input": _input, "image": _image_block, "rich_text": _rich_text,
}


# ---- elements -----------------------------------------------------------------------------


def render_element(element: dict, block: dict, surface: Surface, *, input_of: tuple | None = None) -> Markup:
    """One element of `block`. `input_of` (label, described-by ids) when it is an input block's element."""
    drawer = _ELEMENTS.get(element.get("type") or "")
    if drawer is None:
        return unknown("element", element)
    return drawer(_Element(element, block, surface, input_of))


@dataclass
class _Element:
    element: dict
    block: dict
    surface: Surface
    input_of: tuple | None

    @property
    def block_id(self) -> str:
        return self.block.get("block_id", "")

    @property
    def action_id(self) -> str:
        return self.element.get("action_id", "")

    @property
    def name(self) -> str:
        return field_name(self.block_id, self.action_id)

    @property
    def holds_state(self) -> bool:
        """In a modal's input block the element keeps what is chosen until submit; elsewhere (and
        with dispatch_action) a change is an action at once."""
        return self.surface.modal and self.input_of is not None and not self.block.get("dispatch_action")

    def state(self) -> dict | None:
        return ((self.surface.values or {}).get(self.block_id) or {}).get(self.action_id)

    def attributes(self, *, label: str | None = None) -> Markup:
        """name/id and the accessible name; the request it makes when it acts on change."""
        out = Markup(' name="{}"').format(self.name)
        if self.input_of is not None:
            out += Markup(' id="{}"').format(field_id(self.block_id, self.action_id))
            if self.input_of[1]:
                out += Markup(' aria-describedby="{}"').format(self.input_of[1])
            if self.block_id in self.surface.errors:
                out += Markup(' aria-invalid="true"')
        elif label:
            out += Markup(' aria-label="{}"').format(label)
        if not self.holds_state:
            out += Markup(" hx-post=\"/act\" hx-trigger=\"change\" hx-vals='{}'").format(json.dumps({"act": self.name}))
        return out


def _confirm(element: dict) -> Markup:
    confirm = element.get("confirm")
    if not isinstance(confirm, dict):
        return Markup("")
    question = " — ".join(filter(None, [plain_of(confirm.get("title")), plain_of(confirm.get("text"))]))
    return Markup(' hx-confirm="{}"').format(question)


def _button(e: _Element) -> Markup:
    el = e.element
    style = {"primary": " primary", "danger": " danger"}.get(el.get("style") or "", "")
    text = plain(plain_of(el.get("text")))
    url = el.get("url")
    if isinstance(url, str) and url.startswith(_SAFE_SRC):
        return Markup('<a class="btn{}" href="{}" target="_blank" rel="noopener noreferrer">{}</a>').format(style, url, text)
    vals = json.dumps({"act": e.name, "value": el.get("value", "")})
    return Markup("<button type=\"button\" class=\"btn{}\" hx-post=\"/act\" hx-vals='{}'{}>{}</button>").format(style, vals, _confirm(el), text)


def _options(element: dict) -> list[dict]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found += group.get("options") or []
    return found


def _option_list(options: list[dict], chosen: set[str], placeholder: str | None) -> Markup:
    out = Markup('<option value="">{}</option>').format(placeholder) if placeholder is not None else Markup("")
    for option in options:
        value = option.get("value", "")
        # An <option> holds text only: its emoji stay characters.
        out += Markup("<option value=\"{}\"{}>{}</option>").format(value, Markup(" selected") if value in chosen else Markup(""), emoji(plain_of(option.get("text"))))
    return out


def _chosen_values(e: _Element, state_keys: tuple[str, ...], initial_keys: tuple[str, ...]) -> set[str]:
    state = e.state()
    if state is not None:
        found: set[str] = set()
        for key in state_keys:
            value = state.get(key)
            items = value if isinstance(value, list) else [value]
            found |= {item.get("value") if isinstance(item, dict) else item for item in items if item}
        return found
    found = set()
    for key in initial_keys:
        value = e.element.get(key)
        items = value if isinstance(value, list) else [value]
        found |= {item.get("value") if isinstance(item, dict) else item for item in items if item}
    return found


def _select(e: _Element, options: list[dict], chosen: set[str], *, multiple: bool) -> Markup:
    placeholder = plain_of(e.element.get("placeholder")) or "Choose…"
    label = e.input_of[0] if e.input_of else placeholder
    return Markup("<select{}{}>{}</select>").format(
        Markup(" multiple") if multiple else Markup(""),
        e.attributes(label=str(label)),
        _option_list(options, chosen, None if multiple else placeholder),
    )


def _static_select(e: _Element) -> Markup:
    multiple = e.element.get("type") == "multi_static_select"
    chosen = _chosen_values(e, ("selected_option", "selected_options"), ("initial_option", "initial_options"))
    return _select(e, _options(e.element), chosen, multiple=multiple)


def _named_options(names: dict[str, str]) -> list[dict]:
    return [{"value": key, "text": {"type": "plain_text", "text": name}} for key, name in sorted(names.items(), key=lambda kv: kv[1].lower())]


def _users_select(e: _Element) -> Markup:
    multiple = e.element.get("type") == "multi_users_select"
    chosen = _chosen_values(e, ("selected_user", "selected_users"), ("initial_user", "initial_users"))
    return _select(e, _named_options(e.surface.viewer.users), chosen, multiple=multiple)


def _conversations_select(e: _Element) -> Markup:
    kind = e.element.get("type") or ""
    multiple = kind.startswith("multi_")
    chosen = _chosen_values(
        e, ("selected_conversation", "selected_conversations", "selected_channel", "selected_channels"),
        ("initial_conversation", "initial_conversations", "initial_channel", "initial_channels"),
    )
    names = {cid: f"#{name}" for cid, name in e.surface.viewer.channels.items()}
    return _select(e, _named_options(names), chosen, multiple=multiple)


def _overflow(e: _Element) -> Markup:
    items = Markup("")
    for option in _options(e.element):
        vals = json.dumps({"act": e.name, "value": option.get("value", "")})
        items += Markup("<li><button type=\"button\" hx-post=\"/act\" hx-vals='{}'{}>{}</button></li>").format(vals, _confirm(e.element), plain(plain_of(option.get("text"))))
    return Markup('<details class="overflow"><summary aria-label="More options">⋯</summary><ul>{}</ul></details>').format(items)


def _text_input(e: _Element) -> Markup:
    el = e.element
    state = e.state()
    value = state.get("value") if state is not None else el.get("initial_value")
    placeholder = Markup(' placeholder="{}"').format(plain_of(el.get("placeholder"))) if el.get("placeholder") else Markup("")
    limits = Markup("")
    if el.get("max_length"):
        limits += Markup(' maxlength="{}"').format(int(el["max_length"]))
    required = Markup(" required") if e.input_of is not None and not e.block.get("optional") else Markup("")
    label = e.input_of[0] if e.input_of else plain_of(el.get("placeholder")) or "Text"
    if el.get("type") == "plain_text_input" and el.get("multiline"):
        return Markup("<textarea rows=\"4\"{}{}{}{}>{}</textarea>").format(e.attributes(label=str(label)), placeholder, limits, required, value or "")
    kind = {"number_input": "number", "url_text_input": "url", "email_text_input": "email"}.get(el.get("type"), "text")
    if kind == "number":
        limits += Markup(' step="{}"').format("any" if el.get("is_decimal_allowed") else "1")
        for key, attr in (("min_value", "min"), ("max_value", "max")):
            if el.get(key) is not None:
                limits += Markup(' {}="{}"').format(Markup(attr), el[key])
    return Markup('<input type="{}"{} value="{}"{}{}{}>').format(kind, e.attributes(label=str(label)), value or "", placeholder, limits, required)


def _picker(e: _Element) -> Markup:
    el, state = e.element, e.state()
    kind = el.get("type")
    if kind == "datepicker":
        value, html_type = (state or {}).get("selected_date") if state is not None else el.get("initial_date"), "date"
    elif kind == "timepicker":
        value, html_type = (state or {}).get("selected_time") if state is not None else el.get("initial_time"), "time"
    else:
        seconds = (state or {}).get("selected_date_time") if state is not None else el.get("initial_date_time")
        value, html_type = local_datetime(seconds, e.surface.viewer.tz), "datetime-local"
    label = e.input_of[0] if e.input_of else plain_of(el.get("placeholder")) or {"date": "Pick a date", "time": "Pick a time"}.get(html_type, "Pick a date and time")
    required = Markup(" required") if e.input_of is not None and not e.block.get("optional") else Markup("")
    return Markup('<input type="{}"{} value="{}"{}>').format(html_type, e.attributes(label=str(label)), value or "", required)


def local_datetime(seconds, tz: str) -> str | None:
    if seconds in (None, ""):
        return None
    moment = datetime.fromtimestamp(int(seconds), timezone.utc).astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%dT%H:%M")


def _choices(e: _Element) -> Markup:
    el = e.element
    radio = el.get("type") == "radio_buttons"
    chosen = _chosen_values(e, ("selected_option", "selected_options"), ("initial_option", "initial_options"))
    rows = Markup("")
    for index, option in enumerate(_options(el)):
        option_id = f"{field_id(e.block_id, e.action_id)}-{index}"
        description = Markup(' <span class="description">{}</span>').format(text_of(option["description"], e.surface.viewer)) if option.get("description") else Markup("")
        rows += Markup('<div class="choice"><input type="{}" id="{}" name="{}" value="{}"{}{}><label for="{}">{}{}</label></div>').format(
            "radio" if radio else "checkbox", option_id, e.name, option.get("value", ""),
            Markup(" checked") if option.get("value") in chosen else Markup(""),
            Markup("") if e.holds_state else Markup(" hx-post=\"/act\" hx-trigger=\"change\" hx-vals='{}'").format(json.dumps({"act": e.name})),
            option_id, text_of(option.get("text"), e.surface.viewer), description,
        )
    legend = e.input_of[0] if e.input_of else ("Choose one" if radio else "Choose")
    optional = Markup(' <span class="optional">(optional)</span>') if e.input_of and e.block.get("optional") else Markup("")
    described = Markup(' aria-describedby="{}"').format(e.input_of[1]) if e.input_of and e.input_of[1] else Markup("")
    return Markup('<fieldset class="choices"{}><legend>{}{}</legend>{}</fieldset>').format(described, legend, optional, rows)


def _image_element(element: dict, block: dict | _Element, surface: Surface | None = None) -> Markup:
    if isinstance(element, _Element):
        element = element.element
    src = element.get("image_url") or ""
    if not src.startswith(_SAFE_SRC):
        return Markup('<span class="image-missing">[image: {}]</span>').format(element.get("alt_text", ""))
    return Markup('<img src="{}" alt="{}" loading="lazy" referrerpolicy="no-referrer">').format(src, element.get("alt_text", ""))


_GROUPED = {"checkboxes", "radio_buttons"}
_ELEMENTS = {
    "button": _button,
    "static_select": _static_select, "multi_static_select": _static_select,
    "users_select": _users_select, "multi_users_select": _users_select,
    "conversations_select": _conversations_select, "multi_conversations_select": _conversations_select,
    "channels_select": _conversations_select, "multi_channels_select": _conversations_select,
    "overflow": _overflow,
    "plain_text_input": _text_input, "number_input": _text_input, "url_text_input": _text_input, "email_text_input": _text_input,
    "datepicker": _picker, "timepicker": _picker, "datetimepicker": _picker,
    "checkboxes": _choices, "radio_buttons": _choices,
    "image": lambda e: _image_element(e.element, e.block),
}


# ---- reading a submitted form back into Slack's state.values ---------------------------------


def state_values(blocks, form: dict[str, list[str]], tz: str) -> dict:
    """Slack's `view.state.values` for a modal's input blocks, from the submitted form fields."""
    values: dict[str, dict] = {}
    for block in blocks or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or not element.get("action_id"):
            continue
        name = field_name(block.get("block_id", ""), element["action_id"])
        values.setdefault(block.get("block_id", ""), {})[element["action_id"]] = element_state(element, form.get(name) or [], tz)
    return values


def element_state(element: dict, sent: list[str], tz: str) -> dict:
    """One element's state, as Slack reports it, from what the browser sent for it."""
    kind = element.get("type") or ""
    first = next((value for value in sent if value != ""), None)
    state: dict = {"type": kind}
    if kind in ("static_select", "radio_buttons"):
        state["selected_option"] = _option_for(element, first)
    elif kind in ("multi_static_select", "checkboxes"):
        state["selected_options"] = [option for option in _options(element) if option.get("value") in sent]
    elif kind in ("users_select", "conversations_select", "channels_select"):
        state[{"users_select": "selected_user", "conversations_select": "selected_conversation", "channels_select": "selected_channel"}[kind]] = first
    elif kind.startswith("multi_") and kind.endswith("_select"):
        state["selected_" + kind[len("multi_"):-len("_select")]] = [value for value in sent if value]
    elif kind == "datepicker":
        state["selected_date"] = first
    elif kind == "timepicker":
        state["selected_time"] = first
    elif kind == "datetimepicker":
        state["selected_date_time"] = _epoch(first, tz)
    else:
        state["value"] = first
    return state


def _option_for(element: dict, value: str | None) -> dict | None:
    return next((option for option in _options(element) if option.get("value") == value), None) if value else None


def _epoch(local: str | None, tz: str) -> int | None:
    if not local:
        return None
    try:
        return int(datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz)).timestamp())
    except ValueError:
        return None


def find_element(blocks, block_id: str, action_id: str) -> dict | None:
    """The interactive element `action_id` of block `block_id`."""
    for block in blocks or []:
        if block.get("block_id") != block_id:
            continue
        candidates = list(block.get("elements") or []) + [block.get(key) for key in ("accessory", "element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def initial_fields(blocks, tz: str) -> dict[str, list[str]]:
    """The form fields a modal's inputs start with (what a browser would send untouched)."""
    fields: dict[str, list[str]] = {}
    for block in blocks or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or not element.get("action_id"):
            continue
        found: list[str] = []
        for key, item in element.items():
            if not key.startswith("initial_") or item in (None, ""):
                continue
            items = item if isinstance(item, list) else [item]
            found += [str(one.get("value") if isinstance(one, dict) else one) for one in items]
        if element.get("type") == "datetimepicker" and found:
            found = [local_datetime(found[0], tz) or ""]
        fields[field_name(block.get("block_id", ""), element["action_id"])] = found
    return fields
