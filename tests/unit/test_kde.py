"""The exact KDE against independent evaluations and closed forms."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import gaussian_kde, multivariate_normal

from dde_core import GaussianKDE, Grid
from dde_core.normalization import mass_on_grid


def direct_log_density(X, Y, sigma):
    """Mixture of N(x_i, σ²I) evaluated point by point with SciPy."""
    d = X.shape[1]
    logs = np.stack([multivariate_normal(x, sigma**2 * np.eye(d)).logpdf(Y) for x in X], axis=0)
    return logsumexp(logs.reshape(len(X), -1), axis=0) - math.log(len(X))


@pytest.mark.parametrize("d", [1, 2, 5])
def test_log_density_matches_direct_mixture(rng, d):
    X = rng.standard_normal((60, d))
    Y = rng.standard_normal((40, d)) * 1.5
    kde = GaussianKDE(sigma=0.4).fit(X)
    np.testing.assert_allclose(kde.log_density(Y), direct_log_density(X, Y, 0.4), atol=1e-9)


def test_blocking_does_not_change_the_answer(rng):
    X = rng.standard_normal((1200, 2))
    Y = rng.standard_normal((700, 2))
    small = GaussianKDE(sigma=0.3, block_elements=1024).fit(X)
    large = GaussianKDE(sigma=0.3).fit(X)
    query_block, train_block = small._block_sizes(len(Y))
    assert query_block * train_block <= 1024 * 4 and train_block < len(X)  # really blocked
    np.testing.assert_allclose(small.log_density(Y), large.log_density(Y), atol=1e-10)
    np.testing.assert_allclose(small.hessian(Y[:50]), large.hessian(Y[:50]), atol=1e-8)


def test_agrees_with_scipy_gaussian_kde_in_1d(rng):
    x = rng.standard_normal(500)
    sigma = 0.25
    # scipy's kernel std is factor × data std, so factor = σ / std gives the same kernel.
    reference = gaussian_kde(x, bw_method=sigma / x.std(ddof=1))
    y = np.linspace(-4, 4, 101)
    ours = GaussianKDE(sigma=sigma).fit(x[:, None]).log_density(y[:, None])
    np.testing.assert_allclose(ours, reference.logpdf(y), atol=1e-9)


def test_normalised_on_a_grid(spirals):
    grid = Grid(n=200)
    kde = GaussianKDE(sigma=0.2).fit(spirals)
    assert mass_on_grid(kde.log_density(grid.points), grid) == pytest.approx(1.0, abs=2e-3)


def test_single_point_is_a_gaussian():
    mu, sigma = np.array([0.5, -1.0, 2.0]), 0.7
    kde = GaussianKDE(sigma=sigma).fit(mu[None])
    Y = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, -1.0]])
    np.testing.assert_allclose(kde.log_density(Y), multivariate_normal(mu, sigma**2 * np.eye(3)).logpdf(Y), atol=1e-10)
    np.testing.assert_allclose(kde.score(Y), (mu - Y) / sigma**2, atol=1e-10)
    np.testing.assert_allclose(kde.hessian(Y), np.broadcast_to(-np.eye(3) / sigma**2, (2, 3, 3)), atol=1e-9)


def test_score_and_hessian_match_finite_differences(rng):
    X = rng.standard_normal((200, 2))
    kde = GaussianKDE(sigma=0.5).fit(X)
    Y = rng.standard_normal((30, 2))
    h = 1e-5
    steps = np.eye(2) * h
    fd_score = np.stack([(kde.log_density(Y + e) - kde.log_density(Y - e)) / (2 * h) for e in steps], axis=1)
    np.testing.assert_allclose(kde.score(Y), fd_score, atol=1e-5)
    fd_hessian = np.stack([(kde.score(Y + e) - kde.score(Y - e)) / (2 * h) for e in steps], axis=2)
    hessian = kde.hessian(Y)
    np.testing.assert_allclose(hessian, fd_hessian, atol=1e-4)
    np.testing.assert_allclose(hessian, np.swapaxes(hessian, 1, 2), atol=1e-12)


def test_denoise_is_tweedie(rng):
    X = rng.standard_normal((100, 2))
    kde = GaussianKDE(sigma=0.3).fit(X)
    Y = rng.standard_normal((10, 2))
    np.testing.assert_allclose(kde.denoise(Y), Y + 0.09 * kde.score(Y), atol=1e-10)


def test_samples_have_the_kde_moments(rng):
    X = rng.standard_normal((300, 2)) * [2.0, 0.5] + [1.0, -1.0]
    kde = GaussianKDE(sigma=0.3).fit(X)
    S = kde.sample(200_000, seed=1)
    np.testing.assert_allclose(S.mean(axis=0), X.mean(axis=0), atol=0.02)
    expected_cov = np.cov(X.T, bias=True) + 0.09 * np.eye(2)
    np.testing.assert_allclose(np.cov(S.T), expected_cov, atol=0.03)
    np.testing.assert_array_equal(kde.sample(5, seed=3), kde.sample(5, seed=3))


@pytest.mark.parametrize("sigma", [0, -1.0, float("nan"), float("inf"), "abc", None])
def test_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        GaussianKDE(sigma=sigma).fit(np.zeros((3, 2)))


def test_bad_inputs_name_the_problem():
    X = np.zeros((10, 2))
    X[3, 1] = np.nan
    X[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"2 row\(s\): 3, 7"):
        GaussianKDE(sigma=1.0).fit(X)
    with pytest.raises(ValueError, match="shape"):
        GaussianKDE(sigma=1.0).fit(np.zeros(5))
    with pytest.raises(ValueError, match="not fitted"):
        GaussianKDE(sigma=1.0).log_density(np.zeros((1, 2)))
    kde = GaussianKDE(sigma=1.0).fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="3 columns but the model works in 2"):
        kde.log_density(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="numeric"):
        kde.log_density([["a", "b"]])
