"""Input checks shared by the whole engine.

Every public entry point of ``dde_core`` passes its arguments through these
functions, so a person gets the same clear ``ValueError`` (what is wrong and
how to fix it) wherever bad input comes in.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["check_sigma", "check_points", "check_positive_int", "check_positive_float"]

_MAX_ROWS_LISTED = 5


def check_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value!r}.")
    return value


def check_sigma(sigma: Any) -> float:
    """Return the noise level / bandwidth σ as a float; it must be finite and > 0."""
    try:
        return check_positive_float(sigma, "sigma")
    except ValueError as error:
        raise ValueError(f"{error} Choose a noise level such as 0.2 (in data units).") from None


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}.")
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
        raise ValueError(f"{name} must be numeric: an array of shape (n_points, n_dims).") from None
    if array.ndim == 1 and dim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_points, n_dims), got an array of shape {array.shape}. "
            "For a single point use X[None, :]; for 1-D data use X[:, None]."
        )
    if array.shape[1] == 0:
        raise ValueError(f"{name} has no columns; it needs at least one coordinate per point.")
    if dim is not None and array.shape[1] != dim:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but the model works in {dim} dimensions."
        )
    if array.shape[0] < min_points:
        raise ValueError(
            f"{name} has {array.shape[0]} point(s); at least {min_points} are needed."
        )
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(
            f"{name} contains NaN or infinite values in {len(rows)} row(s): "
            f"{_describe_rows(rows)} (counted from 0). Remove or fix those rows."
        )
    return array
