"""Mixing diagnostics (dde_core.mcmc_diagnostics) against chains whose autocorrelation is known."""

import numpy as np
import pytest
from scipy.signal import lfilter

from dde_core.mcmc_diagnostics import (
    ChainFunctions,
    autocorrelation,
    effective_sample_size,
    integrated_autocorrelation_time,
    mixing,
    steps_to_mmd,
)


def ar1(phi, n_draws=20_000, n_chains=8, seed=0):
    """x_t = φ x_{t−1} + ε_t, started in its stationary law N(0, 1/(1 − φ²)); (n_draws, n_chains)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_draws, n_chains))
    noise[0] /= np.sqrt(1.0 - phi**2)
    return lfilter([1.0], [1.0, -phi], noise, axis=0)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, -0.5])
def test_iat_of_an_ar1_chain_is_one_plus_phi_over_one_minus_phi(phi):
    values = ar1(phi)
    expected = (1 + phi) / (1 - phi)
    assert integrated_autocorrelation_time(values) == pytest.approx(expected, rel=0.08)
    assert effective_sample_size(values) == pytest.approx(values.size / expected, rel=0.08)
    rho = autocorrelation(values)
    np.testing.assert_allclose(rho[:4], phi ** np.arange(4), atol=0.03)


def test_chains_that_never_meet_have_a_long_autocorrelation_time():
    """Pooling over chains: iid draws around different centres are one unmixed chain, not many."""
    values = np.random.default_rng(1).standard_normal((2000, 4)) + np.array([-5.0, -5.0, 5.0, 5.0])
    assert integrated_autocorrelation_time(values) > 100
    assert integrated_autocorrelation_time(values - values.mean(axis=0)) == pytest.approx(1.0, rel=0.1)


def test_a_constant_function_has_no_autocorrelation_time_and_bad_values_are_refused():
    assert np.isnan(integrated_autocorrelation_time(np.ones((100, 3))))
    assert np.isnan(effective_sample_size(np.ones((100, 3))))
    with pytest.raises(ValueError, match="NaN"):
        integrated_autocorrelation_time(np.full((100, 2), np.nan))
    with pytest.raises(ValueError, match="draws ≥ 4"):
        integrated_autocorrelation_time(np.ones((3, 2)))


def test_test_functions_and_mixing_of_independent_draws():
    data = np.random.default_rng(2).standard_normal((4000, 2)) * np.array([3.0, 0.5]) + np.array([1.0, 2.0])
    functions = ChainFunctions.from_data(data)
    np.testing.assert_allclose(np.abs(functions.direction), [1.0, 0.0], atol=0.02)  # the long axis
    values = functions(np.array([[1.0, 2.0], [4.0, 2.0], [-2.0, 3.0]]))
    np.testing.assert_allclose(np.abs(values["mean"]), [0.0, 3.0, 3.0], atol=0.1)
    np.testing.assert_allclose(values["second moment"][1:], [9.0, 10.0], atol=0.5)
    assert values["mode"].tolist() in ([0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 1.0])
    draws = np.random.default_rng(3).standard_normal((400, 50, 2)) * np.array([3.0, 0.5]) + np.array([1.0, 2.0])
    draws[:, 7] = np.nan  # a stopped chain is left out
    result = mixing(draws, functions, seconds=2.0, n_chains=1000)
    assert result.measured_chains == 49 and result.draws == 200 and result.warmup == 200
    for name in ("mean", "second moment", "mode"):
        assert result.iat[name] == pytest.approx(1.0, abs=0.15)
        assert result.ess_per_second[name] == pytest.approx(1000 * 200 / result.iat[name] / 2.0)
    assert result.worst_iat == max(result.iat.values())
    assert mixing(draws[:10], functions, seconds=1.0) is None  # too few steps after warm-up


def test_mixing_is_the_same_for_the_same_draws():
    draws = np.random.default_rng(4).standard_normal((100, 20, 2))
    functions = ChainFunctions.from_data(draws[-1])
    assert mixing(draws, functions, 1.0) == mixing(draws.copy(), functions, 1.0)


def test_steps_to_mmd_finds_the_first_frame_close_to_the_truth():
    rng = np.random.default_rng(5)
    truth = rng.standard_normal((500, 2))
    offsets = [6.0, 3.0, 0.0, 0.0]
    frames = np.stack([rng.standard_normal((300, 2)) + offset for offset in offsets])
    assert steps_to_mmd(frames, [0, 10, 20, 30], truth, threshold=0.02) == 20
    assert steps_to_mmd(frames[:2], [0, 10], truth, threshold=0.02) is None
    with pytest.raises(ValueError, match="one step per frame"):
        steps_to_mmd(frames, [0, 10], truth, threshold=0.02)
