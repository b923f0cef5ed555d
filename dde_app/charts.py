"""How the pages draw Plotly figures (a helper module, not a page).

``chart(figure, key)`` draws with ``st.plotly_chart``; ``live_chart(figure, key)`` is
for figures that change several times a second. ``st.plotly_chart`` identifies a
chart by its figure, so each new frame becomes a new element and the browser builds
the chart from scratch; on the 2-core machine that alone held the live view below
5 redraws/s (bench/RESULTS.md §4). A live chart is a small Streamlit component
(assets/live_chart.js) that keeps one chart per key and updates it in place with
``Plotly.react``, which redraws only what changed.

Both paths draw the same figure the same way: Streamlit's own chart theme is left
out (``theme=None``) and the figures carry their style (dde_viz.figures.app_style).

The component uses the plotly.js that Streamlit's charts load into the page; on a
page without one it loads the installed plotly package's copy, which
``publish_plotly_js`` puts in the app's static folder (served at ``app/static/``).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io
import streamlit as st

APP_DIR = Path(__file__).resolve().parents[1]
STATIC_PLOTLY = APP_DIR / "static" / "plotly.min.js"
_live_chart = st.components.v2.component(
    "dde_live_chart", js=(APP_DIR / "assets" / "live_chart.js").read_text(), isolate_styles=False
)


def publish_plotly_js(target: Path = STATIC_PLOTLY) -> Path | None:
    """Copy the plotly package's plotly.min.js to ``target`` unless an identical copy is there.

    Returns None (and the app runs without the fallback) when the folder is not writable.
    """
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    try:
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    except OSError as error:
        logging.getLogger(__name__).warning("plotly.js fallback for live charts not available: %s", error)
        return None
    return target


def _inside(where):
    return where if where is not None else contextlib.nullcontext()


def chart(figure: go.Figure, key: str, *, where=None, **plotly_chart_args) -> None:
    """Draw ``figure`` with ``st.plotly_chart`` in ``where`` (a column or container; default: the page)."""
    with _inside(where):
        st.plotly_chart(figure, key=key, theme=None, **plotly_chart_args)


def live_chart(
    figure: go.Figure, key: str, *, poll: str | None = None, after: int = -1, every: float | None = None, where=None
) -> None:
    """Draw ``figure``, updating the chart drawn under the same ``key`` in place.

    With ``poll`` (a route path, see live_view.py), the chart then fetches newer
    frames itself every ``every`` seconds: those after step ``after``.
    """
    if poll is not None and not (every and every > 0):
        raise ValueError("A polling live chart needs `every`, seconds between requests, above 0.")
    data = {"figure": plotly.io.to_json(figure, validate=False), "poll": poll, "after": after, "every": every}
    with _inside(where):
        _live_chart(key=key, data=data)
