"""Tests for dde_core.metrics: grid KL, held-out log-likelihood and sample distances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import energy_distance as scipy_energy_distance
from scipy.stats import multivariate_normal, wasserstein_distance

from dde_core.grid import Grid
from dde_core.metrics import (
    GridQuadrature,
    ImportanceSampling,
    energy_distance,
    held_out_log_likelihood,
    kl_on_grid,
    mean_log_likelihood,
    mmd_squared,
    sliced_wasserstein,
)
from dde_core.normalization import GaussianProposal

SAMPLE_DISTANCES = [mmd_squared, energy_distance, sliced_wasserstein]


def gaussian_kl(mean_p, cov_p, mean_q, cov_q) -> float:
    """KL(N_p ‖ N_q) = ½[tr(Σq⁻¹Σp) + Δᵀ Σq⁻¹ Δ − d + ln(det Σq / det Σp)]."""
    inv_q = np.linalg.inv(cov_q)
    delta = np.asarray(mean_q) - np.asarray(mean_p)
    return 0.5 * (
        np.trace(inv_q @ cov_p)
        + delta @ inv_q @ delta
        - len(delta)
        + np.linalg.slogdet(cov_q)[1]
        - np.linalg.slogdet(cov_p)[1]
    )


# ---------------------------------------------------------------- grid KL

GRID = Grid((-9.0, 9.0), (-9.0, 9.0), n=300)
MEAN_P, COV_P = np.array([0.5, -0.3]), np.array([[1.0, 0.4], [0.4, 0.8]])
MEAN_Q, COV_Q = np.array([-0.2, 0.4]), np.array([[1.5, -0.2], [-0.2, 1.2]])


def log_gaussian_on_grid(mean, cov) -> np.ndarray:
    return GRID.reshape(multivariate_normal(mean, cov).logpdf(GRID.points))


def test_kl_on_grid_matches_closed_form():
    log_p = log_gaussian_on_grid(MEAN_P, COV_P)
    log_q = log_gaussian_on_grid(MEAN_Q, COV_Q)
    truth = gaussian_kl(MEAN_P, COV_P, MEAN_Q, COV_Q)
    assert truth > 0.3
    assert kl_on_grid(log_p, log_q) == pytest.approx(truth, abs=1e-4)
    reverse = gaussian_kl(MEAN_Q, COV_Q, MEAN_P, COV_P)
    assert kl_on_grid(log_q, log_p) == pytest.approx(reverse, abs=1e-4)


def test_kl_on_grid_is_zero_for_equal_densities_and_ignores_constants():
    log_p = log_gaussian_on_grid(MEAN_P, COV_P)
    log_q = log_gaussian_on_grid(MEAN_Q, COV_Q)
    assert kl_on_grid(log_p, log_p) == pytest.approx(0.0, abs=1e-12)
    assert kl_on_grid(log_p, log_p + 123.0) == pytest.approx(0.0, abs=1e-12)
    base = kl_on_grid(log_p, log_q)
    # constants as large as ±1000 (unnormalised network outputs) change nothing
    assert kl_on_grid(log_p + 1000.0, log_q - 1000.0) == pytest.approx(base, abs=1e-9)
    assert kl_on_grid(log_p.ravel() - 1000.0, log_q.ravel() + 1000.0) == pytest.approx(base, abs=1e-9)


def test_kl_on_grid_handles_zero_cells():
    log_p = np.array([np.log(0.5), np.log(0.5), -np.inf, -np.inf])  # p = 0 in two cells
    log_q = np.log(np.array([0.25, 0.25, 0.25, 0.25]))
    assert kl_on_grid(log_p, log_q) == pytest.approx(math.log(2), abs=1e-12)
    assert kl_on_grid(log_q, log_p) == math.inf  # Q puts mass where P has none
    tiny = np.array([0.0, 0.0, -5000.0, -5000.0])  # p underflows to 0 in two cells
    assert kl_on_grid(tiny, log_q) == pytest.approx(math.log(2), abs=1e-12)


@pytest.mark.parametrize(
    "log_p, log_q, message",
    [
        (np.zeros((3, 3)), np.zeros((3, 4)), "same grid"),
        (np.zeros(4), np.array([0.0, np.nan, 0.0, 0.0]), "NaN"),
        (np.full(4, -np.inf), np.zeros(4), "no mass"),
        (np.zeros(4), np.array([0.0, np.inf, 0.0, 0.0]), r"\+inf"),
    ],
)
def test_kl_on_grid_rejects_bad_input(log_p, log_q, message):
    with pytest.raises(ValueError, match=message):
        kl_on_grid(log_p, log_q)


# ---------------------------------------------------------------- mean log-likelihood


def test_mean_log_likelihood_matches_numpy():
    values = np.random.default_rng(0).normal(-2.0, 0.7, size=333)
    mean, stderr = mean_log_likelihood(values)
    assert mean == pytest.approx(np.mean(values), rel=1e-12)
    assert stderr == pytest.approx(np.std(values, ddof=1) / np.sqrt(333), rel=1e-12)
    assert mean_log_likelihood(values[:, None]) == (mean, stderr)


@pytest.mark.parametrize("values", [np.array([1.0]), np.zeros((3, 2)), np.array([0.0, -np.inf]), np.array([np.nan, 1])])
def test_mean_log_likelihood_rejects_bad_input(values):
    with pytest.raises(ValueError):
        mean_log_likelihood(values)


# ---------------------------------------------------------------- held-out log-likelihood

LOG_C = 7.5  # f = log N(μ, Σ) + LOG_C: an unnormalised log-density with log Z = LOG_C exactly


def unnormalised_gaussian(mean, cov):
    gaussian = multivariate_normal(mean, cov)
    return lambda points: gaussian.logpdf(points) + LOG_C


def test_held_out_log_likelihood_of_a_gaussian_kdes_own_samples():
    """A KDE on one point μ is N(μ, σ²I): on its own samples E log p = −(d/2) log(2πeσ²) (minus the
    entropy) and log p = const − ||z||²/2 with ||z||² ~ χ²_d, so std(log p) = √(d/2)."""
    from dde_core.kde import GaussianKDE

    d, sigma, m = 3, 0.4, 20_000
    kde = GaussianKDE(sigma).fit(np.array([[0.5, -1.0, 2.0]]))
    result = held_out_log_likelihood(kde.log_density, kde.sample(m, seed=3))
    assert result.method == "exact" and result.log_z == 0.0 and result.log_z_stderr == 0.0
    assert result.n_test == m
    assert result.stderr == pytest.approx(math.sqrt(d / 2 / m), rel=0.03)
    assert result.mean == pytest.approx(-d / 2 * math.log(2 * math.pi * math.e * sigma**2), abs=4 * result.stderr)


def test_grid_quadrature_gives_log_z_of_a_known_gaussian():
    f = unnormalised_gaussian(MEAN_P, COV_P)
    X = multivariate_normal(MEAN_P, COV_P).rvs(500, random_state=1)
    result = held_out_log_likelihood(f, X, GridQuadrature(GRID))
    assert result.method == "grid" and result.normaliser.n == GRID.n and result.log_z_stderr == 0.0
    assert result.log_z == pytest.approx(LOG_C, abs=1e-6)  # the box holds the mass
    values = f(X) - result.log_z
    assert result.mean == pytest.approx(values.mean(), rel=1e-12)
    assert result.stderr == pytest.approx(values.std(ddof=1) / math.sqrt(500), rel=1e-12)


def test_importance_sampling_gives_log_z_of_a_known_gaussian_in_3d():
    mean, cov = np.array([0.3, -0.2, 1.0]), np.diag([0.5, 1.0, 2.0])
    f = unnormalised_gaussian(mean, cov)
    X = multivariate_normal(mean, cov).rvs(400, random_state=2)
    proposal = GaussianProposal(mean, 1.5 * np.sqrt(np.diag(cov)))  # wider than the target
    result = held_out_log_likelihood(f, X, ImportanceSampling(proposal, n=20_000, seed=0))
    z = result.normaliser
    assert z.method == "importance" and z.n == 20_000 and 0 < z.ess <= z.n
    assert 0 < z.stderr < 0.02 and abs(z.value - LOG_C) < 4 * z.stderr
    _, test_stderr = mean_log_likelihood(f(X))
    assert result.stderr == pytest.approx(math.hypot(test_stderr, z.stderr), rel=1e-12)


def test_held_out_log_likelihood_rejects_bad_input():
    f = unnormalised_gaussian(MEAN_P, COV_P)
    with pytest.raises(ValueError, match="at least 2"):
        held_out_log_likelihood(f, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        held_out_log_likelihood(lambda points: np.full(len(points), -np.inf), np.zeros((3, 2)))


# ---------------------------------------------------------------- sample distances


def normal_sample(n: int, d: int, seed: int, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)) + shift


@pytest.mark.parametrize("distance", SAMPLE_DISTANCES)
def test_sample_distances_are_near_zero_for_one_distribution_and_grow_with_shift(distance):
    X = normal_sample(800, 2, seed=1)
    same = distance(X, normal_sample(800, 2, seed=2))
    shifted = [distance(X, normal_sample(800, 2, seed=2, shift=s)) for s in (0.5, 1.0, 2.0, 4.0)]
    assert abs(same) < 0.2 * shifted[0]
    assert all(a < b for a, b in zip(shifted, shifted[1:]))


def test_energy_distance_matches_a_direct_double_loop():
    X, Y = normal_sample(25, 3, seed=3), normal_sample(31, 3, seed=4, shift=0.7)

    def mean_distance(A, B):
        return sum(np.linalg.norm(a - b) for a in A for b in B) / (len(A) * len(B))

    expected = 2 * mean_distance(X, Y) - mean_distance(X, X) - mean_distance(Y, Y)
    assert energy_distance(X, Y) == pytest.approx(expected, rel=1e-12)


def test_energy_distance_is_the_square_of_scipys_in_1d():
    x, y = normal_sample(200, 1, seed=5), normal_sample(150, 1, seed=6, shift=0.3)
    expected = scipy_energy_distance(x[:, 0], y[:, 0]) ** 2
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-10)


def test_mmd_squared_matches_a_direct_unbiased_estimate():
    X, Y = normal_sample(20, 2, seed=7), normal_sample(30, 2, seed=8, shift=0.5)
    h = 0.8

    def k(a, b):
        return math.exp(-np.sum((a - b) ** 2) / (2 * h * h))

    xx = sum(k(a, b) for i, a in enumerate(X) for j, b in enumerate(X) if i != j) / (20 * 19)
    yy = sum(k(a, b) for i, a in enumerate(Y) for j, b in enumerate(Y) if i != j) / (30 * 29)
    xy = sum(k(a, b) for a in X for b in Y) / (20 * 30)
    assert mmd_squared(X, Y, bandwidth=h) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_mmd_default_bandwidth_is_the_pooled_median_distance():
    X, Y = normal_sample(40, 2, seed=9), normal_sample(50, 2, seed=10, shift=1.0)
    pooled = np.concatenate([X, Y])
    distances = np.linalg.norm(pooled[:, None] - pooled[None], axis=-1)
    median = np.median(distances[np.triu_indices(len(pooled), k=1)])
    assert mmd_squared(X, Y) == pytest.approx(mmd_squared(X, Y, bandwidth=median), rel=1e-12)


@pytest.mark.parametrize("distance", [mmd_squared, energy_distance])
def test_subsampling_bounds_the_work_and_is_seeded(distance):
    X, Y = normal_sample(3000, 2, seed=11), normal_sample(2500, 2, seed=12, shift=1.0)
    full = distance(X, Y, max_points=3000)
    small = distance(X, Y, max_points=500, seed=1)
    assert small == distance(X, Y, max_points=500, seed=1)
    assert small != distance(X, Y, max_points=500, seed=2)
    assert small == pytest.approx(full, rel=0.15)


def test_sliced_wasserstein_equals_scipy_in_1d_with_unequal_sizes():
    x, y = normal_sample(50, 1, seed=13), normal_sample(73, 1, seed=14, shift=0.4) * 2
    expected = wasserstein_distance(x[:, 0], y[:, 0])
    assert sliced_wasserstein(x, y, n_projections=5) == pytest.approx(expected, rel=1e-12)


def test_sliced_wasserstein_of_a_translation_is_mean_absolute_projection():
    v = np.array([1.5, -2.0])
    X = normal_sample(300, 2, seed=15)
    # every projection moves by ⟨v, θ⟩, and E|⟨v, θ⟩| = 2|v|/π for θ uniform on the circle
    value = sliced_wasserstein(X, X + v, n_projections=5000, seed=3)
    assert value == pytest.approx(2 * np.linalg.norm(v) / np.pi, rel=0.02)


def test_sliced_wasserstein_is_seeded():
    X, Y = normal_sample(100, 3, seed=16), normal_sample(120, 3, seed=17, shift=0.5)
    assert sliced_wasserstein(X, Y, seed=4) == sliced_wasserstein(X, Y, seed=4)
    assert sliced_wasserstein(X, Y, seed=4) != sliced_wasserstein(X, Y, seed=5)


@pytest.mark.parametrize("distance", SAMPLE_DISTANCES)
@pytest.mark.parametrize(
    "X, Y, message",
    [
        (np.zeros((5, 2)), np.zeros((5, 3)), "same dimension"),
        (np.zeros((1, 2)), np.zeros((5, 2)), "at least 2"),
        (np.zeros((5, 2)), np.array([[0.0, 1.0], [np.nan, 1.0]]), "NaN"),
        (np.zeros(5), np.zeros((5, 1)), "shape"),
    ],
)
def test_sample_distances_reject_bad_input(distance, X, Y, message):
    with pytest.raises(ValueError, match=message):
        distance(X, Y)


def test_bad_options_raise():
    X, Y = normal_sample(10, 2, seed=0), normal_sample(10, 2, seed=1)
    with pytest.raises(ValueError, match="bandwidth"):
        mmd_squared(X, Y, bandwidth=0.0)
    with pytest.raises(ValueError, match="pass an explicit bandwidth"):
        mmd_squared(np.zeros((10, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="max_points"):
        energy_distance(X, Y, max_points=1)
    with pytest.raises(ValueError, match="n_projections"):
        sliced_wasserstein(X, Y, n_projections=0)
