"""dde_core.estimators against closed forms: bandwidth rules, scipy's KDE, exact likelihoods by the change
of variables, known normalising constants, scores as gradients, refusals, and seeds.

Kept small (a few hundred points, short training) so the file runs in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import gaussian_kde, multivariate_normal

from dde_core import datasets, estimators
from dde_core.errors import InputError
from dde_core.estimators import NotAvailableError
from dde_core.estimators.base import Whitening
from dde_core.estimators.dde import normalise
from dde_core.estimators.kde import leave_one_out_log_likelihood, rule_factor
from dde_core.grid import Grid
from dde_core.normalization import mass_on_grid

# Short settings for the networks (the defaults take seconds to minutes).
FAST = {
    "dde": {"steps": 150, "n_importance": 2000, "grid_size": 100, "sample_steps": 20},
    "flow": {"steps": 150, "n_couplings": 2, "hidden": (16, 16)},
}
GRID = Grid((-6.0, 6.0), (-6.0, 6.0), 160)


def fast(name: str, **params) -> estimators.DensityEstimator:
    return estimators.make(name, **{**FAST.get(name, {}), **params})


@pytest.fixture(scope="module")
def gaussians() -> np.ndarray:
    return datasets.sample("8gaussians", 600, seed=1).astype(np.float64)


@pytest.fixture(scope="module")
def fitted(gaussians) -> dict[str, estimators.DensityEstimator]:
    """Every estimator fitted once on the same 600 points of 8gaussians."""
    return {name: fast(name).fit(gaussians) for name in estimators.NAMES}


# ---------------------------------------------------------------- the interface


def test_names_make_and_parameters():
    assert estimators.NAMES == ("dde", "kde-scott", "kde-silverman", "kde-cv", "gmm", "flow", "rbig")
    assert estimators.make("kde-cv").bandwidth == "cv"
    assert estimators.default_params("dde")["sigma"] == "cv"
    with pytest.raises(InputError, match="Unknown estimator"):
        estimators.make("maf")
    with pytest.raises(InputError, match="its parameters are"):
        estimators.make("gmm", n_component=3)
    with pytest.raises(InputError):
        estimators.make("kde-scott", bandwidth="cv")  # the name fixes the rule
    with pytest.raises(InputError):
        estimators.make("flow", steps=0).check_params()


def test_every_density_integrates_to_one_on_the_grid(fitted):
    """In 2-D each normalised density holds mass 1 on a box around the data (the DDE's grid normaliser
    uses a smaller box, so this also checks that exp f has no mass of note outside it)."""
    for name, model in fitted.items():
        assert mass_on_grid(model.log_density(GRID.points), GRID) == pytest.approx(1.0, abs=0.02), name


def test_flags_samples_and_scores(fitted, gaussians):
    for name, model in fitted.items():
        assert model.describe() and model.log_density(gaussians[:5]).shape == (5,)
        assert model.can_sample
        draws = model.sample(300, seed=2)
        assert draws.shape == (300, 2) and np.isfinite(draws).all()
        # samples land where the density is: their mean log-density is near the data's
        assert model.log_density(draws).mean() > model.log_density(gaussians).mean() - 1.0, name
        if model.has_score:
            assert model.score(gaussians[:4]).shape == (4, 2)
        else:
            with pytest.raises(NotAvailableError, match="not available"):
                model.score(gaussians[:4])
    assert not fitted["dde"].exact_samples and fitted["flow"].exact_samples
    assert not fitted["rbig"].has_score and fitted["dde"].score_is_conservative


@pytest.mark.parametrize("name", ["kde-cv", "gmm", "flow", "dde"])
def test_score_is_the_gradient_of_the_log_density(fitted, gaussians, name):
    model = fitted[name]
    points = gaussians[:6]
    step = 1e-3
    numeric = np.stack(
        [(model.log_density(points + step * e) - model.log_density(points - step * e)) / (2 * step) for e in np.eye(2)],
        axis=1,
    )
    np.testing.assert_allclose(model.score(points), numeric, rtol=0.02, atol=0.02)


def test_same_seed_same_result(gaussians):
    for name in ("kde-cv", "gmm", "rbig", "flow"):
        a = fast(name, seed=3).fit(gaussians).log_density(gaussians[:50])
        b = fast(name, seed=3).fit(gaussians).log_density(gaussians[:50])
        # multithreaded float32 sums (the flow's) may add in another order: round-off only
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- kernel density estimates


@pytest.mark.parametrize("rule", ["scott", "silverman"])
@pytest.mark.parametrize("d", [2, 3])
def test_bandwidth_rules_match_their_formulas_and_scipy(rule, d):
    rng = np.random.default_rng(d)
    X = rng.standard_normal((300, d)) @ rng.standard_normal((d, d))
    model = estimators.make(f"kde-{rule}").fit(X)
    n = len(X)
    formula = n ** (-1 / (d + 4)) if rule == "scott" else (n * (d + 2) / 4) ** (-1 / (d + 4))
    assert model.factor_ == pytest.approx(formula) == rule_factor(rule, n, d)
    Y = rng.standard_normal((40, d))
    np.testing.assert_allclose(model.log_density(Y), gaussian_kde(X.T, bw_method=rule).logpdf(Y.T), rtol=1e-8)


def test_cross_validation_picks_the_best_leave_one_out_bandwidth():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 0.3, (60, 2)), rng.normal(2, 0.6, (60, 2))])
    model = estimators.make("kde-cv", n_candidates=6).fit(X)
    Z = Whitening.fit(X).forward(X)
    brute = []
    for h in model.cv_candidates_:  # Σ_i log (1/(n−1)) Σ_{j≠i} N(z_i; z_j, h²I), written out
        terms = [
            logsumexp(multivariate_normal(z, h * h * np.eye(2)).logpdf(np.delete(Z, i, axis=0))) - math.log(len(Z) - 1)
            for i, z in enumerate(Z)
        ]
        brute.append(np.mean(terms))
    np.testing.assert_allclose(model.cv_scores_, brute, rtol=1e-9)
    assert model.factor_ == model.cv_candidates_[int(np.argmax(brute))]
    np.testing.assert_allclose(leave_one_out_log_likelihood(Z, model.cv_candidates_[-1:], len(Z)), brute[-1:])


# ---------------------------------------------------------------- the DDE's normaliser


@pytest.mark.parametrize("d", [2, 8, 32])
def test_dde_normaliser_finds_a_known_log_z(d):
    """f = log Σ_i exp(−‖y − x_i‖²/2s²) + c has log Z = log D + (d/2) log 2πs² + c exactly; the grid (2-D) or
    importance sampling (from the KDE at σ, summing over all d coordinates) must find it (docs/science.md §3)."""
    rng = np.random.default_rng(d)
    points = rng.standard_normal((300, d))
    s, constant = 0.45, 2.0

    def log_f(Y):
        squared = np.sum((Y[:, None, :] - points[None]) ** 2, axis=-1)
        return logsumexp(-squared / (2 * s * s), axis=1) + constant

    found = normalise(log_f, points, sigma=0.5, grid_size=100, n_importance=3000, seed=1)
    exact = math.log(len(points)) + 0.5 * d * math.log(2 * math.pi * s * s) + constant
    assert found.method == ("grid" if d == 2 else "importance")
    assert found.value == pytest.approx(exact, abs=4 * found.stderr + 1e-4)
    assert found.stderr < 0.05


def test_dde_reports_its_normaliser_and_sigma(fitted):
    dde = fitted["dde"]
    assert dde.log_z_.method == "grid" and "σ =" in dde.describe() and "grid" in dde.describe()
    assert dde.sigma_ == pytest.approx(fitted["kde-cv"].factor_)  # the same leave-one-out choice


# ---------------------------------------------------------------- exact likelihoods by the change of variables


def test_rbig_log_density_is_the_change_of_variables(gaussians):
    model = estimators.make("rbig").fit(gaussians)
    points = gaussians[:20] + 0.013
    step = 1e-6
    z, _ = model._transform(points)
    jacobian = np.stack([(model._transform(points + step * e)[0] - z) / step for e in np.eye(2)], axis=2)
    expected = multivariate_normal(np.zeros(2)).logpdf(z) + np.log(np.abs(np.linalg.det(jacobian)))
    np.testing.assert_allclose(model.log_density(points), expected, atol=1e-4)
    draws = model.sample(50, seed=1)
    np.testing.assert_allclose(model._transform(draws)[0], np.random.default_rng(1).standard_normal((50, 2)), atol=1e-8)


def test_flow_log_density_is_the_change_of_variables():
    """log p(x) = log N(f(y)) + log|det ∂f/∂y| + log|det W|, the Jacobian by automatic differentiation."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)) * [1.0, 2.0, 0.5]
    model = fast("flow").fit(X)
    # any weights: the identity must hold for every coupling, not only near the identity map
    model.flow_.set_weights([w + 0.3 * rng.standard_normal(w.shape) for w in model.flow_.get_weights()])
    Y = tf.constant(model.whitening_.forward(X[:10]), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(Y)
        Z = Y
        for coupling in model.flow_.couplings:
            Z = coupling.forward(Z)[0]
    jacobian = tape.batch_jacobian(Z, Y).numpy().astype(np.float64)
    z = Z.numpy().astype(np.float64)
    expected = (
        multivariate_normal(np.zeros(3)).logpdf(z) + np.log(np.abs(np.linalg.det(jacobian))) + model.whitening_.log_det
    )
    np.testing.assert_allclose(model.log_density(X[:10]), expected, atol=1e-4)
    assert not np.allclose(np.linalg.det(jacobian), 1.0)  # the couplings are not the identity
    np.testing.assert_allclose(model.flow_.inverse(z), Y.numpy(), atol=1e-4)


def test_gaussian_data_is_learned_near_its_true_likelihood():
    """On Gaussian data every exactly normalised family lands within a few hundredths of a nat of the truth."""
    rng = np.random.default_rng(5)
    cov = np.array([[1.0, 0.6, 0.0], [0.6, 2.0, 0.3], [0.0, 0.3, 0.5]])
    X, test = (rng.multivariate_normal(np.zeros(3), cov, size) for size in (2000, 2000))
    truth = multivariate_normal(np.zeros(3), cov).logpdf(test).mean()
    for name, tolerance in (("gmm", 0.02), ("kde-cv", 0.1), ("rbig", 0.1), ("flow", 0.1)):
        model = fast(name, **({"steps": 400} if name == "flow" else {})).fit(X)
        assert model.log_density(test).mean() == pytest.approx(truth, abs=tolerance), name


# ---------------------------------------------------------------- refusals


def test_data_a_family_cannot_take_is_refused_as_not_available():
    line = np.stack([np.arange(50.0), 2 * np.arange(50.0)], axis=1)
    for name in ("kde-scott", "rbig", "flow", "dde"):
        with pytest.raises(NotAvailableError, match="not available for points that do not vary"):
            fast(name).fit(line)
    with pytest.raises(NotAvailableError, match="not available for 6 points in 8 dimensions"):
        estimators.make("gmm").fit(np.random.default_rng(0).standard_normal((6, 8)))
    with pytest.raises(NotAvailableError, match="not available for 1-D data"):
        fast("flow").fit(np.random.default_rng(0).standard_normal((50, 1)))
    with pytest.raises(NotAvailableError, match="needs at least"):
        estimators.make("rbig").fit(np.ones((3, 2)))
    with pytest.raises(InputError, match="not fitted"):
        estimators.make("gmm").log_density(np.zeros((2, 2)))


def test_gmm_chooses_the_number_of_components_by_bic():
    rng = np.random.default_rng(2)
    centres = np.array([[-6.0, 0.0], [0.0, 6.0], [6.0, 0.0]])
    X = np.concatenate([c + 0.5 * rng.standard_normal((150, 2)) for c in centres])
    model = estimators.make("gmm", candidates=(1, 2, 3, 5, 8)).fit(X)
    assert model.mixture_.n_components == 3 == min(model.bic_, key=model.bic_.get)
