"""Widget values that survive leaving a page and coming back (a helper module, not a page).

Streamlit deletes the value of every widget that the current run does not draw, so
after a visit to another page the Playground's controls were gone (and reading one
raised ``AttributeError``). Each kept control is drawn with ``persist_state=KEEP``
("session": Streamlit keeps its value for the whole session, across page switches, and
restores it when the widget is drawn again). A page declares its controls' defaults with
``remember`` and draws the widgets by key only, never with ``value=``/``index=``/
``default=`` (a default given twice, in the call and in the state, is an error).

Buttons and file uploaders cannot be kept this way: never ``remember`` their keys.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

__all__ = ["KEEP", "remember"]

KEEP = "session"  # persist_state of every control whose value survives page switches


def remember(defaults: Mapping[str, object]) -> None:
    """Give each widget key its default the first time this session sees it."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
