"""A person's CSV file as 2-D points, chosen in the page's controls (a helper module, not a page).

The Playground, Generate and Compare pages take people's files the same way: an uploader,
the x and y columns, standardising, how many points to use; the file is kept in the
session (the uploader empties when the person visits another page; their data should
not), parsed once per choice, and a bad file is named with its problem while the
results on screen stay. Widget keys start with the page's ``prefix``.
"""

from __future__ import annotations

import io
from typing import Any

import streamlit as st

from dde_app.text import plain
from dde_app.widget_state import KEEP, kept_for
from dde_core import datasets
from dde_core.errors import InputError
from dde_core.limits import DEFAULT_UPLOAD_POINTS, MAX_TRAINING_POINTS, MAX_UPLOAD_MB

__all__ = ["csv_points", "csv_label", "remembered_csv_settings"]


def remembered_csv_settings(prefix: str) -> dict[str, Any]:
    """The first values of the file controls of a page (for ``widget_state.remember``)."""
    return {f"{prefix}_csv_std": True, f"{prefix}_csv_points": DEFAULT_UPLOAD_POINTS}


def csv_points(where: Any, prefix: str, invite: str) -> tuple[str, Any] | None:
    """The uploader and the column choices in ``where`` (e.g. ``st.sidebar``); returns
    (file name, ``datasets.load_csv``'s points) or None while there is no valid file (the
    reason is shown, ``invite`` when there is no file yet)."""
    state = st.session_state
    upload = where.file_uploader(
        "CSV of points",
        type=["csv", "txt", "tsv"],
        key=f"{prefix}_csv_upload",
        help=f"Two or more numeric columns; a header is optional. Up to {MAX_UPLOAD_MB} MB; files with "
        "more rows than the points chosen below are subsampled.",
    )
    file = (upload.file_id, upload.name, upload.getvalue()) if upload is not None else state.get(f"{prefix}_csv_file")
    if file is None:
        where.info(invite)
        return None
    file_id, name, content = file
    if upload is None:
        where.caption(f"Using {plain(name)}, uploaded earlier. Upload another file to replace it.")
    try:
        # (only the column names are kept: the table itself would be a second copy of the file)
        names = kept_for(
            f"{prefix}_csv_columns", (file_id,), lambda: datasets.read_csv_table(io.BytesIO(content)).column_names
        )
        x_key, y_key = f"{prefix}_csv_x", f"{prefix}_csv_y"
        if state.get(x_key) not in names or state.get(y_key) not in names:
            state[x_key], state[y_key] = names[0], names[min(1, len(names) - 1)]
        x = where.selectbox("x column", names, key=x_key, persist_state=KEEP)
        y = where.selectbox("y column", names, key=y_key, persist_state=KEEP)
        standardize = where.checkbox(
            "Standardise (mean 0, std 1)",
            key=f"{prefix}_csv_std",
            persist_state=KEEP,
            help="Recommended when the columns have very different scales.",
        )
        most = where.number_input(
            "Points to use",
            100,
            MAX_TRAINING_POINTS,
            step=1000,
            key=f"{prefix}_csv_points",
            persist_state=KEEP,
            help=f"Files with more rows are subsampled at random (seed 0) to this many points; at most "
            f"{MAX_TRAINING_POINTS:,}, so that building a model stays within a few seconds.",
        )
        points = kept_for(
            f"{prefix}_csv_data",
            (file_id, x, y, standardize, most),
            lambda: datasets.load_csv(io.BytesIO(content), columns=(x, y), standardize=standardize, max_points=most),
        )
    except InputError as error:
        where.error(plain(f"{name}: {error}"))
        return None
    state[f"{prefix}_csv_file"] = file  # a good file: kept for returning to this page
    kept = len(points.points)
    where.caption(
        f"{kept:,} points from {plain(name)}"
        + (f" (a random {kept:,} of its {points.n_rows:,} rows)" if points.n_rows > kept else "")
    )
    return name, points


def csv_label(name: str, points: Any, standardized: bool) -> str:
    """How a model names its data, e.g. "csv:trips.csv (lon, lat, standardised)"."""
    x, y = points.column_names
    return f"csv:{name} ({x}, {y}{', standardised' if standardized else ''})"
