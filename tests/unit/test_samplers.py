"""Samplers against targets with exact scores: Gaussians with closed-form answers."""

import gc
import weakref

import numpy as np
import pytest
import tensorflow as tf

from dde_core import DDE, GaussianKDE
from dde_core.comparison import HESSIAN_SOURCES, SamplerSettings, quality_table, run_side_by_side
from dde_core.mcmc_diagnostics import ChainFunctions, mixing
from dde_core.samplers import (
    DDETarget,
    GaussianTarget,
    KDETarget,
    SecondOrderHessian,
    WithHessian,
    annealed_langevin,
    langevin,
)
from dde_core.second_order import SecondOrderNetwork

MEAN = np.array([1.0, -0.5])
COV = np.array([[1.0, 0.5], [0.5, 2.0]])
TARGET = GaussianTarget(MEAN, COV)  # one object: its compiled loops are traced once per method


def start(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 2)) * 3.0


def test_ula_matches_its_closed_form_stationary_law():
    """ULA on N(μ, Σ) is itself Gaussian: covariance Σ_k s_k/(1 − τ/(2 s_k)) in Σ's eigenbasis."""
    tau = 0.3
    run = langevin(TARGET, start(20_000), tau, 200, "ula", seed=1)
    s, V = np.linalg.eigh(COV)
    expected = V @ np.diag(s / (1 - tau / (2 * s))) @ V.T
    np.testing.assert_allclose(run.samples.mean(axis=0), MEAN, atol=0.04)
    np.testing.assert_allclose(np.cov(run.samples.T), expected, atol=0.06)
    assert not np.allclose(expected, COV, atol=0.06)  # the bias is visible, so the test can tell


def test_mala_is_exact_and_reports_acceptance():
    run = langevin(TARGET, start(20_000), 0.4, 300, "mala", seed=2)
    np.testing.assert_allclose(run.samples.mean(axis=0), MEAN, atol=0.04)
    np.testing.assert_allclose(np.cov(run.samples.T), COV, atol=0.06)
    assert 0.3 < run.acceptance < 1.0


def test_mala_acceptance_falls_as_the_step_grows():
    rates = [langevin(TARGET, start(2000), tau, 50, "mala").acceptance for tau in (0.05, 0.5, 2.0, 8.0)]
    assert all(a > b for a, b in zip(rates, rates[1:]))


def test_ozaki_is_exact_for_a_gaussian_even_at_large_steps():
    target = GaussianTarget(MEAN, COV)
    precision = np.linalg.inv(COV)
    for tau in (1.0, 5.0):
        x0 = np.tile([3.0, 2.0], (40_000, 1))
        run = langevin(target, x0, tau, 1, "ozaki", seed=3)
        # One exact step of the OU process: mean μ + e^{−τP}(x0 − μ), cov (I − e^{−2τP}) Σ.
        w, V = np.linalg.eigh(precision)
        decay = V @ np.diag(np.exp(-tau * w)) @ V.T
        np.testing.assert_allclose(run.samples.mean(axis=0), MEAN + decay @ (x0[0] - MEAN), atol=0.03)
        expected_cov = (np.eye(2) - decay @ decay) @ COV
        np.testing.assert_allclose(np.cov(run.samples.T), expected_cov, atol=0.04)
        many = langevin(target, start(20_000), tau, 20, "ozaki", seed=4)
        np.testing.assert_allclose(np.cov(many.samples.T), COV, atol=0.08)


def test_ozaki_clamps_positive_curvature():
    """Where log π is convex (a valley between modes) H is clamped, and the step stays finite."""
    X = np.array([[-2.0, 0.0], [2.0, 0.0]])
    kde = GaussianKDE(sigma=0.5).fit(X)
    assert kde.hessian(np.zeros((1, 2)))[0, 0, 0] > 0  # convex at the origin
    run = langevin(KDETarget(kde, 500), np.zeros((500, 2)), 0.2, 30, "ozaki")
    assert run.nonfinite == 0
    assert np.abs(np.abs(run.samples[:, 0]).mean() - 2.0) < 0.3  # chains reach the modes


def test_annealed_langevin_ends_on_the_last_level():
    sigmas = [1.0, 0.5, 0.25]
    targets = [GaussianTarget(np.zeros(2), (1 + s**2) * np.eye(2)) for s in sigmas]
    run = annealed_langevin(targets, sigmas, start(10_000), 0.01, 200, seed=5)
    np.testing.assert_allclose(np.cov(run.samples.T), (1 + 0.25**2) * np.eye(2), atol=0.06)
    assert run.trajectory.shape[0] == 4 and run.steps_done == 600


def test_common_random_numbers_make_equal_scores_give_equal_chains():
    X = np.random.default_rng(0).standard_normal((300, 2))
    kde = GaussianKDE(sigma=0.3).fit(X)
    x0 = start(200)
    a = langevin(KDETarget(kde, 200), x0, 0.01, 40, "mala", seed=9)
    b = langevin(KDETarget(kde, 200, block_elements=2**12), x0, 0.01, 40, "mala", seed=9)
    np.testing.assert_allclose(a.samples, b.samples, atol=1e-9)
    c = langevin(KDETarget(kde, 200), x0, 0.01, 40, "mala", seed=10)
    assert np.abs(a.samples - c.samples).max() > 0.01


def test_targets_agree_with_their_models():
    X = np.random.default_rng(1).standard_normal((400, 2))
    kde = GaussianKDE(sigma=0.4).fit(X)
    model = DDE(sigma=0.4, hidden=(16, 16), steps=30).fit(X)
    Y = np.random.default_rng(2).standard_normal((25, 2))
    y = tf.constant(Y)
    kde_target, dde_target = KDETarget(kde, 25), DDETarget(model)
    np.testing.assert_allclose(kde_target.log_density(y).numpy(), kde.log_density(Y), atol=1e-9)
    np.testing.assert_allclose(kde_target.score(y).numpy(), kde.score(Y), atol=1e-8)
    np.testing.assert_allclose(kde_target.hessian(y).numpy(), kde.hessian(Y), atol=1e-7)
    np.testing.assert_allclose(dde_target.score(y).numpy(), model.score(Y), atol=1e-5)
    np.testing.assert_allclose(dde_target.hessian(y).numpy(), model.hessian(Y), atol=1e-4)


def test_exploding_steps_are_counted_not_crashed():
    run = langevin(GaussianTarget(MEAN, 0.01 * np.eye(2)), start(300), 5.0, 60, "ula", box=(-4, 4))
    assert run.nonfinite + run.escaped == 300


def test_stop_early_keeps_what_was_drawn():
    run = langevin(TARGET, start(100), 0.1, 100, "ula", record_every=10, progress=lambda done, total: done >= 30)
    assert run.stopped_early and run.steps_done == 30 and run.trajectory.shape == (4, 20, 2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "hmc"}, "Unknown sampler"),
        ({"step_size": 0.0}, "step size"),
        ({"step_size": float("nan")}, "step size"),
        ({"n_steps": 0}, "number of steps"),
        ({"x0": np.zeros((3, 5))}, "columns"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"x0": np.zeros((3, 2)), "step_size": 0.1, "n_steps": 5, "method": "ula", **kwargs}
    with pytest.raises(ValueError, match=message):
        langevin(TARGET, **args)
    with pytest.raises(ValueError, match="decrease"):
        annealed_langevin([TARGET] * 2, [0.1, 0.2], np.zeros((3, 2)), 0.1, 5)


def test_a_target_used_again_runs_its_compiled_loop_without_tracing_anew():
    from dde_core.comparison import dde_target, kde_target
    from dde_core.samplers import _chunk_runner

    points = np.random.default_rng(0).normal(size=(300, 2))
    model = DDE(sigma=0.5, hidden=(8,), batch_size=64, steps=5).fit(points)
    kde = GaussianKDE(0.5).fit(points)
    x0 = start(16)
    for target in (dde_target(model), kde_target(kde, 16)):
        first = langevin(target, x0, 0.01, 6, "mala", record_every=3)
        again = langevin(target, x0, 0.01, 6, "mala", record_every=3)
        np.testing.assert_array_equal(first.samples, again.samples)  # same noise, same chains
        assert _chunk_runner(target, "mala", 1e-3).experimental_get_tracing_count() == 1

    assert dde_target(model) is dde_target(model) and kde_target(kde, 16) is kde_target(kde, 16)
    model.partial_fit(steps=2)  # training further keeps the target (same network, new weights)
    assert dde_target(model) is dde_target(model)
    old_dde, old_kde = dde_target(model), kde_target(kde, 16)
    model.fit(points + 1.0)  # a refit builds new networks
    kde.fit(points + 1.0)
    assert dde_target(model) is not old_dde and kde_target(kde, 16) is not old_kde
    assert kde_target(kde, 32) is not kde_target(kde, 16)  # the KDE's block size follows the chains
    np.testing.assert_allclose(
        kde_target(kde, 16).score(tf.constant([[1.0, 1.0]], tf.float64)), kde.score(np.array([[1.0, 1.0]])), atol=1e-10
    )

    # the caches go with their model: nothing keeps a model, a KDE or a target alive
    langevin(kde_target(kde, 16), x0, 0.01, 3, "ula")
    gone = [weakref.ref(obj) for obj in (model, kde, dde_target(model), kde_target(kde, 16))]
    del model, kde, target, old_dde, old_kde
    gc.collect()
    assert [ref() for ref in gone] == [None] * 4


# ---- Ozaki's Hessian sources, stopped chains, per-step draws and mixing --------------------------
class HoleyHessian:
    """The Gaussian's Hessian, but NaN where x₁ > 2 (a Hessian source gone bad)."""

    n_dims = 2

    def hessian(self, x):
        return tf.where((x[:, 0] > 2.0)[:, None, None], tf.constant(np.nan, tf.float64), TARGET.hessian(x))


def test_ozaki_stops_the_chains_whose_hessian_is_not_finite_and_goes_on():
    x0 = start(300)
    holey = WithHessian(TARGET, HoleyHessian())
    one = langevin(holey, x0, 0.5, 1, "ozaki", seed=3)
    bad = x0[:, 0] > 2.0
    assert bad.sum() > 10 and one.nonfinite == bad.sum()
    exact = langevin(TARGET, x0, 0.5, 1, "ozaki", seed=3)  # the others step exactly as with the true Hessian
    np.testing.assert_allclose(one.samples[~bad], exact.samples[~bad], atol=1e-12)
    many = langevin(holey, x0, 0.5, 40, "ozaki", seed=3, n_traced=300)
    assert bad.sum() <= many.nonfinite < 300 and np.isfinite(many.samples).sum(axis=1).min() in (0, 2)
    assert mixing(many.draws, ChainFunctions.from_data(exact.samples), many.seconds) is not None


def test_traced_draws_are_the_chains_at_every_step():
    x0 = start(40)
    traced = langevin(TARGET, x0, 0.1, 23, "mala", record_every=7, n_traced=5, seed=4)
    plain = langevin(TARGET, x0, 0.1, 23, "mala", record_every=7, seed=4)
    assert traced.draws.shape == (24, 5, 2) and plain.draws is None
    np.testing.assert_array_equal(traced.draws[0], x0[:5])
    np.testing.assert_array_equal(traced.draws[-1], traced.samples[:5])
    np.testing.assert_array_equal(traced.samples, plain.samples)  # recording changes nothing


def test_ozaki_mixes_a_gaussian_in_far_fewer_steps_than_ula():
    functions = ChainFunctions.from_data(np.random.default_rng(0).multivariate_normal(MEAN, COV, 4000))
    taus = {}
    for method, tau in (("ozaki", 2.0), ("ula", 0.05)):
        run = langevin(TARGET, start(200), tau, 400, method, seed=6, n_traced=200, record_every=400)
        taus[method] = mixing(run.draws, functions, run.seconds).iat["mean"]
    # per step the slow direction decays by e^{−τ/λ} (Ozaki) and 1 − τ/λ (ULA), λ = 2.2: τ_int ≈ 2.4 and ≈ 87
    assert taus["ozaki"] < 5.0 and taus["ula"] > 30.0


@pytest.fixture(scope="module")
def small_models():
    points = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    model = DDE(sigma=0.5, hidden=(8,), batch_size=64, steps=5).fit(points)
    second = SecondOrderNetwork(model, sigma=0.5, hidden=(8,), batch_size=64, steps=5).fit(points)
    return points, model, GaussianKDE(0.5).fit(points), second


@pytest.mark.parametrize("source", HESSIAN_SOURCES)
def test_ozaki_runs_with_each_hessian_source_and_reports_mixing(small_models, source):
    points, model, kde, second = small_models
    settings = SamplerSettings("Ozaki", 0.05, 20, 40, "data", seed=1, hessian=source)
    *_, runs = run_side_by_side(model, kde, points, settings, second_order=second, n_traced=40)
    assert runs["DDE"].steps_done == 20 and runs["DDE"].nonfinite == 0 and runs["DDE"].draws.shape == (21, 40, 2)
    rows = quality_table(runs, points[:200])
    assert all(row.iat > 0 and row.ess_per_second > 0 and row.mixing.n_chains == 40 for row in rows)
    *_, again = run_side_by_side(model, kde, points, settings, second_order=second, n_traced=40)
    np.testing.assert_array_equal(runs["DDE"].samples, again["DDE"].samples)  # same seed, same chains


def test_hessian_sources_give_their_own_hessians(small_models):
    points, model, kde, second = small_models
    y = tf.constant(points[:7], tf.float64)
    np.testing.assert_allclose(
        WithHessian(DDETarget(model), KDETarget(kde, 7)).hessian(y).numpy(), kde.hessian(points[:7]), atol=1e-6
    )
    np.testing.assert_allclose(SecondOrderHessian(second).hessian(y).numpy(), second.hessian(points[:7]), atol=1e-5)
    np.testing.assert_allclose(WithHessian(DDETarget(model), KDETarget(kde, 7)).score(y), DDETarget(model).score(y))
    with pytest.raises(ValueError, match="train one first"):
        next(run_side_by_side(model, kde, points, SamplerSettings("Ozaki", hessian="second-order network")))
    with pytest.raises(ValueError, match="Hessian source"):
        SamplerSettings("Ozaki", hessian="finite differences").validated()
