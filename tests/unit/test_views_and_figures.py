"""Views, figure builders and replay frames: pure functions, checked without a browser."""

import numpy as np
import plotly.graph_objects as go
import pytest

from dde_core import GaussianKDE, Grid
from dde_core.normalization import mass_on_grid
from dde_core.views import density_view
from dde_viz.animation import FrameBuffer, frame_from_view, gif_bytes, render_frame
from dde_viz.figures import (
    MAX_CURVE_POINTS,
    comparison_figure,
    density_figure,
    gallery_figure,
    points_figure,
    quiver_segments,
    training_curves_figure,
)


@pytest.fixture(scope="module")
def kde():
    X = np.random.default_rng(0).standard_normal((500, 2))
    return GaussianKDE(sigma=0.4).fit(X)


@pytest.fixture(scope="module")
def kde_view(kde):
    return density_view(kde, Grid(n=60), n_arrows=12)


def test_view_is_the_models_density_normalised_on_the_grid_and_its_score(kde, kde_view):
    grid, arrows = kde_view.grid, kde_view.arrows
    assert kde_view.density.shape == (60, 60) and kde_view.field.shape == (12, 12, 2)
    assert mass_on_grid(kde_view.log_density, grid) == pytest.approx(1.0, abs=1e-9)
    # the exact KDE is already normalised: the view is its log-density shifted by
    # −log(its mass on the grid), which is small ([-4, 4]² holds nearly all of it)
    exact = grid.reshape(kde.log_density(grid.points))
    shift = kde_view.log_density - exact
    assert np.ptp(shift) < 1e-9
    assert shift.mean() == pytest.approx(-np.log(mass_on_grid(exact, grid)), abs=1e-12)
    assert 0 < shift.mean() < 0.01
    np.testing.assert_allclose(kde_view.field, arrows.reshape(kde.score(arrows.points)), atol=1e-10)
    # rows run along x₂ and columns along x₁ (a transposed view would fail here)
    row, column = np.searchsorted(grid.ys, 0.0), np.searchsorted(grid.xs, -3.0)
    assert kde_view.log_density[row, column] == pytest.approx(
        float(kde.log_density(np.array([[grid.xs[column], grid.ys[row]]]))[0]) + shift.mean(), abs=1e-9
    )


def test_density_as_a_picture_uses_the_shared_colour_scale(kde_view):
    from plotly.colors import hex_to_rgb, sequential

    from dde_viz.figures import density_rgb

    density = np.zeros((2, 3))
    density[0, 0], density[1, 2] = 2.0, 1.0  # bottom-left at the top of the scale, top-right half way
    rgb = density_rgb(density, zmax=2.0)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[1, 0]) == hex_to_rgb(sequential.Viridis[-1])  # image row 1 is the bottom row
    assert tuple(rgb[0, 0]) == hex_to_rgb(sequential.Viridis[0])
    assert tuple(rgb[0, 2]) not in (tuple(rgb[0, 0]), tuple(rgb[1, 0]))
    picture = density_figure(kde_view, "t", 0.5, as_image=True)
    assert len(picture.data) == 0 and len(picture.layout.shapes) == 1
    image = picture.layout.images[0]
    assert image.source.startswith("data:image/png;base64,") and (image.x, image.y) == (-4.0, 4.0)


def test_quiver_is_one_line_per_arrow_pointing_along_the_field():
    arrows = Grid(n=4)
    field = np.zeros((4, 4, 2))
    field[..., 0] = 1.0  # every arrow points along +x
    field[0, 0] = (0.0, 1e-3)  # a weak one points up
    xs, ys = quiver_segments(arrows, field)
    assert len(xs) == len(ys) == 16 * 3 * 3  # shaft + two barbs, each "from, to, gap"
    assert np.isnan(xs[2::3]).all() and np.isfinite(np.delete(xs, np.s_[2::3])).all()
    shafts = np.array([[xs[i], ys[i], xs[i + 1], ys[i + 1]] for i in range(0, len(xs), 9)], float)
    lengths = np.hypot(shafts[:, 2] - shafts[:, 0], shafts[:, 3] - shafts[:, 1])
    assert lengths.max() <= arrows.dx  # arrows stay inside their cell
    assert lengths[0] == pytest.approx(0.15 * lengths[1:].max())  # weak arrows shrink, not vanish
    assert np.all(shafts[1:, 2] > shafts[1:, 0]) and np.allclose(shafts[1:, 3], shafts[1:, 1])
    assert shafts[0, 3] > shafts[0, 1]


def test_quiver_skips_nan_and_zero_vectors():
    field = np.full((3, 3, 2), np.nan)
    field[1, 1] = (0.0, 0.0)
    xs, ys = quiver_segments(Grid(n=3), field)
    assert len(xs) == len(ys) == 0


def test_density_figure_shows_density_on_a_shared_scale(kde_view):
    figure = density_figure(kde_view, "KDE", zmax=0.5)
    (heatmap,) = figure.data
    assert isinstance(heatmap, go.Heatmap) and heatmap.zmax == 0.5 and heatmap.zmin == 0
    np.testing.assert_allclose(np.array(heatmap.z), kde_view.density, rtol=1e-3)
    (quiver,) = figure.layout.shapes  # the field: one SVG path, three strokes per arrow
    assert quiver.type == "path" and quiver.path.count("M") == 3 * 12 * 12
    assert not density_figure(kde_view, "KDE", show_scale=False).data[0].showscale
    assert figure.layout.yaxis.scaleanchor == "x"  # equal aspect, data units
    assert list(figure.layout.xaxis.range) == [-4, 4]


def test_points_figure_caps_points_and_shows_noisy_copy():
    points = np.random.default_rng(0).standard_normal((10_000, 2))
    figure = points_figure(points, Grid(), noisy=points + 0.1)
    assert len(figure.data) == 2 and all(len(trace.x) == 4000 for trace in figure.data)


def test_curves_and_comparison_and_gallery_build(kde_view):
    curves = training_curves_figure([1, 2, 3], [1.0, 0.9, 0.8], [0.1, 0.01, 0.0], [1.0, 0.5, 0.2])
    assert len(curves.data) == 3 and curves.layout.yaxis3.type == "log"
    assert min(curves.data[1].y) > 0  # excess clipped for the log axis
    both = comparison_figure(np.zeros((5, 2)), kde_view, kde_view, "title")
    assert sum(isinstance(t, go.Heatmap) for t in both.data) == 2
    assert [(shape.xref, shape.yref) for shape in both.layout.shapes] == [("x2", "y2"), ("x3", "y3")]  # fields
    gallery = gallery_figure({"a": np.zeros((3, 2)), "b": np.ones((3, 2))}, columns=2)
    assert len(gallery.data) == 2


def test_long_curves_are_thinned_and_drawn_without_markers():
    """An hour of frames draws as cheaply as a minute: the DOM and the JSON stay bounded."""
    short = training_curves_figure([1, 2, 3], [1.0, 0.9, 0.8], [0.1, 0.01, 0.0], [1.0, 0.5, 0.2])
    assert all(trace.mode == "lines+markers" for trace in short.data)
    n = 20_000
    steps = np.arange(1, n + 1) * 30
    values = np.linspace(2.0, 1.0, n)
    long = training_curves_figure(steps, values, values, values)
    for trace in long.data:
        assert len(trace.x) <= MAX_CURVE_POINTS and trace.mode == "lines"
        assert trace.x[0] == steps[0] and trace.x[-1] == steps[-1]  # the newest point is shown
        assert np.all(np.diff(trace.x) > 0)
        assert np.allclose(np.interp(trace.x, steps, values), trace.y)  # points of the curve, not averages


def test_frames_are_capped_and_thinned_evenly(kde_view):
    buffer = FrameBuffer(capacity=8)
    for step in range(20):
        buffer.add(frame_from_view(kde_view, step))
    steps = [frame.step for frame in buffer.frames]
    assert len(steps) <= 8 and steps[-1] == 19 and steps[0] == 0
    assert steps == sorted(steps)


def test_frame_round_trip_and_gif(kde_view):
    frame = frame_from_view(kde_view, 42)
    view = frame.as_view()
    np.testing.assert_allclose(view.density, kde_view.density, rtol=2e-3, atol=1e-6)
    image = render_frame(frame, zmax=float(kde_view.density.max()), size=120)
    assert image.size == (120, 120)
    pixels = np.asarray(image)
    assert pixels.std() > 10  # not a blank image
    data = gif_bytes([frame, frame_from_view(kde_view, 43)], zmax=1.0, size=64)
    assert data[:6] == b"GIF89a"
    with pytest.raises(ValueError, match="no captured frames"):
        gif_bytes([], zmax=1.0)


def test_the_live_samples_picture_draws_each_point_where_it_is():
    """Generate's live samples panel is a picture: a sample at (x, y) is red at its pixel, a
    data point grey at its own, each push a dark segment starting at its sample; white elsewhere."""
    from dde_core.grid import Grid
    from dde_viz.generate import MethodFrame, samples_picture

    grid = Grid(x_range=(-4.0, 4.0), y_range=(-4.0, 4.0), n=8)
    method = MethodFrame(
        samples=np.array([[2.0, 2.0]]),
        push=np.array([[1.0, 0.0]]),  # to the right
        critic=np.zeros((8, 8)),
        critic_kind="sample_dde",
        critic_title="t",
    )
    picture = samples_picture(method, np.array([[-2.0, -2.0]]), grid, size=80)  # 10 px per unit

    def at(x: float, y: float) -> tuple[int, ...]:
        return tuple(int(c) for c in picture[int(round((4 - y) * 10)), int(round((x + 4) * 10))])

    assert picture.shape == (80, 80, 3)
    assert at(2.0, 2.0) == (214, 39, 40)  # the sample, red (row 20 from the top: y = 2)
    red, green, blue = at(-2.0, -2.0)
    assert red == green == blue and 100 < red < 230  # the data point, grey
    assert at(2.3, 2.0)[0] < 120  # its push, dark, to the right of the sample
    assert at(0.0, 0.0) == at(-3.5, 3.5) == (255, 255, 255)
