"""This browser session's playground, found again after a reload (a helper module, not a page).

``playground()`` is the session's ``PlaygroundSession``, made on first use and kept
in the server's ``ResumeStore`` under a private key (dde_app/resume.py).
``keep_across_reloads()`` runs before every page: it hands the tab its key to keep
(assets/resume_key.js), and when a reloaded tab offers an older key, takes that
playground back, with its settings shown in the controls.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dde_app.resume import resume_store
from dde_app.session import PlaygroundSession, streamlit_connection
from dde_app.widget_state import show_model_settings

__all__ = ["playground", "keep_across_reloads"]

_resume_key = st.components.v2.component(
    "dde_resume_key", js=(Path(__file__).resolve().parents[1] / "assets" / "resume_key.js").read_text()
)


def playground() -> PlaygroundSession:
    """This session's playground (made, and kept for reloads, on first use)."""
    state = st.session_state
    if "playground" not in state:
        state.playground = PlaygroundSession(is_connected=streamlit_connection())
        state.resume_key = resume_store().keep(state.playground)
    return state.playground


def keep_across_reloads() -> None:
    """Give the tab this session's key; take back the playground of a key the tab offers."""
    state = st.session_state
    offered = _resume_key(key="dde_resume", data={"key": state.get("resume_key", "")}, on_claim_change=_no_op).claim
    if offered and offered != state.get("resume_key"):
        claimed = resume_store().claim(offered, streamlit_connection())
        if claimed is not None:
            if "resume_key" in state:
                resume_store().forget(state.resume_key)
            state.playground, state.resume_key = claimed, offered
            if claimed.experiment is not None:
                show_model_settings(claimed.experiment.config, claimed.steps_per_frame)
            st.rerun()
    elif "playground" in state:
        state.playground.reconnect()  # a dropped connection that came back


def _no_op() -> None:
    """The claim is read from the component's result during the run it starts."""
