"""DDE and ScoreNetwork: siblings on one denoising base, each with only the methods it has."""

import numpy as np
import pytest

from dde_core import DDE
from dde_core.denoising import DenoisingEstimator, tracing_count
from dde_core.errors import InputError
from dde_core.score_network import ScoreNetwork

SIGMA = 1.0
SETTINGS = dict(sigma=SIGMA, hidden=(32, 32), batch_size=512, steps=400, seed=0)


@pytest.fixture(scope="module")
def gaussian():
    """4000 points of N(0, I) in 2-D: at σ its smoothed score is −x / (1 + σ²), in closed form."""
    return np.random.default_rng(7).standard_normal((4000, 2))


@pytest.fixture(scope="module", params=[DDE, ScoreNetwork], ids=["DDE", "ScoreNetwork"])
def trained(request, gaussian):
    """Each kind of model, trained in chunks through the base's partial_fit: 1 step, then 8 × 50."""
    model = request.param(**SETTINGS).partial_fit(gaussian, steps=1)
    for _ in range(8):
        model.partial_fit(steps=50)
    return model


def test_the_two_models_are_siblings_not_parent_and_child():
    net = ScoreNetwork()
    assert not isinstance(net, DDE) and not issubclass(ScoreNetwork, DDE)
    assert isinstance(net, DenoisingEstimator) and isinstance(DDE(), DenoisingEstimator)
    for name in ("log_density", "hessian", "save", "load"):
        assert not hasattr(ScoreNetwork, name), name
        assert hasattr(DDE, name), name
    assert hasattr(ScoreNetwork, "jacobian") and not hasattr(DDE, "jacobian")
    with pytest.raises(TypeError):
        DenoisingEstimator()  # abstract: a model must say how it gets its score


def test_a_score_network_is_the_twin_of_a_dde():
    dde = DDE(sigma=0.3, hidden=(16, 8), steps=50, ema=0.9, seed=2)
    net = ScoreNetwork(**dde.get_params())
    assert net.get_params() == dde.get_params()


def test_both_train_through_the_same_base_loop(trained):
    for method in ("fit", "partial_fit", "denoise", "denoising_loss"):
        assert getattr(type(trained), method) is getattr(DenoisingEstimator, method)
    assert trained.n_steps_ == 401 and trained.history_.steps == [1, *range(51, 402, 50)]
    assert tracing_count(trained, "train") == 1  # chunks do not retrace
    assert trained.device_.startswith(("CPU", "GPU"))
    # The loss falls from the untrained network's (the 1-step chunk) to near the floor d σ² / (1 + σ²).
    assert trained.history_.loss[-1] < 0.7 * trained.history_.loss[0]


def test_both_learn_the_closed_form_gaussian_score(trained, gaussian):
    """N(0, I) data smoothed by N(0, σ²I) is N(0, (1 + σ²)I): score −y / (1 + σ²).

    Its optimal denoiser y / (1 + σ²) has the mean squared error d σ² / (1 + σ²),
    the floor of the denoising loss (1.0 here); doing nothing (s = 0) costs d σ² = 2.0.
    """
    rng = np.random.default_rng(11)
    Y = rng.standard_normal((500, 2)) * np.sqrt(1 + SIGMA**2)
    exact = -Y / (1 + SIGMA**2)
    error = np.linalg.norm(trained.score(Y) - exact, axis=1) / np.linalg.norm(exact, axis=1)
    assert np.median(error) < 0.15
    clean = gaussian[rng.integers(0, len(gaussian), 20_000)]
    noisy = clean + SIGMA * rng.standard_normal(clean.shape)
    floor = 2 * SIGMA**2 / (1 + SIGMA**2)
    assert floor * 0.97 < trained.denoising_loss(clean, noisy) < floor * 1.05
    untrained = type(trained)(**SETTINGS).fit(gaussian, steps=1)
    assert untrained.denoising_loss(clean, noisy) > 1.6 * floor
    np.testing.assert_allclose(trained.denoise(Y), Y + SIGMA**2 * trained.score(Y), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("trained", [ScoreNetwork], ids=["ScoreNetwork"], indirect=True)
def test_the_score_network_jacobian_is_the_derivative_of_its_field(trained):
    """The DDE's derivative of the score is its Hessian, tested in tests/test_model.py."""
    Y = np.random.default_rng(3).standard_normal((9, 2))
    J = trained.jacobian(Y)
    assert J.shape == (9, 2, 2)
    # Near the optimum ∂s/∂y ≈ −I / (1 + σ²).
    np.testing.assert_allclose(np.median(J, axis=0), -np.eye(2) / (1 + SIGMA**2), atol=0.1)


@pytest.mark.parametrize("cls", [DDE, ScoreNetwork])
def test_an_unfitted_model_of_either_kind_says_so(cls):
    X = np.ones((3, 2))
    for call in (lambda m: m.denoise(X), lambda m: m.denoising_loss(X, X), lambda m: m.score(X)):
        with pytest.raises(InputError, match=r"is not fitted yet: call fit\(X\) first"):
            call(cls())
    with pytest.raises(InputError, match="has no data yet"):
        cls().partial_fit(steps=3)
