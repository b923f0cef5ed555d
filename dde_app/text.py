"""Showing text that came from outside (a link, a file name) as plain text in Markdown.

Streamlit renders ``st.warning``/``st.error`` bodies as Markdown, where a link's
parameter name such as ``[Click here](http://…)`` or ``:red[…]`` would become a live
link or styled text. ``plain`` backslash-escapes the marks that make links, images,
styled or coloured text, icons, code, maths and HTML, so the text shows as written;
and it puts an invisible word joiner (U+2060) into every ``://``, ``www.`` and ``@``,
so that a bare address is not turned into a link either (GitHub-flavoured Markdown
links ``http://…``, ``www.…`` and e-mail addresses by themselves).
"""

from __future__ import annotations

import re

__all__ = ["plain"]

_MARKDOWN_MARKS = re.compile(r"([\\`*\[\]()<>!~:$|])")
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """``text`` with Markdown's active marks escaped, so it renders as written."""
    return _MARKDOWN_MARKS.sub(r"\\\1", _AUTOLINK_STARTS.sub(WORD_JOINER, text))
