"""Generate: a generator trained with two DDEs, a GAN of the same generator, their metrics,
command line and figures, checked against closed forms (exact KDEs, Gaussians)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dde_core import datasets
from dde_core.cli import main
from dde_core.generation import GAN, DDEGenerator, DivergenceError, push_between
from dde_core.generation.base import mlp
from dde_core.generation_metrics import METRIC_LABELS, GenerationReference, MetricCurves, mode_quality
from dde_core.grid import Grid
from dde_core.kde import GaussianKDE
from dde_core.model import DDE

SIGMA = 0.3
TINY = {"hidden": (16, 16), "batch_size": 128, "learning_rate": 1e-3}  # small and quick generators


def closed_form_kde_score(centres: np.ndarray, sigma: float, Y: np.ndarray) -> np.ndarray:
    """∇ log (1/D) Σ_i N(y; x_i, σ²I) = (Σ_i w_i x_i − y) / σ², w = softmax(−|y − x_i|² / 2σ²), by hand."""
    log_w = -((Y[:, None, :] - centres[None]) ** 2).sum(-1) / (2 * sigma**2)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return (w @ centres - Y) / sigma**2


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return datasets.sample("8gaussians", 2000, seed=0)


@pytest.fixture(scope="module")
def data_dde(data) -> DDE:
    """A small data DDE at SIGMA, shared by the tests that need f_data."""
    return DDE(sigma=SIGMA, hidden=(32, 32), steps=300, seed=0).fit(data)


def dde_generator(data_dde, **settings) -> DDEGenerator:
    return DDEGenerator(sigma=SIGMA, dde_hidden=(32, 32), data_model=data_dde, **{**TINY, **settings})


# ---- the push -----------------------------------------------------------------------------


def test_push_between_exact_kdes_is_the_difference_of_their_closed_form_scores():
    rng = np.random.default_rng(0)
    data, generated, points = rng.normal(size=(300, 2)), rng.normal(1.0, 0.5, size=(200, 2)), rng.normal(size=(50, 2))
    push = push_between(GaussianKDE(SIGMA).fit(data), GaussianKDE(SIGMA).fit(generated), points)
    expected = closed_form_kde_score(data, SIGMA, points) - closed_form_kde_score(generated, SIGMA, points)
    np.testing.assert_allclose(push, expected, rtol=1e-6, atol=1e-8)


def test_with_exact_kdes_the_generator_push_is_the_closed_form_on_its_own_samples():
    data = np.random.default_rng(3).normal(size=(500, 3))  # any d: here 3
    model = DDEGenerator(sigma=SIGMA, densities="kde", latent_dim=3, seed=0, **TINY).partial_fit(data, steps=2)
    points = model.sample(40, seed=5)
    assert points.shape == (40, 3)
    generated = model.sample_model_.train_ + model.sample_model_.offset_  # the fresh batch the KDE holds
    expected = closed_form_kde_score(data, SIGMA, points) - closed_form_kde_score(generated, SIGMA, points)
    np.testing.assert_allclose(model.push(points), expected, rtol=1e-5, atol=1e-6)


def test_the_trained_push_is_grad_f_data_minus_grad_f_gen(data, data_dde):
    """The push the generator step follows (−∇ℓ, in its graph) equals the DDEs' public scores."""
    model = dde_generator(data_dde).partial_fit(data, steps=20)
    points = np.random.default_rng(1).normal(size=(64, 2)) * 2
    expected = data_dde.score(points) - model.sample_model_.score(points)
    np.testing.assert_allclose(model.push(points), expected, rtol=1e-4, atol=1e-4)


def test_the_gan_push_is_grad_log_d(data):
    model = GAN(discriminator_hidden=(16,), seed=0, **TINY).partial_fit(data, steps=5)
    points = np.random.default_rng(2).normal(size=(8, 2)).astype(np.float32)
    h = 1e-3  # central differences of log D (float32 network: a loose tolerance)
    numeric = np.stack(
        [
            (np.log(model.critic_values(points + h * e)) - np.log(model.critic_values(points - h * e))) / (2 * h)
            for e in np.eye(2, dtype=np.float32)
        ],
        axis=1,
    )
    np.testing.assert_allclose(model.push(points), numeric, rtol=0.05, atol=2e-3)


def test_with_exact_kdes_a_generator_recovers_a_gaussians_mean_and_covariance():
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal([1.0, -0.5], [[0.5, 0.2], [0.2, 0.3]], 2000)
    model = DDEGenerator(sigma=0.3, densities="kde", hidden=(), learning_rate=0.05, batch_size=256, seed=0)
    samples = model.partial_fit(X, steps=100).sample(20_000)
    # it starts far off: mean 0, covariance of a random affine map of N(0, I)
    np.testing.assert_allclose(samples.mean(axis=0), X.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(np.cov(samples.T), np.cov(X.T), atol=0.06)


# ---- same seed, same start, same result ------------------------------------------------------


def test_same_seed_same_result_and_both_methods_start_from_the_same_generator(data, data_dde):
    first = dde_generator(data_dde, seed=3).partial_fit(data, steps=15)
    second = dde_generator(data_dde, seed=3).partial_fit(data, steps=15)
    # TensorFlow's multithreaded CPU sums may add in another order from run to run: equal to
    # float32 round-off grown over 15 adversarial-free steps, far below a change of seed
    np.testing.assert_allclose(first.sample(200), second.sample(200), atol=2e-3)
    other_seed = dde_generator(data_dde, seed=4).partial_fit(data, steps=15)
    assert np.abs(other_seed.sample(200) - first.sample(200)).max() > 0.1

    # critic steps alone leave the generator as initialised: the same for both methods
    gan = GAN(seed=3, **TINY).partial_fit(data, steps=2, part="discriminator")
    start = mlp(2, TINY["hidden"], 2, first.activation, seed=3)
    np.testing.assert_allclose(gan.sample(100), start(first.latent(100)).numpy(), rtol=1e-6)
    other = mlp(2, TINY["hidden"], 2, first.activation, seed=4)
    assert not np.allclose(other(first.latent(100)).numpy(), gan.sample(100))
    # and the generator steps of both methods draw the same latent points
    gan.partial_fit(steps=15, part="generator")
    np.testing.assert_array_equal(first._latent_rng.state.numpy(), gan._latent_rng.state.numpy())
    assert first.n_steps_ == gan.n_steps_ == 15 and gan.n_critic_steps_ == 2


def test_sample_seed_fixes_the_latent_points_and_parts_train_what_they_say(data, data_dde):
    model = dde_generator(data_dde, dde_steps=2).partial_fit(data, steps=3)
    assert (model.n_steps_, model.n_critic_steps_) == (3, 6)
    np.testing.assert_array_equal(model.sample(50), model.sample(50, seed=model.seed))
    assert not np.allclose(model.sample(50), model.sample(50, seed=9))
    before = model.sample(50)
    model.partial_fit(steps=5, part="sample_dde")
    np.testing.assert_array_equal(model.sample(50), before)  # the generator did not move
    model.partial_fit(steps=5, part="generator")
    assert not np.allclose(model.sample(50), before)
    assert model.history_.part == ["both", "sample_dde", "generator"]
    assert np.isnan(model.history_.critic_loss[-1]) and np.isnan(model.history_.generator_loss[1])
    with pytest.raises(ValueError, match="part must be one of both, sample_dde, generator"):
        model.partial_fit(steps=1, part="discriminator")


# ---- saving, loading, refusing --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dde", "gan"])
def test_save_load_round_trip(tmp_path, data, data_dde, kind):
    model = (dde_generator(data_dde) if kind == "dde" else GAN(seed=1, **TINY)).partial_fit(data, steps=10)
    path = model.save(tmp_path / "model.npz")
    loaded = type(model).load(path)
    points = model.sample(100)
    np.testing.assert_array_equal(loaded.sample(100), points)
    np.testing.assert_allclose(loaded.push(points), model.push(points), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loaded.critic_values(points), model.critic_values(points), rtol=1e-6, atol=1e-6)
    assert loaded.get_params() == {k: v for k, v in model.get_params().items() if k != "data_model"} | (
        {"data_model": None} if kind == "dde" else {}
    )
    assert loaded.n_steps_ == model.n_steps_ and loaded.history_ == model.history_
    if kind == "dde":
        loaded.partial_fit(data, steps=2)  # trains on, given the data
    other = GAN if kind == "dde" else DDEGenerator
    with pytest.raises(ValueError, match="not a"):
        other.load(path)
    with pytest.raises(ValueError, match=r"end in \.npz"):
        model.save(tmp_path / "model.keras")


def test_divergence_stops_with_a_message_and_keeps_the_last_good_state(data, data_dde):
    model = dde_generator(data_dde, learning_rate=1000.0).partial_fit(data, steps=1, part="sample_dde")
    before, steps = model.sample(100), model.n_steps_
    with pytest.raises(DivergenceError, match="diverged.*Lower the generator's learning rate") as caught:
        model.partial_fit(steps=50)
    assert isinstance(caught.value, ValueError)
    np.testing.assert_array_equal(model.sample(100), before)
    assert model.n_steps_ == steps and len(model.history_.steps) == 1


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"sigma": 0.0}, "sigma"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"dde_steps": 0}, "dde_steps"),
        ({"densities": "exact"}, "densities"),
        ({"activation": "relu"}, "activation"),
    ],
)
def test_bad_settings_are_refused_with_what_to_do(data, settings, message):
    with pytest.raises(ValueError, match=message):
        DDEGenerator(**{"sigma": SIGMA, **settings}).fit(data, steps=1)


def test_a_data_dde_at_another_sigma_is_refused(data, data_dde):
    with pytest.raises(ValueError, match="both DDEs must share σ"):
        DDEGenerator(sigma=0.2, data_model=data_dde).partial_fit(data, steps=1)


# ---- metrics --------------------------------------------------------------------------------


def test_mode_quality_counts_covered_modes_and_high_quality_share():
    centres, std = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]), 0.1
    samples = np.concatenate(
        [
            np.zeros((90, 2)) + [0.2, 0.0],  # within 3 std of the first centre
            np.zeros((1, 2)) + [10.0, 0.29],  # one (1%) at the second: covered
            np.zeros((9, 2)) + [5.0, 5.0],  # far from every centre: low quality
        ]
    )
    quality = mode_quality(samples, centres, std)
    assert (quality.covered, quality.n_modes, quality.high_quality) == (2, 3, 0.91)


def test_the_true_distribution_scores_as_perfect():
    centres, std = datasets.mode_centres("grid25")
    reference = GenerationReference(
        datasets.sample("grid25", 1000, 1), datasets.sample("grid25", 1000, 2), 0.1, Grid(n=60), centres, std
    )
    values = reference.measure(datasets.sample("grid25", 1000, 3))
    assert values["modes_covered"] == 25 and values["high_quality"] > 0.98
    assert values["kl_grid"] < 0.1 and abs(values["mmd2"]) < 5e-3
    points = datasets.sample("grid25", 1000, 3)
    collapsed = reference.measure(points[(points < -0.5).all(axis=1)])  # the 4 modes of the lower left corner
    assert collapsed["modes_covered"] == 4 and collapsed["kl_grid"] > 1.0 and collapsed["mmd2"] > 0.1
    curves = MetricCurves()
    curves.add(10, values)
    curves.add(20, {"mmd2": 0.5})
    assert curves.steps == [10, 20] and np.isnan(curves.values["kl_grid"][1]) and curves.last()["mmd2"] == 0.5


# ---- command line ---------------------------------------------------------------------------

CLI_TINY = ["--hidden", "16,16", "--critic-hidden", "16,16", "--batch-size", "128", "--n", "1000"]


def test_generate_writes_samples_models_and_metrics_for_both_methods(tmp_path):
    args = ["generate", "--dist", "8gaussians", "--steps", "20", "--data-steps", "100", "--metrics-every", "10"]
    assert main([*args, *CLI_TINY, "--sigma", "0.3", "--samples", "300", "--out", str(tmp_path), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for method, cls in (("dde", DDEGenerator), ("gan", GAN)):
        result = metrics["methods"][method]
        assert result["steps"] == 20 and result["curves"]["steps"] == [10, 20]
        for name in ("mmd2", "energy", "sliced_w", "kl_grid", "modes_covered", "high_quality"):
            assert np.isfinite(result[name])
        samples = np.loadtxt(tmp_path / f"{method}_samples.csv", delimiter=",", skiprows=1)
        np.testing.assert_allclose(samples, cls.load(tmp_path / f"{method}.npz").sample(300), rtol=1e-6)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "vae"], "--method must be dde, gan or both"),
        (["--sigma", "-1"], "sigma"),
        (["--dde-steps", "0"], "--dde-steps"),
        (["--dist", "nope"], "Choose one of"),
        (["--critic-hidden", "a"], "--hidden"),
    ],
)
def test_generate_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["generate", *args, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_generate_refuses_bad_arguments_without_importing_tensorflow(tmp_path):
    script = (
        "import sys\nfrom dde_core.cli import main\n"
        f"code = main(['generate', '--steps', '0', '--out', {str(tmp_path)!r}])\n"
        "assert code == 2 and 'tensorflow' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# ---- figures --------------------------------------------------------------------------------


def test_figures_have_the_expected_traces():
    from dde_viz.generate import critic_figure, generated_figure, metric_curves_figure

    grid = Grid(n=20)
    samples, push = np.random.default_rng(0).normal(size=(30, 2)), np.ones((30, 2))
    figure = generated_figure(np.zeros((50, 2)), samples, push, grid, "DDE generator")
    assert [trace.name for trace in figure.data] == ["data", "push", "generated"]
    segments = np.stack([figure.data[1].x, figure.data[1].y], axis=1).reshape(30, 3, 2)
    np.testing.assert_allclose(segments[:, 0], samples)  # each push starts at its sample
    assert np.all(segments[:, 1] - segments[:, 0] > 0)  # and points along the push
    assert [trace.name for trace in generated_figure(np.zeros((5, 2)), samples, None, grid, "t").data] == [
        "data",
        "generated",
    ]
    density = critic_figure(grid, np.ones((20, 20)), "sample_dde", "sample DDE")
    discriminator = critic_figure(grid, np.full((20, 20), 0.5), "discriminator", "D")
    assert density.data[0].type == discriminator.data[0].type == "heatmap" and discriminator.data[0].zmax == 1.0
    curves = {"DDE generator": MetricCurves([10], {"mmd2": [0.1], "modes_covered": [8]}), "GAN": MetricCurves()}
    figure = metric_curves_figure(curves)
    assert len(figure.data) == 4 and {trace.name for trace in figure.data} == {"DDE generator", "GAN"}
    every = MetricCurves([10, 20], {name: [1.0, 2.0] for name in METRIC_LABELS})  # two rows of three panels
    figure = metric_curves_figure({"DDE generator": every})
    assert len(figure.data) == len(METRIC_LABELS) == 6 and figure.layout.yaxis6.domain[0] == 0.0


def test_a_dropped_generator_leaves_no_compiled_functions_behind(data_dde):
    """Its training loop, push and the sample DDE's steps die with it (as a DDE's evaluations do)."""
    import gc

    from tensorflow.python.eager import context

    X = np.random.default_rng(0).normal(size=(200, 2))

    def use_and_drop() -> None:
        model = dde_generator(data_dde, batch_size=32).partial_fit(X, steps=2)
        model.push(model.sample(5))

    use_and_drop()
    gc.collect()
    before = set(context.context().list_function_names())
    for _ in range(2):
        use_and_drop()
        gc.collect()
    kept = set(context.context().list_function_names()) - before
    assert not [name for name in kept if "while" not in name], sorted(kept)
