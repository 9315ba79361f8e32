"""Note text: hashtags and mentions, parsed Unicode-aware and rendered safely. No Flask here
except Markup for the rendered result."""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

# \w is Unicode-aware: "#露營" and "#iPhone15" are tags, also straight after Chinese text ("還有#露營");
# CJK punctuation ends a tag; "a#b", "&#39;" and URL fragments are not tags.
HASHTAG_RE = re.compile(r"(?<![A-Za-z0-9_&/])#(\w{1,20})")
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@.])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")
TOKEN_RE = re.compile(f"{HASHTAG_RE.pattern}|{MENTION_RE.pattern}")


def normalize_tag(raw: str) -> str:
    """'＃露營 ' → '露營', 'ＹＳＬ' → 'ysl': NFKC folds full-width forms, casefold folds case."""
    tag = unicodedata.normalize("NFKC", raw or "").strip().lstrip("#").strip()
    return tag.casefold()


def hashtags(body: str) -> list[str]:
    return _unique(normalize_tag(match) for match in HASHTAG_RE.findall(unicodedata.normalize("NFKC", body or "")))


def mentions(body: str) -> list[str]:
    return _unique(name.lower() for name in MENTION_RE.findall(body or ""))


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def render(body: str, tag_url, user_url) -> Markup:
    """Escape the body, then turn #tags and @mentions into links; newlines become <br>."""
    out: list[str] = []
    position = 0
    for match in TOKEN_RE.finditer(body or ""):
        out.append(str(escape(body[position:match.start()])))
        tag, username = match.group(1), match.group(2)
        if tag:
            href = escape(tag_url(normalize_tag(tag)))
            out.append(f'<a class="hashtag" href="{href}">#{escape(tag)}</a>')
        else:
            href = escape(user_url(username))
            out.append(f'<a class="mention" href="{href}">@{escape(username)}</a>')
        position = match.end()
    out.append(str(escape((body or "")[position:])))
    html = "".join(out).replace("\n", "<br>\n")
    return Markup(html)  # noqa: S704  # nosec B704  # every piece was escaped above
