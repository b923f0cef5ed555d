"""dde_core.benchmark_data: the oracles are normalised densities of the very points drawn, the digits are offline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, norm

from dde_core import benchmark_data, datasets
from dde_core.claims.likelihood import ANALYTIC_OPTIMUM
from dde_core.errors import InputError
from dde_core.grid import Grid
from dde_core.normalization import mass_on_grid

# Every toy with an exact density: box and cells of a grid that holds its mass
ORACLE_TOYS = {
    "8gaussians": 120,
    "grid25": 200,  # components of std 0.05 on [−2, 2]²: cells of 0.015 on the box below
    "checkerboard": 160,  # cell edges on the squares' edges
    "rings": 160,
    "circles": 120,
    "moons": 100,
    "swissroll": 100,
    "2spirals": 60,  # smooth at scale 0.1: the midpoint rule is already exact to 1e-6
}


@pytest.mark.parametrize("name, cells", ORACLE_TOYS.items())
def test_every_toy_oracle_integrates_to_one(name, cells):
    box = {"checkerboard": (-4.0, 4.0), "grid25": (-2.5, 2.5)}.get(name, (-4.8, 4.8))
    grid = Grid(box, box, cells)
    mass = mass_on_grid(benchmark_data.toy_log_density(name)(grid.points), grid)
    assert mass == pytest.approx(1.0, abs=2e-3)


def test_toys_without_a_known_density_have_no_oracle():
    for name in ("pinwheel", "line", "cos"):
        assert benchmark_data.toy_log_density(name) is None
        assert not benchmark_data.load(name, 50, 20).has_oracle


def test_oracles_match_the_known_entropies():
    """Mean log p over samples estimates −H(p): 8gaussians −2.838 (docs/science.md §6), checkerboard −ln 32."""
    for name in ("8gaussians", "checkerboard"):
        points = datasets.sample(name, 20_000, seed=3)
        values = benchmark_data.toy_log_density(name)(points)
        tolerance = 4 * values.std() / math.sqrt(len(values)) + 1e-3  # (the 8gaussians figure has 3 decimals)
        assert values.mean() == pytest.approx(ANALYTIC_OPTIMUM[name], abs=tolerance)


def test_checkerboard_is_zero_off_its_squares():
    oracle = benchmark_data.toy_log_density("checkerboard")
    inside = oracle(np.array([[0.5, 0.5], [-3.5, -3.5], [2.5, -1.5]]))
    outside = oracle(np.array([[2.5, 0.5], [4.5, 0.0], [-0.5, 0.5]]))
    assert np.all(inside == -math.log(32)) and np.all(outside == -np.inf)


def test_two_spirals_oracle_matches_a_histogram_of_its_samples():
    """The quadrature density integrated over coarse cells equals the share of 100,000 samples in them."""
    points = datasets.sample("2spirals", 100_000, seed=5)
    edges = np.linspace(-4, 4, 5)
    counts = np.histogram2d(points[:, 1], points[:, 0], [edges, edges])[0]  # rows along y, as Grid
    fine = Grid((-4, 4), (-4, 4), 60)
    mass = fine.reshape(np.exp(benchmark_data.two_spirals_log_density(fine.points)) * fine.cell_area)
    expected = mass.reshape(4, 15, 4, 15).sum(axis=(1, 3))
    shares = counts / len(points)
    assert np.all(np.abs(shares - expected) <= 5 * np.sqrt(expected / len(points)) + 1e-4)


def test_random_mixture_oracle_matches_scipy():
    data = benchmark_data.load("mixture-d4", 200, 100, seed=1)
    law = benchmark_data._Mixture.random(4)
    reference = logsumexp(
        [math.log(w) + multivariate_normal(m, c).logpdf(data.test) for w, m, c in zip(*vars(law).values())], axis=0
    )
    np.testing.assert_allclose(data.log_density(data.test), reference, rtol=1e-10)


def test_embedded_spirals_are_the_spirals_times_a_gaussian_after_the_rotation():
    """log p(x) = log p₂(u₁, u₂) + Σ log N(u_k; 0, 0.5²), u = Qᵀx; and the draws follow that law:
    their mean log-density splits into the 2-D entropy term and (d − 2) Gaussian ones."""
    d = 6
    data = benchmark_data.load(f"spirals-d{d}", 1500, 50, seed=2)
    rotation = benchmark_data._EmbeddedSpirals.random(d).rotation
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(d), atol=1e-12)
    u = data.train @ rotation
    rest = data.log_density(data.train) - benchmark_data.two_spirals_log_density(u[:, :2])
    np.testing.assert_allclose(rest, norm(0, 0.5).logpdf(u[:, 2:]).sum(axis=1), atol=1e-9)
    assert np.std(u[:, 2:]) == pytest.approx(0.5, rel=0.04)  # the draws' other directions have the stated spread


def test_synthetic_sets_are_fixed_for_each_d_and_seeded():
    a = benchmark_data.load("mixture-d8", 100, 50, seed=4)
    b = benchmark_data.load("mixture-d8", 100, 50, seed=4)
    c = benchmark_data.load("mixture-d8", 100, 50, seed=5)
    np.testing.assert_array_equal(a.train, b.train)
    assert not np.array_equal(a.train, c.train)
    np.testing.assert_array_equal(a.log_density(c.test), c.log_density(c.test))  # one law, whatever the seed
    assert not np.array_equal(a.train[:50], a.test)


def test_digits_are_dequantised_rescaled_and_projected_offline():
    digits = benchmark_data.load("digits", 5000, 10, seed=0)
    assert digits.train.shape == (1438, 64) and digits.test.shape == (359, 64)
    assert digits.train.min() >= 0 and digits.train.max() < 1 and not digits.has_oracle
    assert len(np.unique(digits.train[:, 10])) == len(digits.train)  # continuous: no ties left
    pca = benchmark_data.load("digits-pca8", 5000, 10, seed=0)
    assert pca.train.shape == (1438, 8) and pca.test.shape == (359, 8)
    # orthonormal projection: the projected variances are the top eigenvalues of the training covariance
    top = np.sort(np.linalg.eigvalsh(np.cov(digits.train, rowvar=False)))[::-1][:8]
    np.testing.assert_allclose(np.var(pca.train, axis=0, ddof=1), top, rtol=1e-8)
    assert "64 ln 17" in digits.description


def test_names_load_and_unknown_names_are_refused():
    assert {"mixture-d32", "spirals-d16", "digits-pca16", "2spirals"} <= set(benchmark_data.names())
    for name in ("mixture-d1", "spirals-d99", "nope", "digits-pca3"):
        with pytest.raises(InputError):
            benchmark_data.load(name, 10, 10)


def test_train_test_split_is_a_seeded_partition():
    points = np.arange(200.0).reshape(100, 2)
    train, test = benchmark_data.train_test_split(points, 0.25, seed=3)
    assert len(train) == 75 and len(test) == 25
    assert sorted(np.concatenate([train, test])[:, 0]) == sorted(points[:, 0])
    again = benchmark_data.train_test_split(points, 0.25, seed=3)
    np.testing.assert_array_equal(again[1], test)
    with pytest.raises(InputError):
        benchmark_data.train_test_split(points, 1.5)
