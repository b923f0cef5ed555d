"""The second-order denoising network (dde_core.second_order) against Gaussians, where H is known exactly.

For data N(m, C), p_σ = N(m, C + σ²I): the score is −(C + σ²I)⁻¹(y − m) and the Hessian
H = −(C + σ²I)⁻¹ everywhere; the posterior covariance Cov[x | x̃] = C − C(C + σ²I)⁻¹C.
"""

import numpy as np
import pytest
import tensorflow as tf

from dde_core import DDE
from dde_core.second_order import SecondOrderNetwork, posterior_covariance, resolved_structure

MEAN = np.array([1.0, -0.5])
COV = np.array([[1.0, 0.6], [0.6, 0.8]])
SIGMA = 0.3
SMALL = dict(sigma=SIGMA, hidden=(32, 32), batch_size=512)


def gaussian_case(mean, cov, sigma, n=50_000, seed=0):
    """Points of N(mean, cov), the exact score of p_σ as a float32 TensorFlow function, and H."""
    precision = np.linalg.inv(cov + sigma**2 * np.eye(len(mean)))
    points = np.random.default_rng(seed).multivariate_normal(mean, cov, n)
    p, m = tf.constant(precision, tf.float32), tf.constant(mean, tf.float32)
    return points, (lambda y: -tf.linalg.matvec(p, y - m)), -precision


def noisy_points(mean, cov, sigma, n=2000, seed=1):
    return np.random.default_rng(seed).multivariate_normal(mean, cov + sigma**2 * np.eye(len(mean)), n)


def median_relative_error(estimate, truth):
    return float(np.median(np.linalg.norm(estimate - truth, axis=(1, 2)) / np.linalg.norm(truth)))


@pytest.fixture(scope="module")
def gaussian():
    return gaussian_case(MEAN, COV, SIGMA)


@pytest.fixture(scope="module")
def trained(gaussian):
    points, score, _ = gaussian
    return SecondOrderNetwork(score, steps=1200, **SMALL).fit(points)


def test_the_objectives_minimiser_is_the_true_hessian(gaussian, trained):
    points, score, H = gaussian
    Y = noisy_points(MEAN, COV, SIGMA)
    untrained = SecondOrderNetwork(score, steps=1, **SMALL).fit(points)
    assert median_relative_error(untrained.hessian(Y), H) > 0.5
    estimate = trained.hessian(Y)
    assert median_relative_error(estimate, H) < 0.15
    np.testing.assert_array_equal(estimate, np.swapaxes(estimate, 1, 2))  # symmetric by construction
    assert trained.structure_ == "full" and trained.n_steps_ == 1200


def test_tweedie_covariance_matches_the_gaussian_posterior(trained):
    exact = COV - COV @ np.linalg.inv(COV + SIGMA**2 * np.eye(2)) @ COV
    np.testing.assert_allclose(posterior_covariance(-np.linalg.inv(COV + SIGMA**2 * np.eye(2))[None], SIGMA)[0], exact)
    Y = noisy_points(MEAN, COV, SIGMA, n=500)
    covariance = trained.covariance(Y)
    assert np.median(np.linalg.norm(covariance - exact, axis=(1, 2)) / np.linalg.norm(exact)) < 0.15


def test_the_diagonal_variant_learns_the_diagonal(gaussian):
    mean = np.zeros(4)
    cov = np.array([[1.0, 0.5, 0, 0], [0.5, 1.0, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 2.0]])
    points, score, H = gaussian_case(mean, cov, SIGMA, n=20_000)
    net = SecondOrderNetwork(score, structure="diagonal", steps=1200, **SMALL).fit(points)
    estimate = net.hessian(noisy_points(mean, cov, SIGMA, n=1000))
    assert net.structure_ == "diagonal" and np.all(estimate[:, ~np.eye(4, dtype=bool)] == 0)
    diagonal = np.diagonal(estimate, axis1=1, axis2=2)
    assert np.median(np.linalg.norm(diagonal - np.diag(H), axis=1) / np.linalg.norm(np.diag(H))) < 0.15
    assert resolved_structure("auto", 8) == "full" and resolved_structure("auto", 9) == "diagonal"


@pytest.mark.parametrize("structure", ["full", "diagonal"])
def test_variance_reduced_loss_has_the_plain_loss_as_its_mean(gaussian, structure):
    """Same weights (same seed), one large batch: L_VR and L estimate the same expectation."""
    points, score, _ = gaussian
    losses = [
        SecondOrderNetwork(
            score, sigma=SIGMA, hidden=(16,), structure=structure, variance_reduction=vr, batch_size=10_000, steps=1
        )
        .fit(points)
        .history_.loss[0]
        for vr in (True, False)
    ]
    assert losses[0] == pytest.approx(losses[1], rel=0.04)  # (a wrong E‖A‖² would be 8 to 16 % off)


def test_same_seed_same_result_and_the_first_order_model_is_used(gaussian):
    points = gaussian[0][:2000].astype(np.float32)
    dde = DDE(sigma=SIGMA, hidden=(8,), batch_size=64, steps=5).fit(points)
    a, b = (SecondOrderNetwork(dde, sigma=SIGMA, hidden=(8,), batch_size=64, steps=5).fit(points) for _ in range(2))
    Y = points[:50]
    np.testing.assert_array_equal(a.hessian(Y), b.hessian(Y))
    np.testing.assert_allclose(a.score(Y), dde.score(Y), atol=1e-6)  # s₁ is the DDE's, held fixed
    np.testing.assert_allclose(a.denoise(Y), Y + SIGMA**2 * dde.score(Y), atol=1e-6)
    a.partial_fit(steps=1)
    assert np.abs(a.hessian(Y) - b.hessian(Y)).max() > 0  # (equal only while the draws are equal)
    assert a.get_params()["first_order"] is dde


def test_save_and_load_give_the_same_hessians(gaussian, trained, tmp_path):
    _, score, _ = gaussian
    Y = noisy_points(MEAN, COV, SIGMA, n=50)
    loaded = SecondOrderNetwork.load(trained.save(tmp_path / "h.keras"), first_order=score)
    np.testing.assert_array_equal(loaded.hessian(Y), trained.hessian(Y))
    assert loaded.get_params()["structure"] == "auto" and loaded.structure_ == "full"
    with pytest.raises(ValueError, match=".keras"):
        trained.save(tmp_path / "h.h5")
    with pytest.raises(ValueError, match="No model file"):
        SecondOrderNetwork.load(tmp_path / "none.keras", first_order=score)


def test_bad_input_is_refused_with_a_reason(gaussian):
    points, score, _ = gaussian
    dde = DDE(sigma=0.5, hidden=(8,), batch_size=64, steps=2).fit(points[:500])
    with pytest.raises(ValueError, match="first-order score"):
        SecondOrderNetwork(sigma=SIGMA).fit(points)
    with pytest.raises(ValueError, match="same σ"):
        SecondOrderNetwork(dde, sigma=SIGMA).fit(points)
    with pytest.raises(ValueError, match="structure"):
        SecondOrderNetwork(score, structure="banded").fit(points)
    with pytest.raises(ValueError, match="first_order must be"):
        SecondOrderNetwork("not a model", sigma=SIGMA).fit(points)
    with pytest.raises(ValueError, match="not fitted"):
        SecondOrderNetwork(score).hessian(points[:3])
    with pytest.raises(ValueError, match="works in 2 dimensions but the data has 3"):
        SecondOrderNetwork(dde, sigma=0.5).fit(np.zeros((10, 3)))
