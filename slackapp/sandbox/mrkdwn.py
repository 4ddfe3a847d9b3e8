"""Slack's mrkdwn as HTML, the way Slack's own client shows it to one viewer.

Everything in a message is user content: text is HTML-escaped before any markup is added, and links
keep only http(s) and mailto targets. Mentions show names, `<!date^…>` the viewer's own time zone.
Emoji are pictures shipped in static/emoji/ (Twemoji, CC BY 4.0), as Slack draws them: a machine
without a colour emoji font would show ✅, 🤔 and ❌ as the same empty box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

EMOJI = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "thinking_face": "🤔", "x": "❌", "warning": "⚠️",
    "no_entry": "⛔", "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "alarm_clock": "⏰", "wave": "👋",
    "tada": "🎉", "round_pushpin": "📍", "pushpin": "📌", "raised_hand": "✋", "raising_hand": "🙋",
    "memory": "📝", "memo": "📝", "incoming_envelope": "📨", "envelope": "✉️", "fire": "🔥", "calendar": "📆",
    "date": "📅", "spiral_calendar_pad": "🗓️", "briefcase": "💼", "+1": "👍", "thumbsup": "👍", "-1": "👎",
    "thumbsdown": "👎", "eyes": "👀", "star": "⭐", "sparkles": "✨", "rocket": "🚀", "heart": "❤️",
    "link": "🔗", "mag": "🔍", "bell": "🔔", "moneybag": "💰", "house": "🏠", "books": "📚", "clap": "👏",
    "raised_hands": "🙌", "100": "💯", "smile": "😄", "slightly_smiling_face": "🙂", "information_source": "ℹ️",
    "bulb": "💡", "page_facing_up": "📄", "inbox_tray": "📥", "chart_with_upwards_trend": "📈", "seedling": "🌱",
    "mortar_board": "🎓", "paperclip": "📎", "heavy_multiplication_x": "✖️",
}
EMOJI_URL = "/static/emoji/{}.svg"
# Each emoji character (its variation selector aside) -> its picture's file name: its code points.
EMOJI_FILES = {shown.rstrip("\ufe0f"): "-".join(f"{ord(c):x}" for c in shown.rstrip("\ufe0f")) for shown in EMOJI.values()}

_TOKEN = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDERS = re.compile(r"\x00(\d+)\x00")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# Slack's rule: a marker opens after a non-word character and closes before one.
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "del"),
)
_CODE_BLOCK = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_PICTURED = re.compile("(" + "|".join(re.escape(shown) for shown in sorted(EMOJI_FILES, key=len, reverse=True)) + ")\ufe0f?")


@dataclass(frozen=True)
class Viewer:
    """Who reads, and what the text may name: user and channel names, the viewer's zone, now."""

    tz: str = "UTC"
    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def user_name(self, user_id: str) -> str:
        return self.users.get(user_id, user_id)

    def channel_name(self, channel_id: str) -> str:
        return self.channels.get(channel_id, channel_id.lower())


def unescape_slack(text: str) -> str:
    """Slack's three escapes, undone: the text is escaped again for HTML afterwards."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    """`:name:` as its character: for what can hold no picture (an <option>, an attribute)."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def picture(shown: str) -> Markup:
    """One emoji character as its picture; the alt text is the character, so it reads and copies as one."""
    return Markup('<img class="emoji" src="{}" alt="{}" draggable="false">').format(EMOJI_URL.format(EMOJI_FILES[shown]), shown)


def pictured(text: str) -> Markup:
    """Text, escaped, with every emoji in it (`:name:` or the character itself) drawn as a picture."""
    text = emoji(text or "")
    parts, done = [], 0
    for found in _PICTURED.finditer(text):
        parts += [escape(text[done:found.start()]), picture(found.group(1))]
        done = found.end()
    return Markup("").join([*parts, escape(text[done:])])


def plain(text: str) -> Markup:
    """plain_text: escaped, with :emoji: shown."""
    return pictured(text)


def to_html(text: str, viewer: Viewer) -> Markup:
    """mrkdwn -> HTML. Code blocks, links, mentions and dates are set aside first (they may sit
    inside *bold*), the rest is escaped and styled, and the set-aside parts are put back."""
    aside: list[str] = []

    def set_aside(html: str) -> str:
        aside.append(html)
        return _PLACEHOLDER.format(len(aside) - 1)

    text = _CODE_BLOCK.sub(lambda m: set_aside(f"<pre>{escape(unescape_slack(m.group(1)).strip(chr(10)))}</pre>"), text or "")
    text = _TOKEN.sub(lambda m: set_aside(_token(m.group(1), viewer)), text)
    html = str(escape(emoji(unescape_slack(text))))
    html = _PICTURED.sub(lambda m: set_aside(picture(m.group(1))), html)  # aside, so no style marker reaches inside a picture
    html = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html)
    for pattern, tag in _STYLES:
        html = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", html)
    html = _quotes(html).replace("\n", "<br>")
    return Markup(_PLACEHOLDERS.sub(lambda m: aside[int(m.group(1))], html))


def _quotes(html: str) -> str:
    lines, out, quoted = html.split("\n"), [], []
    for line in lines:
        if line.startswith("&gt; ") or line == "&gt;":
            quoted.append(line[5:])
            continue
        if quoted:
            out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
            quoted = []
        out.append(line)
    if quoted:
        out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
    return "\n".join(out)


def _token(inner: str, viewer: Viewer) -> str:
    """One `<…>`: a mention, a channel, a special mention, a date or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        name = viewer.users.get(target[1:]) or label or target[1:]
        return f'<span class="mention">@{escape(name)}</span>'
    if target.startswith("#"):
        name = viewer.channels.get(target[1:]) or label or target[1:].lower()
        return f'<span class="mention">#{escape(name)}</span>'
    if target.startswith("!date^"):
        return str(escape(date_text(target, label, viewer)))
    if target.startswith("!subteam^"):
        return f'<span class="mention">{escape(label or "@team")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{escape(target[1:].split("^")[0])}</span>'
    url = unescape_slack(target)
    shown = unescape_slack(label) if label else url
    if not _SAFE_URL.match(url):
        return str(pictured(shown))
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{pictured(shown)}</a>'


def date_text(target: str, fallback: str, viewer: Viewer) -> str:
    """`!date^1700000000^{date_short} at {time}` in the viewer's zone (the fallback when malformed)."""
    parts = target.split("^")
    if len(parts) < 3 or not parts[1].lstrip("-").isdigit():
        return unescape_slack(fallback)
    zone = ZoneInfo(viewer.tz)
    moment = datetime.fromtimestamp(int(parts[1]), timezone.utc).astimezone(zone)
    today = viewer.now.astimezone(zone).date()
    return re.sub(r"\{(\w+)\}", lambda m: _date_part(m.group(1), moment, today, viewer.now) or m.group(0), unescape_slack(parts[2]))


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date_part(token: str, moment: datetime, today, now: datetime) -> str | None:
    day = moment.date()
    relative = {today: "today", today - timedelta(days=1): "yesterday", today + timedelta(days=1): "tomorrow"}.get(day)
    long = f"{moment:%A}, {moment:%B} {_ordinal(day.day)}, {day.year}"
    plain_date = f"{moment:%B} {_ordinal(day.day)}, {day.year}"
    short = f"{moment:%b} {day.day}, {day.year}"
    hour = moment.hour % 12 or 12
    parts = {
        "date_num": day.isoformat(),
        "date": plain_date,
        "date_short": short,
        "date_long": long,
        "date_pretty": (relative or plain_date).capitalize() if relative else plain_date,
        "date_short_pretty": relative.capitalize() if relative else short,
        "date_long_pretty": relative.capitalize() if relative else long,
        "time": f"{hour}:{moment:%M} {moment:%p}",
        "time_secs": f"{hour}:{moment:%M:%S} {moment:%p}",
        "ago": _ago(moment, now),
    }
    return parts.get(token)


def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    later, seconds = seconds < 0, abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if later else f"{words} ago"
    return "just now"
