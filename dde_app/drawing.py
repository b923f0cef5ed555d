"""Data a person draws by hand (a helper module, not a page).

``draw_points(key, box)`` shows a canvas (assets/draw_points.js) on which a person paints
points with a brush (radius and density set on the canvas), adds single points by clicking,
erases, undoes and clears; it returns the drawing as an array of shape (n, 2) in data units,
each coordinate rounded to 3 decimals. The drawing is a data set like any other:
``check_drawing`` refuses one that cannot be modelled (too few points, all in one spot) with
the messages the CSV path gives, and ``drawing_csv`` writes it as a CSV file.

A drawing travels in a link when it has at most ``MAX_URL_POINTS`` points. ``drawing_to_query``
writes it as base64url (no padding) of little-endian int16 pairs (x, y) in thousandths of a
data unit, so a drawn point (3 decimals) comes back exactly: 4 bytes, 5⅓ characters, a point.
``MAX_URL_POINTS`` = 250 points is at most ``MAX_URL_CHARS`` = 1,334 characters, which keeps
a whole link, with the setup's other parameters (about 100 characters), under 2,000.
Coordinates must lie within ±32.767 to travel.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from dde_core.errors import InputError
from dde_core.validation import check_points, check_spread

__all__ = [
    "MAX_URL_POINTS",
    "MAX_URL_CHARS",
    "MAX_DRAWN_POINTS",
    "MIN_DRAWN_POINTS",
    "draw_points",
    "drawing_to_query",
    "drawing_from_query",
    "check_drawing",
    "drawing_csv",
]

MAX_URL_POINTS = 250
"""Most points of a drawing that travels in a link (``drawing_to_query``)."""

_BYTES_PER_POINT = 4  # two int16
_UNITS_PER_DATA_UNIT = 1000  # coordinates travel in thousandths
_LARGEST_COORDINATE = np.iinfo(np.int16).max / _UNITS_PER_DATA_UNIT  # 32.767
MAX_URL_CHARS = math.ceil(MAX_URL_POINTS * _BYTES_PER_POINT * 4 / 3)
"""Longest drawing text a link may hold: 1,334 characters."""

MAX_DRAWN_POINTS = 5_000
"""Most points one drawing may have (the canvas stops adding points there)."""

MIN_DRAWN_POINTS = 2
"""Fewest points a drawing needs: what a model (``Experiment``) and ``load_csv`` need."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_COLUMNS = ("x", "y")

_draw = st.components.v2.component(
    "dde_draw_points", js=(Path(__file__).resolve().parents[1] / "assets" / "draw_points.js").read_text()
)


def _rounded(points: Any) -> np.ndarray:
    """``points`` as float64 (n, 2), rounded to 3 decimals (no -0.0, so equal drawings compare equal)."""
    return np.round(check_points(points, "The drawing", min_points=0, dim=2), 3) + 0.0


def _fingerprint(points: np.ndarray) -> str:
    return hashlib.sha1(points.tobytes()).hexdigest()


def draw_points(key: str, box: tuple[float, float], initial_points: Any = None) -> np.ndarray | None:
    """Show the drawing canvas for the square ``box`` = (low, high), i.e. [low, high]² in data
    units, and return the drawing: float64 (n, 2), or None while nothing has been drawn.

    ``initial_points`` (m, 2) are shown when the canvas first appears and whenever the caller
    passes a different drawing (one from a link, or the session's kept drawing after a visit
    to another page); passing back the drawing this function returned is safe: it never undoes
    strokes made since. The canvas's own state lives in ``st.session_state[key]``.
    """
    low, high = (float(v) for v in box)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise InputError(f"The drawing area must be (low, high) with low < high, got {box!r}.")
    initial = None if initial_points is None else _rounded(initial_points)
    memory_key = f"_{key}_drawing"  # fingerprints of the last initial drawing and of the last answer
    last_initial, last_answer = st.session_state.get(memory_key, (None, None))
    drawn = st.session_state[key].get("points") if key in st.session_state else None
    drawn = None if drawn is None else _rounded(np.reshape(drawn, (-1, 2)))
    new_initial = initial is not None and _fingerprint(initial) not in (last_initial, last_answer)
    current = initial if new_initial or drawn is None else drawn
    data = {
        "box": [low, high],
        "points": [] if current is None else current.tolist(),
        "held": current is not None and drawn is not None and np.array_equal(current, drawn),
        "max_points": MAX_DRAWN_POINTS,
    }
    _draw(key=key, data=data, on_points_change=_no_op)
    st.session_state[memory_key] = (
        None if initial is None else _fingerprint(initial),
        None if current is None else _fingerprint(current),
    )
    return current


def _no_op() -> None:
    """The drawing is read from the component's state during the run it starts."""


def drawing_to_query(points: Any) -> str | None:
    """The drawing as link text (see the module's docstring), or None when it cannot travel:
    more than ``MAX_URL_POINTS`` points, or a coordinate beyond ±32.767."""
    points = _rounded(points)
    if len(points) > MAX_URL_POINTS or (np.abs(points) > _LARGEST_COORDINATE).any():
        return None
    units = np.rint(points * _UNITS_PER_DATA_UNIT).astype("<i2")
    return base64.urlsafe_b64encode(units.tobytes()).decode("ascii").rstrip("=")


def drawing_from_query(text: str, box: tuple[float, float]) -> np.ndarray:
    """The drawing written by ``drawing_to_query``: float64 (n, 2) in data units.

    Raises ``InputError`` saying what is wrong when ``text`` is not such a drawing (too long,
    characters outside base64url, a length that is not whole points) or has a point outside
    the square ``box`` = (low, high).
    """
    text = str(text)
    if len(text) > MAX_URL_CHARS:
        raise InputError(
            f"The drawing in the link is {len(text):,} characters long; a link holds at most "
            f"{MAX_URL_CHARS:,} ({MAX_URL_POINTS} points). Draw the data again, or share it as a CSV file."
        )
    if not _BASE64URL.fullmatch(text):
        raise InputError(
            "The drawing in the link is damaged (it has characters a drawing never has); "
            "copy the whole link again, or draw the data again."
        )
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or len(raw) % _BYTES_PER_POINT:
        raise InputError(
            "The drawing in the link is cut short or damaged (its length is not a whole number of "
            "points); copy the whole link again, or draw the data again."
        )
    points = np.frombuffer(raw, dtype="<i2").reshape(-1, 2) / _UNITS_PER_DATA_UNIT
    low, high = box
    tolerance = 0.5 / _UNITS_PER_DATA_UNIT  # the box's edges, rounded to thousandths
    outside = ((points < low - tolerance) | (points > high + tolerance)).any(axis=1)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise InputError(
            f"The drawing in the link has {int(outside.sum())} point(s) outside the drawing area "
            f"[{low:g}, {high:g}]², e.g. ({points[row, 0]:g}, {points[row, 1]:g}); "
            "copy the whole link again, or draw the data again."
        )
    return points


def check_drawing(points: Any) -> np.ndarray:
    """Return the drawing (n, 2) if a model can be trained on it; else raise ``InputError``
    (fewer than ``MIN_DRAWN_POINTS`` points, all points in one spot or on one line), with the
    messages the CSV path gives and what to do on the canvas."""
    try:
        return check_spread(
            check_points(np.zeros((0, 2)) if points is None else points, "The drawing", MIN_DRAWN_POINTS, dim=2),
            _COLUMNS,
        )
    except InputError as error:
        raise InputError(f"{error} Add points on the canvas (the data so far is kept).") from None


def drawing_csv(points: Any) -> bytes:
    """The drawing as a CSV file: a header ``x,y`` and one row per point, values written so
    that they read back exactly (``datasets.load_csv``)."""
    buffer = io.StringIO()
    buffer.write(",".join(_COLUMNS) + "\n")
    for x, y in check_points(points, "The drawing", min_points=0, dim=2).tolist():
        buffer.write(f"{x!r},{y!r}\n")
    return buffer.getvalue().encode("utf-8")
