"""Claim 3: a DDE's gradient field is conservative.

``field_view`` evaluates a 2-D field and its curl ∂s₂/∂x₁ − ∂s₁/∂x₂ on a grid;
``loop_integral`` gives the circulation ∮ s · dl around a circle and
``disc_integral`` its Stokes counterpart ∬ curl dA.  A DDE (s = ∇f) has neither;
a direct score network has both.  Lengths are in data units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..grid import Grid
from ..validation import check_positive_float, check_positive_int

__all__ = ["curl", "FieldView", "field_view", "circle", "loop_integral", "disc_integral"]


def curl(jacobian: np.ndarray) -> np.ndarray:
    """Scalar curl of a 2-D field from its Jacobian J[..., i, j] = ∂s_i/∂x_j, shape (..., 2, 2).

    curl = ∂s₂/∂x₁ − ∂s₁/∂x₂ = J[..., 1, 0] − J[..., 0, 1]; zero for a gradient field
    (J is then a symmetric Hessian).  Units: field units per data unit.
    """
    jacobian = np.asarray(jacobian, dtype=np.float64)
    if jacobian.shape[-2:] != (2, 2):
        raise InputError(f"The curl here needs 2-D Jacobians of shape (..., 2, 2), got {jacobian.shape}.")
    return jacobian[..., 1, 0] - jacobian[..., 0, 1]


@dataclass(frozen=True)
class FieldView:
    """A 2-D field on a grid: curl (n, n) at ``grid`` cells, the field (k, k, 2) at ``arrows``.

    jacobian_scale: the largest |J_ij| on the grid, the yardstick for "curl ≈ 0".
    """

    grid: Grid
    curl: np.ndarray
    jacobian_scale: float
    arrows: Grid
    field: np.ndarray

    @property
    def relative_curl(self) -> float:
        """max |curl| / max |J_ij| over the grid."""
        return float(np.abs(self.curl).max() / self.jacobian_scale) if self.jacobian_scale > 0 else 0.0


def field_view(
    score: Callable[[np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray], np.ndarray],
    grid: Grid,
    n_arrows: int = 20,
) -> FieldView:
    """Curl of the field from ``jacobian`` (m, 2, 2) on ``grid``; ``score`` (m, 2) on an n_arrows² lattice.

    For a DDE pass (model.score, model.hessian); for a ScoreNetwork (net.score, net.jacobian).
    """
    n_arrows = check_positive_int(n_arrows, "n_arrows", minimum=2)
    J = jacobian(grid.points)
    arrows = Grid(grid.x_range, grid.y_range, n_arrows)
    return FieldView(grid, grid.reshape(curl(J)), float(np.abs(J).max()), arrows, arrows.reshape(score(arrows.points)))


def circle(centre: Sequence[float], radius: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points on the circle (n, 2) at θ_k = 2πk/n and the tangents dp/dθ (n, 2)."""
    centre, radius = _check_loop(centre, radius)
    theta = 2.0 * np.pi * np.arange(check_positive_int(n, "n", minimum=3)) / n
    unit = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    tangent = radius * np.stack([-np.sin(theta), np.cos(theta)], axis=1)
    return centre + radius * unit, tangent


def _check_loop(centre: Sequence[float], radius: float) -> tuple[np.ndarray, float]:
    centre_array = np.asarray(centre, dtype=np.float64)
    if centre_array.shape != (2,) or not np.isfinite(centre_array).all():
        raise InputError(f"The loop's centre must be two finite numbers (x₁, x₂), got {centre!r}.")
    return centre_array, check_positive_float(radius, "The loop's radius")


def loop_integral(
    field_fn: Callable[[np.ndarray], np.ndarray], centre: Sequence[float], radius: float, n: int = 400
) -> float:
    """∮ s · dl counter-clockwise around the circle |x − centre| = radius.

    ∮ = ∫₀^{2π} s(p(θ)) · p'(θ) dθ ≈ (2π/n) Σ_k s(p(θ_k)) · p'(θ_k), the trapezoid rule,
    spectrally accurate for this periodic integrand.  0 for a gradient field (up to
    float error); 2πr²c for the rotation (−c x₂, c x₁).  Units: field × length.
    """
    points, tangents = circle(centre, radius, n)
    values = np.asarray(field_fn(points), dtype=np.float64)
    return float(np.sum(values * tangents) * 2.0 * np.pi / len(points))


def disc_integral(values: np.ndarray, grid: Grid, centre: Sequence[float], radius: float) -> float:
    """∬ over the disc of values (n, n) on ``grid``: Σ of the cells whose centre is inside × ΔxΔy.

    With the curl as values, Stokes' theorem says this equals ``loop_integral`` (a
    cross-check; cells cut by the circle make it coarse on a coarse grid).
    """
    centre, radius = _check_loop(centre, radius)
    inside = np.linalg.norm(grid.points - centre, axis=1) <= radius
    return float(np.asarray(values).ravel()[inside].sum() * grid.cell_area)
