"""A page with only the drawing canvas, for tests/browser/test_drawing_browser.py.

Writes the number of points drawn, and with ``?initial=<link text>`` starts from that drawing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the app's folder: dde_app, dde_core

from dde_app.drawing import check_drawing, draw_points, drawing_from_query, drawing_to_query  # noqa: E402
from dde_core.errors import InputError  # noqa: E402

BOX = (-4.0, 4.0)

initial = None
if "initial" in st.query_params:
    try:
        initial = drawing_from_query(st.query_params["initial"], BOX)
    except InputError as error:
        st.error(str(error))
points = draw_points("drawing", BOX, initial_points=initial)
count = 0 if points is None else len(points)
st.markdown(f"Points drawn: **{count}**")
st.code(drawing_to_query(points) if points is not None else "", language=None)
try:
    check_drawing(points)
    st.success("A data set a model can train on.")
except InputError as error:
    st.warning(str(error))
