"""Small page tools for teaching: "Copy link", keyboard shortcuts, lecture mode (not a page).

- ``copy_link_button``: copies the page's URL, which carries its settings
  (assets/copy_link.js);
- ``keyboard_shortcuts``: space plays or pauses, → trains one step, r resets, by pressing
  the page's own buttons (assets/shortcuts.js);
- ``lecture_style``: larger text and panels for a projector, the sidebar folded away.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

__all__ = ["SHORTCUTS_TEXT", "copy_link_button", "keyboard_shortcuts", "lecture_style"]

_ASSETS = Path(__file__).resolve().parents[1] / "assets"
_copy_link = st.components.v2.component(
    "dde_copy_link",
    js=(_ASSETS / "copy_link.js").read_text(),
    css=".dde-copy-link { font: inherit; padding: 0.35rem 0.8rem; border: 1px solid rgba(49, 51, 63, 0.2);"
    " border-radius: 0.5rem; background: white; cursor: pointer; }"
    ".dde-copy-link:hover { border-color: #3b5bdb; color: #3b5bdb; }"
    ".dde-copy-link-fallback { margin-left: 0.5rem; width: 24rem; }",
)
_shortcuts = st.components.v2.component("dde_shortcuts", js=(_ASSETS / "shortcuts.js").read_text())

SHORTCUTS_TEXT = "Keys: **space** play / pause · **→** one step · **r** reset"

# Lecture mode: everything larger for a projector; the sidebar (the controls) folded away.
_LECTURE_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
  [data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
  [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.35rem; }
  [data-testid="stMetricValue"] { font-size: 3rem; }
  [data-testid="stMetricLabel"] p { font-size: 1.2rem; }
  h1 { font-size: 3.2rem; }
  [data-testid="stButton"] button { font-size: 1.3rem; padding: 0.6rem 1rem; }
</style>
"""


def copy_link_button(key: str, label: str = "Copy link") -> None:
    """A button that copies the page's shareable URL to the clipboard."""
    _copy_link(key=key, data={"label": label})


def keyboard_shortcuts() -> None:
    """Install the page's keyboard shortcuts (once per browser tab)."""
    _shortcuts(key="dde_shortcuts")


def lecture_style() -> None:
    """Larger text and panels, controls folded away (call on each run while lecture mode is on)."""
    st.html(_LECTURE_CSS)
