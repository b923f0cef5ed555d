"""Widget values that survive leaving a page and coming back (a helper module, not a page).

Streamlit deletes the value of every widget that the current run does not draw, so
after a visit to another page the Playground's controls were gone (and reading one
raised ``AttributeError``). A page declares its controls' defaults with ``remember``
and draws the widgets by key only, never with ``value=``/``index=``/``default=``;
navigation.py calls ``keep_all`` before every page, which assigns each remembered key
to itself: a value set through ``st.session_state`` is kept whether or not its widget
is drawn (the workaround Streamlit documents for multipage apps).

Buttons and file uploaders cannot be assigned: never ``remember`` their keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

__all__ = ["remember", "keep", "keep_all"]

_KEPT = "_kept_widget_keys"


def keep(keys: Iterable[str]) -> None:
    """Keep the values of these widget keys across pages (they must already be set)."""
    st.session_state.setdefault(_KEPT, set()).update(keys)


def remember(defaults: Mapping[str, object]) -> None:
    """Give each widget key its default on first use, and keep its value across pages."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    keep(defaults)


def keep_all() -> None:
    """Re-assign every kept key so that this run does not delete it (call before each page)."""
    state = st.session_state
    for key in state.get(_KEPT, ()):
        if key in state:
            state[key] = state[key]
