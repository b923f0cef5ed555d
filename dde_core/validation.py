"""Input checks shared by the whole engine.

Every public entry point of ``dde_core`` passes its arguments through these
functions, so a person gets the same clear ``InputError`` (a ``ValueError``:
what is wrong and how to fix it) wherever bad input comes in.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "InputError",
    "check_sigma",
    "check_points",
    "check_positive_int",
    "check_positive_float",
    "check_spread",
    "MAX_ABS_VALUE",
]

_MAX_ROWS_LISTED = 5
MAX_ABS_VALUE = 1e15  # |x| above this overflows float32 once squared and summed


def check_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise InputError(f"{name} must be a positive number, got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise InputError(f"{name} must be a finite number greater than 0, got {value!r}.")
    return value


def check_sigma(sigma: Any) -> float:
    """Return the noise level / bandwidth σ as a float; it must be finite and > 0."""
    try:
        return check_positive_float(sigma, "sigma")
    except InputError as error:
        raise InputError(f"{error} Choose a noise level such as 0.2 (in data units).") from None


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise InputError(f"{name} must be a whole number >= {minimum}, got {value}.")
    return value


def _describe_rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_ROWS_LISTED])
    more = f" and {len(rows) - _MAX_ROWS_LISTED} more" if len(rows) > _MAX_ROWS_LISTED else ""
    return f"{shown}{more}"


def check_points(
    X: Any,
    name: str = "X",
    min_points: int = 1,
    dim: int | None = None,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Return ``X`` as a finite array of shape (n, d).

    Raises ``ValueError`` naming the problem: not numeric, not 2-D, fewer than
    ``min_points`` rows, a dimension other than ``dim``, or NaN / infinite
    values (listing the offending rows, counted from 0).
    """
    try:
        array = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric: an array of shape (n_points, n_dims).") from None
    if array.ndim == 1 and dim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise InputError(
            f"{name} must have shape (n_points, n_dims), got an array of shape {array.shape}. "
            "For a single point use X[None, :]; for 1-D data use X[:, None]."
        )
    if array.shape[1] == 0:
        raise InputError(f"{name} has no columns; it needs at least one coordinate per point.")
    if dim is not None and array.shape[1] != dim:
        raise InputError(f"{name} has {array.shape[1]} columns but the model works in {dim} dimensions.")
    if array.shape[0] < min_points:
        raise InputError(f"{name} has {array.shape[0]} point(s); at least {min_points} are needed.")
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise InputError(
            f"{name} contains NaN or infinite values in {len(rows)} row(s): "
            f"{_describe_rows(rows)} (counted from 0). Remove or fix those rows."
        )
    return array


def check_spread(points: np.ndarray, column_names: Any = None) -> np.ndarray:
    """Return ``points`` (n, d) if they can be modelled as a density in 32-bit floats.

    Refuses, with what to do, values too large for the model's float32 arithmetic
    (|x| above ``MAX_ABS_VALUE``: squared distances would overflow), a column whose
    values are all the same (no spread: the density would be infinitely thin), and
    so all points being one point. ``column_names`` (d,) name the columns in messages.
    """
    points = np.asarray(points)
    names = list(column_names) if column_names is not None else [f"column {j + 1}" for j in range(points.shape[1])]
    largest = np.abs(points).max(axis=0)
    too_large = np.flatnonzero(largest > MAX_ABS_VALUE)
    if len(too_large):
        j = too_large[0]
        raise InputError(
            f"Values as large as {largest[j]:.3g} in {names[j]!r} are too large: the model computes "
            f"in 32-bit floats and needs values below {MAX_ABS_VALUE:.0e} in size. "
            "Standardise the data (or rescale it to smaller units) and try again."
        )
    as_float32 = points.astype(np.float32)
    flat = np.flatnonzero(np.ptp(as_float32, axis=0) == 0)
    if len(flat) == points.shape[1]:
        raise InputError(
            f"All {len(points):,} points are the same point ({', '.join(f'{v:g}' for v in points[0])}): "
            "a density needs points that differ. Use data with some spread."
        )
    if len(flat):
        j = flat[0]
        raise InputError(
            f"{names[j]!r} has the same value ({points[0, j]:g}) in every row"
            + (" at 32-bit precision" if np.ptp(points[:, j]) > 0 else "")
            + ": the points lie on a line and have no density in 2-D. "
            "Choose a column that varies (or subtract a common offset so small differences survive)."
        )
    return points
