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
from dataclasses import replace

import streamlit as st

from dde_app.sharing import Setup
from dde_core.config import Config
from dde_core.settings import SETTINGS

__all__ = [
    "KEEP",
    "SETTING_WIDGETS",
    "UPLOAD",
    "DRAW",
    "DRAWN",
    "drawing",
    "kept_for",
    "remember",
    "show_setup",
    "show_model_settings",
]

KEEP = "session"  # persist_state of every control whose value survives page switches
SETTING_WIDGETS = {f"w_{setting.key}": setting for setting in SETTINGS}  # session-state key -> setting
UPLOAD = "Your own CSV…"  # the data choice of an uploaded file
DRAW = "Draw your own…"  # the data choice of points drawn on the canvas (dde_app/drawing.py)
DRAWN = "Your drawing (from the Playground)"  # the same points, as the other pages offer them


def remember(defaults: Mapping[str, object]) -> None:
    """Give each widget key its default the first time this session sees it."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def show_setup(setup: Setup) -> None:
    """Set every settings control to ``setup``'s value."""
    for key, setting in SETTING_WIDGETS.items():
        st.session_state[key] = setup.value(setting.field)


def show_model_settings(config: Config, steps_per_frame: int) -> None:
    """Set the controls to a model's settings (an uploaded file's or a drawing's model: the
    data choice is the upload or the drawing, the toy controls keep the default toy)."""
    own_data = UPLOAD if config.dataset.startswith("csv:") else DRAW if config.dataset.startswith("drawn") else None
    if own_data is not None:
        show_setup(Setup(replace(config, dataset=Config().dataset), steps_per_frame))
        st.session_state.w_dist = own_data
    else:
        show_setup(Setup(config, steps_per_frame))


def drawing():
    """The points (n, 2) this session drew on the Playground's canvas (checked), or None."""
    return st.session_state.get("drawing")


def kept_for(key: str, inputs: tuple, make):
    """``make()`` once per ``inputs``: a one-entry cache in the session under ``key``, so that
    reruns of a page reuse what it computed (a parsed file, a detection) instead of redoing it."""
    state = st.session_state
    entry = state.get(key)
    if entry is None or entry[0] != inputs:
        entry = state[key] = (inputs, make())
    return entry[1]
