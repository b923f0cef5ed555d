"""The DDE against the exact KDE, finite differences and its own contracts."""

import numpy as np
import pytest

from dde_core import DDE, GaussianKDE, Grid, denoising
from dde_core.denoising import tracing_count
from dde_core.errors import InputError
from dde_core.metrics import kl_on_grid


def test_trained_density_matches_the_exact_kde(spirals, trained_spirals):
    """The central claim: f → log KDE_σ. KL on the 200×200 grid (docs/science.md §1)."""
    grid = Grid(n=200)
    kde = GaussianKDE(sigma=0.2).fit(spirals)
    kl = kl_on_grid(kde.log_density(grid.points), trained_spirals.log_density(grid.points))
    assert kl < 0.05
    # An untrained network is far from it, so the bound above means something.
    untrained = DDE(sigma=0.2, seed=0).fit(spirals, steps=1)
    assert kl_on_grid(kde.log_density(grid.points), untrained.log_density(grid.points)) > 1.0


def test_score_matches_the_kde_where_the_data_is(spirals, trained_spirals):
    kde = GaussianKDE(sigma=0.2).fit(spirals)
    Y = kde.sample(2000, seed=5)
    error = np.linalg.norm(trained_spirals.score(Y) - kde.score(Y), axis=1)
    scale = np.linalg.norm(kde.score(Y), axis=1)
    assert np.median(error / scale) < 0.2


def test_score_and_hessian_are_derivatives_of_log_density(trained_spirals, rng):
    Y = rng.uniform(-2, 2, size=(50, 2))
    h = 1e-2  # float32 network: a coarse step, central differences are O(h²)
    steps = np.eye(2) * h
    f = trained_spirals.log_density
    fd_score = np.stack([(f(Y + e) - f(Y - e)) / (2 * h) for e in steps], axis=1)
    score = trained_spirals.score(Y)
    np.testing.assert_allclose(score, fd_score, atol=2e-2 * np.abs(score).max())
    s = trained_spirals.score
    fd_hessian = np.stack([(s(Y + e) - s(Y - e)) / (2 * h) for e in steps], axis=2)
    hessian = trained_spirals.hessian(Y)
    np.testing.assert_allclose(hessian, fd_hessian, atol=3e-2 * np.abs(hessian).max())


def test_hessian_is_symmetric_so_the_field_has_no_curl(trained_spirals, rng):
    hessian = trained_spirals.hessian(rng.uniform(-3, 3, size=(500, 2)))
    curl = hessian[:, 1, 0] - hessian[:, 0, 1]
    assert np.abs(curl).max() <= 1e-5 * np.abs(hessian).max()


def test_denoise_is_tweedie(trained_spirals, rng):
    Y = rng.standard_normal((20, 2))
    np.testing.assert_allclose(trained_spirals.denoise(Y), Y + 0.04 * trained_spirals.score(Y), rtol=1e-6, atol=1e-6)


def test_loss_is_above_the_kde_floor(spirals, trained_spirals, rng):
    clean = spirals[rng.integers(0, len(spirals), 4000)]
    noisy = clean + 0.2 * rng.standard_normal(clean.shape)
    kde = GaussianKDE(sigma=0.2).fit(spirals)
    floor = float(np.mean(np.sum((kde.denoise(noisy) - clean) ** 2, axis=1)))
    loss = trained_spirals.denoising_loss(clean, noisy)
    assert floor <= loss < floor * 1.05


def test_same_seed_same_model_other_seed_other_model(rng):
    X = rng.standard_normal((500, 2)).astype(np.float32)
    Y = rng.standard_normal((10, 2))
    a = DDE(sigma=0.5, hidden=(16, 16), steps=50, seed=3).fit(X).log_density(Y)
    b = DDE(sigma=0.5, hidden=(16, 16), steps=50, seed=3).fit(X).log_density(Y)
    c = DDE(sigma=0.5, hidden=(16, 16), steps=50, seed=4).fit(X).log_density(Y)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert np.abs(a - c).max() > 1e-3


def test_training_in_chunks_does_not_retrace(rng):
    X = rng.standard_normal((300, 2))
    model = DDE(sigma=0.5, hidden=(8,), steps=100).fit(X, steps=5)
    for _ in range(3):
        model.partial_fit(steps=7)
    model.partial_fit(rng.standard_normal((123, 2)), steps=2)  # new data, same trace
    assert model.n_steps_ == 5 + 21 + 2
    assert tracing_count(model, "train") == 1
    assert model.history_.steps == [5, 12, 19, 26, 28]


def test_models_of_one_architecture_share_their_compiled_functions_and_nothing_else(rng):
    """A new model of a known architecture traces nothing (so it leaves no graph behind in the
    process when dropped), yet trains and evaluates its own weights only."""
    X = rng.standard_normal((400, 2))
    Y = rng.standard_normal((50, 2))
    first = DDE(sigma=0.5, hidden=(12, 7), steps=60).fit(X)
    before = first.log_density(Y), first.score(Y)
    traces = tracing_count(first, "train"), tracing_count(first, "evaluate")
    second = DDE(sigma=0.3, hidden=(12, 7), steps=90, learning_rate=1e-2, ema=0.9, seed=4).fit(X[:123])
    second.partial_fit(X, steps=10)
    after_second = second.log_density(Y), second.score(Y)
    assert (tracing_count(second, "train"), tracing_count(second, "evaluate")) == traces
    np.testing.assert_array_equal(first.log_density(Y), before[0])  # untouched by the other's training
    np.testing.assert_array_equal(first.score(Y), before[1])
    assert np.abs(after_second[0] - before[0]).max() > 1e-3
    # The second model is the one it would be alone: the same seed in a fresh model gives it again.
    again = DDE(sigma=0.3, hidden=(12, 7), steps=90, learning_rate=1e-2, ema=0.9, seed=4).fit(X[:123])
    again.partial_fit(X, steps=10)
    np.testing.assert_allclose(again.log_density(Y), after_second[0], rtol=1e-5, atol=1e-5)


def test_training_in_chunks_gives_the_model_of_one_long_run(rng):
    """A step's draws depend on the seed and the step number only, so chunks change nothing."""
    X = rng.standard_normal((300, 2))
    Y = rng.standard_normal((20, 2))
    whole = DDE(sigma=0.4, hidden=(16, 16), steps=40, seed=7).fit(X, steps=24)
    chunked = DDE(sigma=0.4, hidden=(16, 16), steps=40, seed=7).fit(X, steps=5)
    for steps in (7, 1, 11):
        chunked.partial_fit(steps=steps)
    np.testing.assert_allclose(chunked.log_density(Y), whole.log_density(Y), rtol=1e-5, atol=1e-5)


def test_the_optimiser_is_adam_with_a_cosine_decay_as_keras_defines_them(rng):
    """One hand-written Adam step and the cosine schedule against Keras's own on the same gradients."""
    import keras
    import tensorflow as tf

    start = rng.standard_normal((3, 4)).astype(np.float32)
    gradients = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(5)]
    schedule = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=3, alpha=denoising.COSINE_FLOOR)
    theirs, ours = tf.Variable(start), tf.Variable(start)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    moments = denoising.AdamMoments.zeros_for([ours])
    for g in gradients:  # past the decay's end too (steps 4 and 5 stay at the floor)
        optimizer.apply([tf.constant(g)], [theirs])
        moments.apply([tf.constant(g)], [ours], denoising.cosine_rate(0.1, 3.0, moments.iterations))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert int(moments.iterations.numpy()) == 5
    assert not np.allclose(ours.numpy(), start)


def test_works_in_higher_dimension(rng):
    X = rng.standard_normal((2000, 5))
    model = DDE(sigma=0.5, hidden=(32, 32), steps=400).fit(X)
    Y = rng.standard_normal((7, 5))
    assert model.log_density(Y).shape == (7,)
    assert model.score(Y).shape == (7, 5)
    hessian = model.hessian(Y)
    assert hessian.shape == (7, 5, 5)
    np.testing.assert_allclose(hessian, np.swapaxes(hessian, 1, 2), atol=1e-5)
    kde = GaussianKDE(sigma=0.5).fit(X)
    # Smoothed standard normal data: score ≈ −y / (1 + σ²); the DDE should be near it.
    cosine = np.sum(model.score(Y) * kde.score(Y), axis=1) / (
        np.linalg.norm(model.score(Y), axis=1) * np.linalg.norm(kde.score(Y), axis=1)
    )
    assert np.median(cosine) > 0.9


def test_save_and_load_round_trip(tmp_path, trained_spirals, rng):
    path = trained_spirals.save(tmp_path / "model.keras", metadata={"dataset": "2spirals"})
    loaded = DDE.load(path)
    Y = rng.uniform(-3, 3, size=(100, 2))
    np.testing.assert_allclose(loaded.log_density(Y), trained_spirals.log_density(Y), atol=1e-5)
    assert loaded.sigma_ == 0.2 and loaded.metadata_["dataset"] == "2spirals"
    with pytest.raises(ValueError, match=r"\.keras"):
        trained_spirals.save(tmp_path / "model.h5")
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a DDE model file"):
        DDE.load(tmp_path / "junk.keras")
    with pytest.raises(ValueError, match="No model file"):
        DDE.load(tmp_path / "missing.keras")


def test_reports_its_device(trained_spirals):
    assert trained_spirals.device_.startswith(("CPU", "GPU"))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sigma": 0}, "sigma"),
        ({"sigma": float("nan")}, "sigma"),
        ({"activation": "relu"}, "twice differentiable.*softplus"),
        ({"hidden": ()}, "hidden"),
        ({"hidden": (32, 0)}, "width"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"ema": 1.0}, "ema"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        DDE(**params).fit(np.zeros((10, 2)))


def test_bad_data():
    X = np.ones((10, 2))
    X[4] = np.nan
    with pytest.raises(ValueError, match=r"row\(s\): 4"):
        DDE().fit(X)
    with pytest.raises(ValueError, match="at least 2"):
        DDE().fit(np.ones((1, 2)))
    with pytest.raises(ValueError, match="not fitted"):
        DDE().log_density(np.ones((1, 2)))
    with pytest.raises(ValueError, match="no data"):
        DDE().partial_fit(steps=3)


@pytest.mark.parametrize(
    "call",
    [
        lambda model: model.denoise(np.ones((3, 2))),
        lambda model: model.denoising_loss(np.ones((3, 2)), np.ones((3, 2))),
        lambda model: model.score(np.ones((3, 2))),
        lambda model: model.hessian(np.ones((3, 2))),
        lambda model: model.n_steps_,
    ],
    ids=["denoise", "denoising_loss", "score", "hessian", "n_steps_"],
)
def test_an_unfitted_model_says_so_before_reading_fitted_attributes(call):
    with pytest.raises(InputError, match=r"This DDE is not fitted yet: call fit\(X\) first"):
        call(DDE())


def test_denoising_loss_checks_that_its_pairs_match(trained_spirals):
    with pytest.raises(InputError, match="row by row"):
        trained_spirals.denoising_loss(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(InputError, match="columns"):
        trained_spirals.denoising_loss(np.ones((3, 2)), np.ones((3, 3)))


def test_a_dropped_model_leaves_no_compiled_evaluations_behind():
    """The graphs compiled to evaluate a model die with it (issue 10: ~9 MiB kept per
    playground session when they were module-level functions taking the network)."""
    import gc

    from tensorflow.python.eager import context

    X = np.random.default_rng(0).normal(size=(200, 2))

    def use_and_drop() -> None:
        model = DDE(sigma=0.5, hidden=(8,), batch_size=64).fit(X, steps=5)
        model.log_density(X[:5]), model.score(X[:5]), model.hessian(X[:5])

    use_and_drop()  # first use: anything made once per process
    gc.collect()
    before = set(context.context().list_function_names())
    for _ in range(3):
        use_and_drop()
        gc.collect()
    kept = set(context.context().list_function_names()) - before
    evaluations = [name for name in kept if "while" not in name]  # TensorFlow keeps a loop's body and condition
    assert not evaluations, sorted(evaluations)
