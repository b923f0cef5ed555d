"""Tests for dde_core.normalization: grid quadrature and importance sampling of log Z."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from dde_core.grid import Grid
from dde_core.normalization import (
    GaussianProposal,
    ImportanceEstimate,
    log_z_grid,
    log_z_importance,
    mass_on_grid,
)

LOG_2PI = math.log(2 * math.pi)


def quadratic_log_f(mean: np.ndarray, precision: np.ndarray, c: float):
    """f(x) = −½ (x−μ)ᵀA(x−μ) + c and its exact log Z = c + (d/2) log 2π − ½ log det A."""

    def log_f(Y: np.ndarray) -> np.ndarray:
        diff = Y - mean
        return -0.5 * np.einsum("ij,jk,ik->i", diff, precision, diff) + c

    d = mean.size
    log_z = c + 0.5 * d * LOG_2PI - 0.5 * np.linalg.slogdet(precision)[1]
    return log_f, log_z


def diagonal_target(d: int, seed: int):
    """A diagonal Gaussian target with random mean/scales and a random offset c."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=d)
    scale = rng.uniform(0.5, 2.0, size=d)
    log_f, log_z = quadratic_log_f(mean, np.diag(scale**-2.0), c=rng.normal() * 3)
    return log_f, log_z, mean, scale


# ---------------------------------------------------------------- grid quadrature


@pytest.mark.parametrize("c", [1.7, 1000.0, -1000.0])
def test_log_z_grid_matches_closed_form_for_correlated_gaussian(c):
    precision = np.array([[2.0, 0.6], [0.6, 1.0]])
    log_f, truth = quadratic_log_f(np.array([0.3, -0.2]), precision, c)
    grid = Grid((-9.0, 9.0), (-9.0, 9.0), n=300)
    values = grid.reshape(log_f(grid.points))
    assert log_z_grid(values, grid) == pytest.approx(truth, abs=1e-3)
    assert log_z_grid(values.ravel(), grid) == pytest.approx(truth, abs=1e-3)


def test_mass_on_grid_is_one_for_normalised_gaussian_and_less_for_a_small_box():
    density = multivariate_normal([0.5, -0.5], [[1.0, 0.3], [0.3, 0.5]])
    big = Grid((-7.0, 7.0), (-7.0, 7.0), n=200)
    assert mass_on_grid(density.logpdf(big.points), big) == pytest.approx(1.0, abs=1e-6)
    small = Grid((0.5, 7.0), (-7.0, 7.0), n=200)  # holds half of the mass in x
    assert mass_on_grid(density.logpdf(small.points), small) == pytest.approx(0.5, abs=1e-3)


def test_log_z_grid_allows_minus_inf_cells():
    grid = Grid((-6.0, 6.0), (-6.0, 6.0), n=120)
    values = multivariate_normal(np.zeros(2)).logpdf(grid.points)
    values[grid.points[:, 0] > 5.5] = -np.inf  # negligible mass removed
    assert mass_on_grid(values, grid) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "values, message",
    [
        (np.zeros((10, 11)), "shape"),
        (np.zeros(99), "shape"),
        (np.full((10, 10), np.nan), "NaN"),
        (np.full((10, 10), np.inf), r"\+inf"),
        (np.full((10, 10), -np.inf), "no mass"),
        (np.array([]), "empty"),
    ],
)
def test_log_z_grid_rejects_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        log_z_grid(values, Grid(n=10))


# ---------------------------------------------------------------- Gaussian proposal


@pytest.mark.parametrize("d", [1, 8, 32])
def test_proposal_log_density_sums_over_all_dimensions(d):
    """Regression for the §3 pitfall: log q must sum, not average, squared coordinates."""
    rng = np.random.default_rng(d)
    mean, scale = rng.normal(size=d), rng.uniform(0.3, 3.0, size=d)
    proposal = GaussianProposal(mean, scale)
    Y = rng.normal(size=(50, d)) * 2
    expected = multivariate_normal(mean, np.diag(scale**2)).logpdf(Y)
    np.testing.assert_allclose(proposal.log_density(Y), np.atleast_1d(expected), rtol=1e-12)


def test_proposal_scalar_scale_sampling_and_fit():
    proposal = GaussianProposal(np.array([1.0, -2.0, 3.0]), 0.5)
    np.testing.assert_array_equal(proposal.scale, [0.5, 0.5, 0.5])
    draws = proposal.sample(20_000, np.random.default_rng(1))
    assert draws.shape == (20_000, 3)
    np.testing.assert_array_equal(draws, proposal.sample(20_000, 1))  # a seed works too
    fitted = GaussianProposal.fit(draws, inflate=2.0)
    np.testing.assert_allclose(fitted.mean, [1.0, -2.0, 3.0], atol=0.02)
    np.testing.assert_allclose(fitted.scale, [1.0, 1.0, 1.0], atol=0.02)


@pytest.mark.parametrize(
    "build",
    [
        lambda: GaussianProposal(np.zeros(3), 0.0),
        lambda: GaussianProposal(np.zeros(3), np.ones(2)),
        lambda: GaussianProposal(np.zeros((2, 2)), 1.0),
        lambda: GaussianProposal(np.array([0.0, np.nan]), 1.0),
        lambda: GaussianProposal.fit(np.array([[0.0, 1.0], [1.0, 1.0]])),  # no spread in y
        lambda: GaussianProposal.fit(np.zeros((5, 2)), inflate=-1.0),
        lambda: GaussianProposal(np.zeros(3)).log_density(np.zeros((4, 2))),
    ],
)
def test_proposal_rejects_bad_input(build):
    with pytest.raises(ValueError):
        build()


# ---------------------------------------------------------------- importance sampling


@pytest.mark.parametrize("d", [2, 8, 32])
def test_importance_sampling_recovers_log_z(d):
    log_f, truth, mean, scale = diagonal_target(d, seed=d)
    shift = 0.1 * scale * np.random.default_rng(100 + d).normal(size=d)
    proposal = GaussianProposal(mean + shift, 1.1 * scale)
    estimate = log_z_importance(log_f, proposal.sample, proposal.log_density, n=20_000, seed=3)
    assert isinstance(estimate, ImportanceEstimate)
    assert estimate.n == 20_000
    assert 0 < estimate.stderr < 0.05
    assert abs(estimate.log_z - truth) < 3 * estimate.stderr
    assert 1 < estimate.ess < 20_000


def test_exact_proposal_gives_exact_answer_with_zero_error():
    log_f, truth, mean, scale = diagonal_target(5, seed=0)
    proposal = GaussianProposal(mean, scale)
    estimate = log_z_importance(log_f, proposal.sample, proposal.log_density, n=500)
    assert estimate.log_z == pytest.approx(truth, abs=1e-9)
    assert estimate.stderr == pytest.approx(0.0, abs=1e-9)
    assert estimate.ess == pytest.approx(500)


@pytest.mark.parametrize("c", [1000.0, -1000.0])
def test_importance_sampling_is_stable_for_huge_offsets(c):
    log_f, truth = quadratic_log_f(np.zeros(3), np.eye(3), c)
    proposal = GaussianProposal(np.zeros(3), 1.3)
    estimate = log_z_importance(log_f, proposal.sample, proposal.log_density, n=5000)
    assert np.isfinite(estimate.log_z) and np.isfinite(estimate.stderr)
    assert abs(estimate.log_z - truth) < max(3 * estimate.stderr, 1e-3)


@pytest.mark.parametrize("d", [8, 32])
def test_averaged_coordinates_pitfall_would_be_caught(d):
    """An averaged log q under-estimates log Z by ≈ (d/2) ln(2 − 1/d); ours does not."""
    log_f, truth, mean, scale = diagonal_target(d, seed=7)
    proposal = GaussianProposal(mean, scale)

    def averaged_log_q(Y: np.ndarray) -> np.ndarray:
        z = (Y - mean) / scale
        return -0.5 * np.mean(z * z, axis=1) - np.sum(np.log(scale)) - 0.5 * d * LOG_2PI

    right = log_z_importance(log_f, proposal.sample, proposal.log_density, n=20_000)
    wrong = log_z_importance(log_f, proposal.sample, averaged_log_q, n=20_000)
    assert right.log_z == pytest.approx(truth, abs=1e-9)
    bias = truth - wrong.log_z
    assert bias == pytest.approx(0.5 * d * math.log(2 - 1 / d), abs=max(4 * wrong.stderr, 0.05))


def test_batches_bound_the_points_seen_and_do_not_change_the_answer():
    log_f, _, mean, scale = diagonal_target(4, seed=1)
    proposal = GaussianProposal(mean, 1.2 * scale)
    seen: list[int] = []

    def counting_log_f(Y: np.ndarray) -> np.ndarray:
        seen.append(Y.shape[0])
        return log_f(Y)

    small = log_z_importance(counting_log_f, proposal.sample, proposal.log_density, n=2500, batch_size=1000)
    assert seen == [1000, 1000, 500]
    repeat = log_z_importance(counting_log_f, proposal.sample, proposal.log_density, n=2500, batch_size=1000)
    assert repeat == small  # same seed, same answer
    other = log_z_importance(log_f, proposal.sample, proposal.log_density, n=2500, seed=1)
    assert other.log_z != small.log_z


def test_importance_sampling_rejects_non_finite_values_and_bad_shapes():
    proposal = GaussianProposal(np.zeros(2))

    def nan_at_some(Y: np.ndarray) -> np.ndarray:
        out = -0.5 * np.sum(Y**2, axis=1)
        out[::7] = np.nan
        return out

    with pytest.raises(ValueError, match="non-finite"):
        log_z_importance(nan_at_some, proposal.sample, proposal.log_density, n=100)
    with pytest.raises(ValueError, match="one value per point"):
        log_z_importance(lambda Y: np.zeros(3), proposal.sample, proposal.log_density, n=100)
    with pytest.raises(ValueError, match="sample"):
        log_z_importance(lambda Y: np.zeros(len(Y)), lambda k, rng: np.zeros(k), proposal.log_density, n=100)
    with pytest.raises(ValueError):
        log_z_importance(lambda Y: np.zeros(len(Y)), proposal.sample, proposal.log_density, n=1)
