"""The claims engine (dde_core.claims, dde_core.score_network) against closed forms and direct computations;
its figures (dde_viz.claims)."""

import json
import math
from dataclasses import asdict

import numpy as np
import pytest
from scipy.special import logsumexp

from dde_core import DDE, GaussianKDE, Grid, claims, datasets
from dde_core.claims import TimingRow
from dde_core.claims.timing import time_calls
from dde_core.kde import scipy_isotropic_kde
from dde_core.score_network import ScoreNetwork
from dde_core.training import run_in_chunks, train_in_chunks
from dde_viz.claims import ellipse_outline, field_figure, hessian_error_figure, timing_figure

SIGMA = 0.3
WIDE = Grid((-6.0, 6.0), (-6.0, 6.0), 240)  # holds the mass of 8gaussians at σ = 0.3 ([-4, 4]² misses 0.3%)


@pytest.fixture(scope="module")
def gaussians():
    return datasets.sample("8gaussians", 4000, seed=0)


@pytest.fixture(scope="module")
def twins(gaussians):
    """A DDE and a direct score network trained the same way (same settings, data, σ, steps)."""
    settings = dict(sigma=SIGMA, batch_size=256, steps=1500, seed=0)
    return DDE(**settings).fit(gaussians), ScoreNetwork(**settings).fit(gaussians)


# ---- the direct score network --------------------------------------------------------------------
def median_relative_score_error(model, kde, Y):
    target = kde.score(Y)
    return float(np.median(np.linalg.norm(model.score(Y) - target, axis=1) / np.linalg.norm(target, axis=1)))


def test_score_network_approaches_the_kde_score(gaussians, twins):
    kde = GaussianKDE(SIGMA).fit(gaussians)
    Y = kde.sample(2000, seed=5)
    untrained = ScoreNetwork(sigma=SIGMA, batch_size=256, seed=0).fit(gaussians, steps=1)
    assert median_relative_score_error(untrained, kde, Y) > 0.8
    assert median_relative_score_error(twins[1], kde, Y) < 0.2
    assert twins[1].n_steps_ == 1500 and twins[1].get_params() == twins[0].get_params()


def test_score_network_has_no_density_and_checks_its_input(gaussians, twins):
    net = twins[1]
    assert not hasattr(net, "log_density") and not hasattr(net, "hessian")  # a free field has no potential
    with pytest.raises(ValueError, match="sigma"):
        ScoreNetwork(sigma=-1.0).fit(gaussians)
    with pytest.raises(ValueError, match="not fitted"):
        ScoreNetwork().score(gaussians[:3])


def test_score_network_jacobian_matches_finite_differences(twins, rng):
    net = twins[1]
    Y = rng.uniform(-2, 2, size=(40, 2))
    h = 1e-2  # float32 network: coarse step, central differences
    fd = np.stack([(net.score(Y + e) - net.score(Y - e)) / (2 * h) for e in np.eye(2) * h], axis=2)
    J = net.jacobian(Y)
    np.testing.assert_allclose(J, fd, atol=3e-2 * np.abs(J).max())


# ---- training in chunks (dde_core.training), as the claims, the pages, the CLI and the bench do --------
class Recorder:
    """Stands in for a model: records each partial_fit call's data and steps."""

    def __init__(self):
        self.calls = []

    def partial_fit(self, X=None, steps=100):
        self.calls.append((X, steps))
        return self


def test_train_in_chunks_passes_the_data_once_reports_and_stops():
    model, points, seen = Recorder(), np.zeros((4, 2)), []
    assert train_in_chunks(model, points, 250, 100, lambda done, total: seen.append((done, total))) is model
    assert [steps for _, steps in model.calls] == [100, 100, 50] and seen == [(100, 250), (200, 250), (250, 250)]
    assert model.calls[0][0] is points and all(X is None for X, _ in model.calls[1:])
    stop_after_one = lambda: len(seen) >= 4  # one more report
    assert run_in_chunks(lambda n: None, 300, 100, lambda *report: seen.append(report), stop_after_one) == 100
    assert run_in_chunks(lambda n: 1 / 0, 0) == 0  # nothing to do, nothing called
    with pytest.raises(ValueError, match="chunk"):
        run_in_chunks(lambda n: None, 10, chunk=0)


def test_time_calls_makes_at_least_one_call_and_stops_at_its_budget():
    assert time_calls(lambda: 7, repeats=3).calls == 3 and time_calls(lambda: 7, 3).result == 7
    once = time_calls(lambda: None, repeats=5, max_seconds=0.0)
    assert once.calls == 1 and once.best == once.times[0] >= 0


# ---- claim 3: curl and loop integrals ------------------------------------------------------------
def test_curl_is_float_noise_for_the_dde_and_clearly_not_for_the_direct_network(twins):
    """The case: both fields trained identically on 8gaussians, seen on the whole [-4, 4]² box.

    Thresholds: the DDE's curl is H₂₁ − H₁₂ of one float32 Hessian, so only rounding
    (float32 ε ≈ 1.2e-7, measured ≈ 3e-7 of max|H|); 1e-5 leaves room for accumulated
    rounding.  The direct network's curl is a modelling error, nothing forces it to 0;
    measured ≈ 0.1 of max|J|.  1e-2 is 1000× the DDE bound and 10× below the measurement.
    """
    dde, direct = twins
    grid = Grid(n=60)
    dde_view = claims.field_view(dde.score, dde.hessian, grid)
    direct_view = claims.field_view(direct.score, direct.jacobian, grid)
    assert dde_view.curl.shape == (60, 60) and dde_view.field.shape == (20, 20, 2)
    assert dde_view.relative_curl <= 1e-5
    assert direct_view.relative_curl >= 1e-2
    # The same contrast around a loop: the DDE's circulation is float noise on the scale 2πr·max|s|.
    centre, radius = (0.0, 0.0), 1.5
    scale = 2 * math.pi * radius * np.abs(dde.score(grid.points)).max()
    assert abs(claims.loop_integral(dde.score, centre, radius)) <= 1e-6 * scale
    assert abs(claims.loop_integral(direct.score, centre, radius)) >= 1e-3 * scale


def test_curl_of_an_analytic_jacobian():
    # s = (x₁² x₂, x₁ x₂): ∂s₂/∂x₁ − ∂s₁/∂x₂ = x₂ − x₁².
    x1, x2 = 0.7, -1.3
    J = np.array([[2 * x1 * x2, x1**2], [x2, x1]])
    assert claims.curl(J) == pytest.approx(x2 - x1**2)
    with pytest.raises(ValueError, match="2-D"):
        claims.curl(np.zeros((4, 3, 3)))


def test_loop_integral_of_closed_forms():
    c, centre, radius = 0.8, (0.4, -1.1), 1.7

    def rotation(points):
        return c * np.stack([-points[:, 1], points[:, 0]], axis=1)

    def gaussian_score(points):  # ∇ log N(μ, Σ) = −Σ⁻¹(x − μ): a gradient field
        return -(points - np.array([1.0, 0.5])) @ np.linalg.inv(np.array([[1.0, 0.3], [0.3, 0.5]]))

    assert claims.loop_integral(rotation, centre, radius) == pytest.approx(2 * math.pi * radius**2 * c, rel=1e-12)
    assert abs(claims.loop_integral(gaussian_score, centre, radius)) < 1e-12
    # Stokes: the disc integral of the curl (2c) on a fine grid gives the same.
    grid = Grid((-2, 3), (-3.5, 1.5), 400)
    assert claims.disc_integral(np.full((400, 400), 2 * c), grid, centre, radius) == pytest.approx(
        2 * math.pi * radius**2 * c, rel=5e-3
    )
    for bad in (dict(centre=(0, 0), radius=0.0), dict(centre=(0, 0, 0), radius=1.0)):
        with pytest.raises(ValueError, match="loop"):
            claims.loop_integral(rotation, **bad)


# ---- claim 2: normalisation and held-out log-likelihood -------------------------------------------
def test_kde_has_log_z_zero_by_both_methods(gaussians):
    kde = GaussianKDE(SIGMA).fit(gaussians)
    wider = GaussianKDE(1.5 * SIGMA).fit(gaussians)  # a proposal that is not the target itself
    z = claims.normalising_constants(kde.log_density, wider, WIDE, n=20_000)
    assert abs(z.grid.value) < 2e-3
    assert abs(z.importance.value) < 4 * z.importance.stderr + 1e-3


@pytest.mark.parametrize("d", [3, 5])
def test_importance_sampling_recovers_z_in_higher_dimensions(d, rng):
    X = rng.standard_normal((500, d))
    target, proposal = GaussianKDE(0.5).fit(X), GaussianKDE(0.6).fit(X)
    z = claims.normalising_constants(target.log_density, proposal, Grid(n=50), n=20_000)
    assert z.grid is None  # quadrature is 2-D only
    assert abs(z.importance.value) < 4 * z.importance.stderr + 1e-3


def test_dde_log_z_by_grid_and_by_importance_sampling_agree(gaussians, twins):
    dde = twins[0]
    z = claims.normalising_constants(dde.log_density, GaussianKDE(SIGMA).fit(gaussians), WIDE, n=20_000)
    estimate = z.importance
    assert abs(z.grid.value - estimate.value) < 3 * estimate.stderr + 2e-3
    assert estimate.ess > 0.5 * estimate.n  # the KDE at σ is a good proposal for the DDE


def test_held_out_log_likelihood_matches_a_direct_computation(gaussians, twins):
    dde = twins[0]
    test = datasets.sample("8gaussians", 1000, seed=77).astype(np.float64)
    grid = WIDE
    result = claims.held_out_log_likelihoods(dde, gaussians, test, SIGMA, grid, n_importance=5000)
    train = gaussians.astype(np.float64)
    sq = ((test[:, None, :] - train[None, :, :]) ** 2).sum(axis=2)
    direct = logsumexp(-sq / (2 * SIGMA**2), axis=1) - math.log(len(train)) - math.log(2 * math.pi * SIGMA**2)
    assert result.kde_sigma.mean == pytest.approx(direct.mean(), abs=1e-9)
    assert result.kde_sigma.stderr == pytest.approx(direct.std(ddof=1) / math.sqrt(len(test)), rel=1e-6)
    f = dde.log_density(test)
    log_z = claims.normalising_constants(dde.log_density, GaussianKDE(SIGMA).fit(gaussians), grid, n=2).grid.value
    assert result.dde_grid.mean == pytest.approx(f.mean() - log_z, abs=1e-9)
    assert result.kde_mass_on_grid == pytest.approx(1.0, abs=2e-3)
    assert result.dde_importance.mean == pytest.approx(result.dde_grid.mean, abs=0.01)
    # The trained DDE scores like its target; both are close to the best possible, −H(p).
    assert result.dde_grid.mean == pytest.approx(result.kde_sigma.mean, abs=0.05)
    assert result.kde_sigma.mean < claims.ANALYTIC_OPTIMUM["8gaussians"] + 3 * result.kde_sigma.stderr
    rows = result.rows()
    assert [r.method for r in rows][:3] == [
        "DDE, normalised on a grid",
        "DDE, importance sampling",
        "Exact KDE, σ = 0.3",
    ]
    assert all("1,000 held-out points" in r.how_measured for r in rows)


def test_bandwidth_rules_on_degenerate_data_say_why_they_are_missing():
    line = datasets.sample("line", 500, seed=0)
    model = DDE(sigma=0.2, batch_size=64).fit(line, steps=1)
    result = claims.held_out_log_likelihoods(
        model, line, datasets.sample("line", 100, seed=1), 0.2, Grid(n=50), n_importance=500
    )
    assert result.kde_scott.likelihood is None and "singular" in result.kde_scott.note
    assert result.rows()[-2].mean_log_likelihood is None and "singular" in result.rows()[-2].how_measured


def test_analytic_optima_are_minus_the_entropy(rng):
    # checkerboard: uniform, so E log p = −log(area of its support); the area measured from
    # the generator's samples (occupied 0.25 × 0.25 cells over [-4, 4]²)
    board = datasets.sample("checkerboard", 200_000, seed=3)
    counts, _, _ = np.histogram2d(board[:, 0], board[:, 1], bins=32, range=[[-4, 4], [-4, 4]])
    area = np.count_nonzero(counts) * 0.25**2
    assert claims.ANALYTIC_OPTIMUM["checkerboard"] == pytest.approx(-math.log(area), abs=1e-9)
    # 8gaussians: E log p under the exact mixture (centres 4(cos, sin)/1.414, std 0.5/1.414), Monte Carlo.
    x = datasets.sample("8gaussians", 200_000, seed=3).astype(np.float64)
    angles = np.arange(8) * np.pi / 4
    centres = 4 * np.stack([np.cos(angles), np.sin(angles)], axis=1) / 1.414
    s2 = (0.5 / 1.414) ** 2
    sq = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2)
    log_p = logsumexp(-sq / (2 * s2), axis=1) - math.log(8) - math.log(2 * math.pi * s2)
    tolerance = 3 * log_p.std() / math.sqrt(len(x)) + 1e-3
    assert log_p.mean() == pytest.approx(claims.ANALYTIC_OPTIMUM["8gaussians"], abs=tolerance)


def test_sigma_sweep_rows_and_stop(gaussians):
    test = datasets.sample("8gaussians", 500, seed=9)
    seen = []
    report = claims.sigma_sweep(
        gaussians[:1000], test, [0.4, 0.2], steps=20, grid=Grid(n=80), progress=lambda f, m, p: seen.append((f, m))
    )
    assert [r.sigma for r in report.rows] == [0.2, 0.4] and not report.stopped
    assert all(
        r.how_measured.startswith("grid 80×80, KDE mass on it") and math.isfinite(r.dde.mean) for r in report.rows
    )
    assert seen[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in seen)
    stopped = claims.sigma_sweep(gaussians[:1000], test, [0.2, 0.4], steps=20, should_stop=lambda: True)
    assert stopped.stopped and stopped.rows == []
    with pytest.raises(ValueError, match="sigma"):
        claims.sigma_sweep(gaussians, test, [0.2, -1.0])


# ---- claim 1: timings -----------------------------------------------------------------------------
def test_scipy_kde_with_the_isotropic_kernel_equals_ours(rng):
    for d in (2, 3):
        X = rng.standard_normal((700, d)) * np.arange(1, d + 1)  # anisotropic data
        Y = rng.standard_normal((300, d)) * 2
        ours = GaussianKDE(0.25).fit(X).log_density(Y)
        theirs = scipy_isotropic_kde(X, 0.25).logpdf(Y.T)
        assert np.abs(ours - theirs).max() < 1e-6


def test_inference_timings_measure_skip_and_stop(gaussians, twins):
    dde = twins[0]
    queries = Grid(n=8).points
    report = claims.inference_timings(dde, gaussians, SIGMA, queries, sizes=(1000, 50, 200), budget_seconds=60)
    assert [r.D for r in report.rows] == [50, 200, 1000] and not report.skipped
    for row in report.rows:
        assert row.dde_seconds > 0 and row.kde_seconds > 0 and row.scipy_seconds > 0
        assert row.scipy_max_diff < 1e-6 and row.calls["dde"] == 5
    # A budget that one size uses up: the larger sizes are skipped, and said so.
    tight = claims.inference_timings(dde, gaussians, SIGMA, queries, sizes=(100, 10**7), budget_seconds=1e-6)
    assert [r.D for r in tight.rows] == [100] and tight.skipped[0][0] == 10**7
    stopped = claims.inference_timings(dde, gaussians, SIGMA, queries, sizes=(50, 100), should_stop=lambda: True)
    assert stopped.stopped and stopped.rows == []


def test_crossover_on_synthetic_rows():
    rows = [TimingRow(D, dde_seconds=1e-3, kde_seconds=1e-5 * D) for D in (10, 1000, 10**5)]
    result = claims.crossover(rows)
    assert result.status == "interpolated" and result.D == pytest.approx(100.0)
    assert result.ratio_at_largest == pytest.approx(1000.0) and result.largest_D == 10**5
    assert result.text() == "≈ 100"
    assert claims.crossover(rows[1:]).status == "below range" and claims.crossover(rows[1:]).text() == "< 1,000"
    assert claims.crossover(rows[:1]).status == "not reached" and claims.crossover(rows[:1]).D is None
    assert claims.crossover(rows[:1]).text() == "> 10"
    with pytest.raises(ValueError, match="scipy"):
        claims.crossover(rows, slow="scipy")


def test_read_timing_json(tmp_path):
    assert claims.read_timing_json(tmp_path / "missing.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bench"):
        claims.read_timing_json(bad)
    good = tmp_path / "good.json"
    good.write_text('{"rows": []}')
    assert claims.read_timing_json(good) == claims.BenchTiming(rows=[])
    # What bench_claims writes (asdict of the report) reads back as the same rows.
    row = TimingRow(100, 1e-3, 2e-3, None, {"dde": 5, "kde": 3, "scipy": 0}, None, "scipy skipped")
    good.write_text(json.dumps({"rows": [asdict(row)], "settings": {"sigma": 0.2}}))
    assert claims.read_timing_json(good) == claims.BenchTiming([row], {"sigma": 0.2})
    good.write_text('{"rows": [{"D": 100}]}')
    with pytest.raises(ValueError, match="bench"):
        claims.read_timing_json(good)


def test_subject_draws_fresh_points_only_for_toys(twins, gaussians):
    subject = claims.Subject(twins[0], gaussians, SIGMA, "8gaussians", 0, Grid(n=50), "test")
    fresh = subject.test_points(100)
    assert fresh.shape == (100, 2) and not np.isin(fresh[:, 0], gaussians[:, 0]).any()
    subject.dataset = "csv:mine.csv"
    with pytest.raises(ValueError, match="toy distribution"):
        subject.test_points(100)


def test_figures_have_the_promised_traces(twins):
    dde, direct = twins
    rows = [TimingRow(10, 1e-3, 1e-4), TimingRow(1000, 1e-3, 1e-2, 2e-2)]
    assert len(timing_figure(rows, rows, at_crossover=100.0).data) == 6
    grid = Grid(n=30)
    views = {
        "DDE": claims.field_view(dde.score, dde.hessian, grid),
        "Direct": claims.field_view(direct.score, direct.jacobian, grid),
    }
    figure = field_figure(views, (0, 0), 1.0, {"DDE": 0.0, "Direct": 0.5})
    heatmaps = [t for t in figure.data if t.type == "heatmap"]
    assert len(heatmaps) == 2 and heatmaps[0].colorscale == heatmaps[1].colorscale
    assert heatmaps[0].zmax == heatmaps[1].zmax == -heatmaps[0].zmin
    assert "∮ s·dl = 0.5" in figure.layout.annotations[1].text


# ---- claim 4: high-order gradients (dde_core.claims.hessians) --------------------------------------
def weighted_covariances(points, sigma, Y):
    """Cov[x | x̃ = y] for the KDE computed directly: the softmax-weighted covariance of the training points."""
    log_w = -((Y[:, None, :] - points[None]) ** 2).sum(-1) / (2 * sigma**2)
    w = np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True))
    mean = w @ points
    return np.einsum("qc,ci,cj->qij", w, points, points) - mean[:, :, None] * mean[:, None, :], mean


def test_error_rows_and_covariances_against_closed_forms(gaussians):
    kde = GaussianKDE(SIGMA).fit(gaussians)
    Y = kde.sample(300, seed=3)
    H = kde.hessian(Y)
    exact = claims.hessians.hessian_error_row("exact", kde.hessian, Y, H, repeats=1)
    doubled = claims.hessians.hessian_error_row("2H", lambda y: 2 * kde.hessian(y), Y, H, repeats=1)
    scaled = {"5H": lambda y: 5 * kde.hessian(y)}  # Cov = 5 Cov_w − 4σ²I: negative near the modes
    assert exact.relative_error == 0 and exact.seconds_per_1000 > 0
    assert doubled.relative_error == pytest.approx(1.0) and doubled.median_relative_error == pytest.approx(1.0)
    np.testing.assert_allclose(claims.relative_errors(-H, H), 2.0)
    covariances = claims.covariance_set(scaled, kde, Y[:5])
    direct, mean = weighted_covariances(gaussians, SIGMA, Y[:5])
    np.testing.assert_allclose(covariances.covariances[claims.EXACT], direct, atol=1e-9)  # Tweedie, exactly
    np.testing.assert_allclose(covariances.centres, mean, atol=1e-9)
    assert covariances.not_covariances[claims.EXACT] == 0 and covariances.not_covariances["5H"] > 0


def test_hessian_claim_measures_each_estimate_and_a_stop_keeps_what_is_done(gaussians, twins):
    dde, net = twins
    grid = Grid((-4, 4), (-4, 4), 12)
    messages = []
    report = claims.hessian_claim(
        gaussians,
        dde,
        200,
        score_network=net,
        n_test=500,
        grid=grid,
        ellipse_points=claims.ellipse_grid(gaussians, 2),
        repeats=1,
        progress=lambda fraction, message, partial: messages.append(message),
    )
    names = [row.estimate for row in report.rows]
    assert names == [claims.EXACT, claims.BASELINE, claims.DDE_HESSIAN, claims.JACOBIAN, claims.SECOND_ORDER]
    baseline = report.row(claims.BASELINE).relative_error
    assert all(report.row(name).relative_error < baseline for name in names[2:])  # each learned something
    assert report.row(claims.JACOBIAN).training_steps == 1500 and report.row(claims.SECOND_ORDER).training_steps == 200
    assert {name: m.shape for name, m in report.maps.items()} == dict.fromkeys(names[2:], (12, 12))
    assert report.covariances.noisy.shape == (4, 2)
    assert set(report.covariances.covariances) == {claims.EXACT, *names[2:]}
    assert messages[-1] == "done" and not report.stopped
    stopped = claims.hessian_claim(gaussians, dde, 300, n_test=100, repeats=1, should_stop=lambda: True)
    assert stopped.stopped and [row.estimate for row in stopped.rows][-1] == claims.DDE_HESSIAN
    figure = hessian_error_figure(report.maps, grid)
    scales = {(t["zmin"], t["zmax"]) for t in figure.data if t.type == "heatmap"}
    assert len(scales) == 1 and len(figure.data) == 3


def test_ellipse_outline_and_the_bench_file(tmp_path):
    outline = ellipse_outline(np.array([1.0, 2.0]), np.diag([4.0, 1.0]), n=400)
    np.testing.assert_allclose(outline.min(axis=0), [-1.0, 1.0], atol=1e-3)
    np.testing.assert_allclose(outline.max(axis=0), [3.0, 3.0], atol=1e-3)
    assert claims.read_hessian_json(tmp_path / "none.json") is None
    row = claims.HessianErrorRow("DDE ∇²f (autodiff)", 0.3, 0.2, 0.1, 1e-3, 100, 500, 2.0)
    (tmp_path / "h.json").write_text(json.dumps({"hessians": {"8": [asdict(row)]}, "other": 1}))
    assert claims.read_hessian_json(tmp_path / "h.json") == {8: [row]}
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="bench again"):
        claims.read_hessian_json(tmp_path / "bad.json")
