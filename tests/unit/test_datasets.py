"""Tests for dde_core.datasets: toy distributions at the notes' scales, and CSV loading."""

from __future__ import annotations

import inspect
import io
import json

import numpy as np
import pytest

from dde_core import datasets, limits
from dde_core.errors import InputError

N = 8_000


# ---------------------------------------------------------------------------
# Toy distributions
# ---------------------------------------------------------------------------


def test_names_are_the_standard_set_in_order():
    assert datasets.names() == [
        "8gaussians",
        "2spirals",
        "checkerboard",
        "rings",
        "moons",
        "circles",
        "swissroll",
        "pinwheel",
        "line",
        "cos",
        "grid25",
    ]


@pytest.mark.parametrize("name", datasets.names())
def test_every_toy_gives_finite_float32_points(name):
    for n in (1, 7, 1000):
        points = datasets.sample(name, n, seed=3)
        assert points.shape == (n, 2)
        assert points.dtype == np.float32
        assert np.isfinite(points).all()
    assert datasets.describe(name).endswith(".")


@pytest.mark.parametrize("name", datasets.names())
def test_same_seed_same_points_other_seed_other_points(name):
    first = datasets.sample(name, 500, seed=11)
    np.testing.assert_array_equal(first, datasets.sample(name, 500, seed=11))
    assert not np.allclose(first, datasets.sample(name, 500, seed=12))


def test_sampling_does_not_touch_the_global_rng():
    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    datasets.sample("moons", 100, seed=0)
    assert np.random.random() == expected


def test_unknown_name_lists_the_valid_names():
    expected = r"Unknown toy distribution 'spiral'.*8gaussians, 2spirals, .*pinwheel, line, cos"
    with pytest.raises(ValueError, match=expected):
        datasets.sample("spiral", 10)
    with pytest.raises(ValueError, match="Choose one of"):
        datasets.describe("nope")


@pytest.mark.parametrize("n", [0, -3, 2.5, "10", True])
def test_n_must_be_a_whole_number_at_least_one(n):
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        datasets.sample("moons", n)


def test_n_as_whole_float_is_accepted():
    assert datasets.sample("line", 4.0).shape == (4, 2)


def test_negative_seed_is_rejected():
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        datasets.sample("rings", 10, seed=-1)


def test_eight_gaussians_cluster_centres_and_spread():
    points = datasets.sample("8gaussians", N, seed=0).astype(np.float64)
    angles = np.arange(8) * np.pi / 4
    centres = 4 / 1.414 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    nearest = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    for k in range(8):
        cluster = points[nearest == k]
        # exactly N/8 drawn per centre; a few tail points land nearer a neighbour
        assert abs(len(cluster) - N / 8) <= 20
        np.testing.assert_allclose(cluster.mean(axis=0), centres[k], atol=0.05)
        np.testing.assert_allclose(cluster.std(axis=0), 0.5 / 1.414, rtol=0.1)


def test_grid25_is_25_tight_gaussians_on_the_integer_grid():
    points = datasets.sample("grid25", 25 * 400, seed=0).astype(np.float64)
    nearest = np.rint(points)  # every component is 20 stds away from its neighbours
    assert np.abs(nearest).max() == 2
    for x in range(-2, 3):
        for y in range(-2, 3):
            cluster = points[(nearest[:, 0] == x) & (nearest[:, 1] == y)]
            assert len(cluster) == 400  # equal weights, exactly n/25 each
            np.testing.assert_allclose(cluster.mean(axis=0), [x, y], atol=0.01)
            np.testing.assert_allclose(cluster.std(axis=0), 0.05, rtol=0.15)


def test_mode_centres_of_the_mixtures_and_none_for_the_rest():
    centres, std = datasets.mode_centres("8gaussians")
    angles = np.arange(8) * np.pi / 4
    np.testing.assert_allclose(centres, 4 / 1.414 * np.stack([np.cos(angles), np.sin(angles)], axis=1))
    assert std == pytest.approx(0.5 / 1.414)
    centres, std = datasets.mode_centres("grid25")
    assert centres.shape == (25, 2) and std == 0.05
    assert {tuple(c) for c in centres} == {(x, y) for x in range(-2, 3) for y in range(-2, 3)}
    for name in set(datasets.names()) - {"8gaussians", "grid25"}:
        assert datasets.mode_centres(name) is None
    with pytest.raises(ValueError, match="Unknown toy distribution"):
        datasets.mode_centres("nope")


def test_rings_radii_and_even_split():
    points = datasets.sample("rings", 4_001, seed=0).astype(np.float64)
    radii = np.array([3.0, 2.25, 1.5, 0.75])
    norms = np.linalg.norm(points, axis=1)
    ring = np.argmin(np.abs(norms[:, None] - radii[None]), axis=1)
    counts = np.bincount(ring, minlength=4)
    assert sorted(counts.tolist()) == [1000, 1000, 1000, 1001]
    for k, radius in enumerate(radii):
        assert abs(np.median(norms[ring == k]) - radius) < 0.02


def test_rings_prefix_is_representative():
    points = datasets.sample("rings", 4_000, seed=1)[:200].astype(np.float64)
    norms = np.linalg.norm(points, axis=1)
    ring = np.argmin(np.abs(norms[:, None] - np.array([3.0, 2.25, 1.5, 0.75])[None]), axis=1)
    assert np.bincount(ring, minlength=4).min() >= 25
    # even angles must not come out in order: the prefix spans the whole circle
    outer = points[ring == 0]
    assert (outer[:, 0] > 0).any() and (outer[:, 0] < 0).any()


def test_checkerboard_fills_eight_cells_evenly():
    points = datasets.sample("checkerboard", N, seed=0).astype(np.float64)
    assert (points >= -4).all() and (points < 4).all()
    cell = np.floor(points / 2).astype(int)  # cell index -2..1 per axis
    assert ((cell[:, 0] + cell[:, 1]) % 2 == 0).all()
    counts = np.unique(cell, axis=0, return_counts=True)[1]
    assert len(counts) == 8
    np.testing.assert_allclose(counts / N, 1 / 8, atol=0.02)


def test_line_is_the_diagonal():
    points = datasets.sample("line", 1000, seed=0)
    np.testing.assert_array_equal(points[:, 0], points[:, 1])
    assert points[:, 0].min() >= -2.5 and points[:, 0].max() < 2.5
    assert points[:, 0].min() < -2.3 and points[:, 0].max() > 2.3


def test_cos_follows_the_sine_curve():
    points = datasets.sample("cos", 1000, seed=0).astype(np.float64)
    np.testing.assert_allclose(points[:, 1], 2.5 * np.sin(points[:, 0]), atol=1e-5)
    assert points[:, 0].min() >= -2.5 and points[:, 0].max() < 2.5


def test_moons_scale_and_balance():
    points = datasets.sample("moons", N, seed=0).astype(np.float64)
    # outer moon: mean (0, 2/π)·2 + (−1, −0.2); inner: (1, 0.5 − 2/π)·2 + (−1, −0.2)
    np.testing.assert_allclose(points.mean(axis=0), [0.0, 0.3], atol=0.05)
    assert points[:, 0].min() > -3.8 and points[:, 0].max() < 3.8
    # the upper moon is a half circle of radius 2 around (−1, −0.2),
    # the lower one a half circle of radius 2 around (1, 0.8)
    off_upper = np.abs(np.linalg.norm(points - [-1.0, -0.2], axis=1) - 2)
    off_lower = np.abs(np.linalg.norm(points - [1.0, 0.8], axis=1) - 2)
    upper = off_upper < off_lower
    assert abs(upper.mean() - 0.5) < 0.03
    assert 30 <= upper[:100].sum() <= 70


def test_circles_radii():
    points = datasets.sample("circles", N, seed=0).astype(np.float64)
    norms = np.linalg.norm(points, axis=1)
    outer = norms > 2.25
    assert abs(outer.mean() - 0.5) < 0.01
    assert abs(np.median(norms[outer]) - 3.0) < 0.03
    assert abs(np.median(norms[~outer]) - 1.5) < 0.03
    assert 20 < (np.linalg.norm(points[:100], axis=1) > 2.25).sum() < 80


def test_two_spirals_are_symmetric_and_sized():
    points = datasets.sample("2spirals", N, seed=0).astype(np.float64)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=0.05)
    norms = np.linalg.norm(points, axis=1)
    assert 3.0 < norms.max() < 4.2


def test_swissroll_radius_range():
    points = datasets.sample("swissroll", N, seed=0).astype(np.float64)
    norms = np.linalg.norm(points, axis=1)
    # t in [1.5π, 4.5π], /5 -> radius in [0.94, 2.83], blurred by noise of std 0.2
    assert 0.4 < norms.min() < 1.0
    assert 2.7 < norms.max() < 3.8
    assert abs(np.median(norms) - 3 * np.pi / 5) < 0.15


def test_pinwheel_has_five_arms_with_the_notes_twist():
    points = datasets.sample("pinwheel", N, seed=0).astype(np.float64)
    radius = np.linalg.norm(points, axis=1) / 2  # ≈ the radial feature, 1 + 0.3·N
    np.testing.assert_allclose(np.median(radius), 1.0, rtol=0.05)
    # arm k sits at clockwise angle 2πk/5 + 0.25·exp(radius): undo the twist, then
    # five-fold symmetry means 5·angle clusters at a multiple of 2π
    untwisted = -np.arctan2(points[:, 1], points[:, 0]) - 0.25 * np.exp(radius)
    assert abs(np.exp(5j * untwisted).mean()) > 0.7


# ---------------------------------------------------------------------------
# CSV reading
# ---------------------------------------------------------------------------


def _table(text: str, **kwargs):
    return datasets.read_csv_table(text.encode(), **kwargs)


@pytest.mark.parametrize(
    "text",
    [
        "x,y\n1,2\n3.5,-4\n",
        "x;y\n1;2\n3.5;-4\n",
        "x\ty\n1\t2\n3.5\t-4\n",
        "x y\n1 2\n3.5   -4\n",
        "x|y\n1|2\n3.5|-4\n",
        "x, y\n1, 2\n3.5, -4\n",
        "\ufeffx,y\r\n1,2\r\n\r\n3.5,-4\r\n",
    ],
    ids=["comma", "semicolon", "tab", "whitespace", "pipe", "comma-space", "bom-crlf-blank"],
)
def test_delimiters_and_header(text):
    table = _table(text)
    assert table.column_names == ["x", "y"]
    assert table.values.dtype == np.float64
    np.testing.assert_array_equal(table.values, [[1, 2], [3.5, -4]])


@pytest.mark.parametrize("text", ["1,2\n3,4\n", "1;2\n3;4\n", "1\t2\n3\t4\n", "1 2\n3 4\n"])
def test_no_header_names_columns_by_position(text):
    table = _table(text)
    assert table.column_names == ["column 1", "column 2"]
    np.testing.assert_array_equal(table.values, [[1, 2], [3, 4]])


def test_decimal_commas_with_semicolons():
    table = _table("x;y\n1,5;-2,25\n3;4\n")
    np.testing.assert_array_equal(table.values, [[1.5, -2.25], [3, 4]])


def test_text_columns_are_dropped_and_quotes_respected():
    table = _table('name,x,label,y\n"Smith, J",1,a,2\nLee,3,b,4\n')
    assert table.column_names == ["x", "y"]
    np.testing.assert_array_equal(table.values, [[1, 2], [3, 4]])


def test_missing_cells_become_nan():
    table = _table("x,y,z\n1,,5\n3,NA,6\n7,8,9\n")
    assert table.column_names == ["x", "y", "z"]
    assert np.isnan(table.values[:2, 1]).all()


@pytest.mark.parametrize("text", ["x,y,gap\n1,2,nan\n3,4,nan\n", "x,y,\n1,2,\n3,4,\n"])
def test_all_missing_columns_are_dropped(text):
    assert _table(text).column_names == ["x", "y"]


def test_numpy_savetxt_header_and_scientific_notation():
    buffer = io.BytesIO()
    np.savetxt(buffer, np.array([[1e-3, 2.0], [3.0, 4e5]]), delimiter=",", header="x,y")
    table = datasets.read_csv_table(buffer.getvalue())
    assert table.column_names == ["x", "y"]
    np.testing.assert_allclose(table.values, [[1e-3, 2.0], [3.0, 4e5]])


def test_sources_path_bytes_binary_and_text_files(tmp_path):
    text = "a,b\n1,2\n3,4\n"
    path = tmp_path / "points.csv"
    path.write_text(text)
    content = text.encode()
    sources = [path, str(path), content, bytearray(content), io.BytesIO(content), io.StringIO(text)]
    with open(path, "rb") as binary_file:
        sources.append(binary_file)
        for source in sources:
            table = datasets.read_csv_table(source)
            assert table.column_names == ["a", "b"]
            np.testing.assert_array_equal(table.values, [[1, 2], [3, 4]])


def test_cp1252_file_decodes():
    table = datasets.read_csv_table("température,y\n1,2\n".encode("cp1252"))
    assert table.column_names == ["température", "y"]


def test_utf16_file_decodes():
    table = datasets.read_csv_table("x\ty\n1\t2\n".encode("utf-16"))
    assert table.column_names == ["x", "y"]


@pytest.mark.parametrize("content", [b"", b"\n  \n\t\n"])
def test_empty_file(content):
    with pytest.raises(ValueError, match="The file is empty"):
        datasets.read_csv_table(content)


def test_header_only():
    with pytest.raises(ValueError, match="header row but no data rows"):
        _table("x,y\n")


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04\x14\x00\x06\x00binary zip", b"\x89PNG\r\n\x1a\n", bytes(range(256))],
    ids=["xlsx-zip", "png", "all-bytes"],
)
def test_binary_file(content):
    with pytest.raises(ValueError, match="not a text CSV.*Export or save it as CSV"):
        datasets.read_csv_table(content)


def test_one_numeric_column():
    with pytest.raises(ValueError, match="needs at least two numeric columns, found 1: 'x'"):
        _table("x,label\n1,a\n2,b\n")


def test_no_numeric_column():
    with pytest.raises(ValueError, match="needs at least two numeric columns, found none"):
        _table("name,city\nAda,London\nAlan,Wilmslow\n")


def test_text_in_a_numeric_column_names_column_and_line():
    with pytest.raises(ValueError, match=r"Column 'y' looks numeric.*'oops' on line 4"):
        _table("x,y\n1,2\n3,4\n5,oops\n7,8\n")


def test_ragged_rows_name_the_lines():
    with pytest.raises(ValueError, match=r"ragged rows.*most have 2.*line 3 has 3"):
        _table("x,y\n1,2\n3,4,5\n6,7\n")


def test_too_many_rows_is_enormous():
    text = "x,y\n" + "".join(f"{i},{i}\n" for i in range(11))
    assert _table(text, max_rows=11).values.shape == (11, 2)
    expected = r"enormous: it has 11 data rows, more than max_rows=10.*Subsample"
    with pytest.raises(ValueError, match=expected):
        _table(text, max_rows=10)


def test_too_many_bytes_is_enormous(tmp_path):
    content = b"x,y\n" + b"1,2\n" * 300
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    for source in (content, io.BytesIO(content), path):
        with pytest.raises(ValueError, match=r"enormous: .*limit of 1 KB.*Subsample"):
            datasets.read_csv_table(source, max_bytes=1024)


def test_missing_path_and_unreadable_source():
    with pytest.raises(ValueError, match="There is no file at"):
        datasets.read_csv_table("/nonexistent/points.csv")
    with pytest.raises(ValueError, match="Cannot read a CSV from a int"):
        datasets.read_csv_table(42)


# ---------------------------------------------------------------------------
# Standardizer
# ---------------------------------------------------------------------------


def test_standardizer_round_trip_and_moments():
    rng = np.random.default_rng(0)
    x = rng.normal([5.0, -300.0], [0.1, 40.0], size=(1000, 2))
    scaler = datasets.Standardizer.fit(x)
    z = scaler.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(z), x, rtol=1e-12)


def test_standardizer_dict_round_trip_through_json():
    scaler = datasets.Standardizer.fit([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]])
    restored = datasets.Standardizer.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(restored.mean, scaler.mean)
    np.testing.assert_array_equal(restored.scale, scaler.scale)


def test_standardizer_identity():
    identity = datasets.Standardizer.identity(2)
    x = np.array([[1.5, -2.0]])
    np.testing.assert_array_equal(identity.transform(x), x)
    np.testing.assert_array_equal(identity.inverse_transform(x), x)


def test_standardizer_constant_column():
    with pytest.raises(ValueError, match="column 'y' is constant"):
        datasets.Standardizer.fit([[1.0, 0.1], [2.0, 0.1], [3.0, 0.1]], column_names=["x", "y"])


def test_standardizer_rejects_bad_input():
    with pytest.raises(ValueError, match="keys 'mean' and 'scale'"):
        datasets.Standardizer.from_dict({"mean": [0.0]})
    with pytest.raises(InputError, match="every scale a finite number above 0"):
        datasets.Standardizer.from_dict({"mean": [0.0], "scale": [0.0]})
    with pytest.raises(ValueError, match="one entry per column"):
        datasets.Standardizer(mean=[0.0, 1.0], scale=[1.0])
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        datasets.Standardizer.identity(2).transform(np.zeros((4, 3)))


# ---------------------------------------------------------------------------
# load_csv
# ---------------------------------------------------------------------------

CSV = b"id,x,name,y,z\n1,10,a,0.5,7\n2,20,b,1.5,8\n3,30,c,2.5,9\n"


def test_load_csv_defaults_to_first_two_numeric_columns():
    data = datasets.load_csv(CSV)
    assert data.column_names == ("id", "x")
    assert data.points.dtype == np.float32 and data.points.shape == (3, 2)
    np.testing.assert_array_equal(data.points, [[1, 10], [2, 20], [3, 30]])
    np.testing.assert_array_equal(data.standardizer.scale, [1.0, 1.0])


@pytest.mark.parametrize("columns", [("x", "y"), (1, 2), ("x", 2), (np.int64(1), "y")])
def test_load_csv_column_choice_by_name_and_index(columns):
    data = datasets.load_csv(io.BytesIO(CSV), columns=columns)
    assert data.column_names == ("x", "y")
    np.testing.assert_array_equal(data.points, [[10, 0.5], [20, 1.5], [30, 2.5]])


def test_load_csv_standardize_and_original_points():
    data = datasets.load_csv(CSV, columns=("y", "x"), standardize=True)
    np.testing.assert_allclose(data.points.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(data.points.std(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(data.original_points(), [[0.5, 10], [1.5, 20], [2.5, 30]], rtol=1e-6)


def test_load_csv_unknown_column_lists_available():
    with pytest.raises(ValueError, match=r"no numeric column named 'w'.*'id', 'x', 'y', 'z'"):
        datasets.load_csv(CSV, columns=("x", "w"))
    with pytest.raises(ValueError, match=r"Column index 4 is out of range.*0 to 3"):
        datasets.load_csv(CSV, columns=(0, 4))
    with pytest.raises(ValueError, match="must be a name or a 0-based index"):
        datasets.load_csv(CSV, columns=(0, 1.0))


def test_load_csv_same_column_twice():
    with pytest.raises(ValueError, match="Both columns are 'x'; choose two different"):
        datasets.load_csv(CSV, columns=("x", 1))


def test_load_csv_columns_must_be_a_pair():
    with pytest.raises(ValueError, match="pair of names or 0-based indices"):
        datasets.load_csv(CSV, columns="xy")
    with pytest.raises(ValueError, match="pair of names or 0-based indices"):
        datasets.load_csv(CSV, columns=("x", "y", "z"))


def test_load_csv_missing_values_in_chosen_columns_list_rows():
    content = b"x,y,z\n1,2,\n3,,5\n6,inf,7\n8,9,10\n"
    expected = r"The CSV's columns 'x', 'y' contains NaN .* 2 data row\(s\): 1, 2"
    with pytest.raises(ValueError, match=expected):
        datasets.load_csv(content, columns=("x", "y"))
    # the gap in z does not matter when z is not used
    assert datasets.load_csv(b"x,y,z\n1,2,\n3,4,5\n").points.shape == (2, 2)


def test_load_csv_min_points():
    with pytest.raises(ValueError, match="has 2 point"):
        datasets.load_csv(b"x,y\n1,2\n3,4\n", min_points=3)


def test_load_csv_constant_column_with_standardize():
    with pytest.raises(ValueError, match="column 'y' is constant"):
        datasets.load_csv(b"x,y\n1,2\n3,2\n5,2\n", standardize=True)
    # a constant column has no density in 2-D: refused without standardisation too
    with pytest.raises(InputError, match="'y' has the same value \\(2\\) in every row"):
        datasets.load_csv(b"x,y\n1,2\n3,2\n5,2\n")


def test_load_csv_max_rows_is_passed_on():
    with pytest.raises(ValueError, match="enormous"):
        datasets.load_csv(b"x,y\n1,2\n3,4\n5,6\n", max_rows=2)


# ---------------------------------------------------------------------------
# CSV reading with pandas: what the hand-written parser did, and more
# ---------------------------------------------------------------------------


def test_csv_api_is_re_exported_from_datasets():
    from dde_core import csv_points

    for name in ("CsvTable", "read_csv_table", "Standardizer", "PointData", "load_csv"):
        assert getattr(datasets, name) is getattr(csv_points, name)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x,y\n1,2\n3\n4,5\n", r"ragged rows.*most have 2.*line 3 has 1"),  # short row
        ("x,y,z\n1,2\n3,4\n5,6\n", r"ragged rows.*most have 2.*line 1 has 3"),  # long header
        ("1\t2\n3\t4\t5\t6\n7\t8\n", r"most have 2, separated by tabs, but line 2 has 4"),
    ],
    ids=["short-row", "long-header", "tabs"],
)
def test_ragged_rows_of_every_kind(text, expected):
    with pytest.raises(InputError, match=expected):
        _table(text)


def test_ragged_rows_are_counted_over_the_whole_file():
    text = "x,y\n" + "1,2\n" * 50 + "".join(f"{i},{i},{i}\n" for i in range(8)) + "3,4\n" * 5
    with pytest.raises(InputError, match=r"line 52 has 3, .*line 56 has 3 \(and 3 more lines\)"):
        _table(text)


def test_text_cell_line_number_counts_blank_lines_and_header():
    with pytest.raises(InputError, match=r"Column 'y' looks numeric.*'oops' on line 6"):
        _table("\nx,y\n1,2\n\n3,4\n5,oops\n7,8\n")


def test_a_line_of_tabs_in_a_tab_file_is_a_row_of_empty_cells():
    with pytest.raises(InputError, match=r"data row\(s\): 1 .*on line\(s\) 3 of the file"):
        datasets.load_csv(b"x\ty\n1\t2\n\t\n3\t4\n")
    with pytest.raises(InputError, match=r"'oops' on line 4"):
        datasets.read_csv_table(b"x\ty\n1\t2\n\t\n3\toops\n\n4\t5\n6\t7\n")


def test_text_cell_deep_in_a_large_file():
    # pandas reads large files in chunks: a text cell after the first one still names its line
    content = b"x,y\n" + b"1,2\n3,4\n" * 150_000 + b"1,oops\n2,3\n"
    with pytest.raises(InputError, match=r"'oops' on line 300002"):
        datasets.read_csv_table(content)


def test_decimal_commas_and_points_mixed_with_semicolons():
    table = _table("x;y\n1,5;2\n3.5;-4,25\n")
    np.testing.assert_array_equal(table.values, [[1.5, 2], [3.5, -4.25]])


def test_decimal_commas_with_tabs_and_missing_markers():
    table = _table("x\ty\n1,5\tNA\nnull\t2,5\nN/A\t3\n")
    np.testing.assert_array_equal(table.values[:, 0][[0]], [1.5])
    assert np.isnan(table.values[[0], 1]).all() and np.isnan(table.values[1:, 0]).all()
    np.testing.assert_array_equal(table.values[1:, 1], [2.5, 3])


@pytest.mark.parametrize("marker", ["na", "Na", "nAn", "NULL", "none", "n/A", " NA "])
def test_missing_markers_are_not_case_sensitive(marker):
    table = _table(f"x,y\n1,2\n3,{marker}\n5,6\n")
    assert np.isnan(table.values[1, 1]) and table.values[2, 1] == 6


def test_unclosed_quote_is_explained():
    with pytest.raises(InputError, match=r"could not be read as a table.*quote"):
        _table('x,y\n1,"2\n3,4\n')


def test_utf16_big_endian_and_cp1252_semicolons():
    table = datasets.read_csv_table("x;y\n1,5;2\n".encode("utf-16-be").join([b"\xfe\xff", b""]))
    np.testing.assert_array_equal(table.values, [[1.5, 2]])
    table = datasets.read_csv_table("Größe;Breite\n1;2\n3;4\n".encode("cp1252"))
    assert table.column_names == ["Größe", "Breite"]


def test_no_row_limit_by_default():
    content = b"x,y\n" + b"1,2\n3,5\n" * 500_001
    assert datasets.read_csv_table(content).values.shape == (1_000_002, 2)
    data = datasets.load_csv(content, max_points=10)
    assert data.n_rows == 1_000_002 and len(data.points) == 10


def test_default_byte_limit_is_the_upload_limit():
    limit = limits.MAX_UPLOAD_MB * 2**20
    for function in (datasets.read_csv_table, datasets.load_csv):
        assert inspect.signature(function).parameters["max_bytes"].default == limit
    content = b"x,y\n" + b"1,2\n" * (limit // 4)  # one line over the limit
    with pytest.raises(InputError, match=rf"enormous: .*limit of {limits.MAX_UPLOAD_MB} MB"):
        datasets.load_csv(io.BytesIO(content))


@pytest.mark.parametrize(
    "content",
    [b"", b"x,y\n", b"\x00\x01", b"x,y\n1,2,3\n4,5\n", b"a,b\nc,d\n", b"x,y\n1,2\n3,z\n4,5\n"],
)
def test_every_csv_problem_is_an_input_error(content):
    with pytest.raises(InputError):
        datasets.load_csv(content)


def test_messages_speak_to_a_person():
    with pytest.raises(InputError) as empty:
        datasets.read_csv_table(io.BytesIO(b""))
    with pytest.raises(InputError) as missing:
        datasets.read_csv_table("/nonexistent/points.csv")
    with pytest.raises(InputError) as saved:
        datasets.Standardizer.from_dict({"mean": [0.0], "scale": [np.inf]})
    with pytest.raises(InputError) as big:
        datasets.read_csv_table(b"x,y\n" + b"1,2\n" * 300, max_bytes=1024)
    text = " ".join(str(e.value) for e in (empty, missing, saved, big))
    for programmer_words in ("seek(", "io.StringIO", "scale=[", "> 0", "max_bytes="):
        assert programmer_words not in text


# ---------------------------------------------------------------------------
# Degenerate data
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("standardize", [False, True])
def test_identical_points_are_refused(standardize):
    with pytest.raises(InputError, match=r"All 3 points are the same point \(1, 2\)"):
        datasets.load_csv(b"x,y\n1,2\n1,2\n1,2\n", standardize=standardize)


def test_huge_values_need_standardisation():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 2)) * [1e300, 3e299] + [5e299, -1e300]
    content = ("x,y\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in values)).encode()
    with pytest.raises(InputError, match=r"too large.*Standardise"):
        datasets.load_csv(content)
    data = datasets.load_csv(content, standardize=True)
    assert np.isfinite(data.points).all()
    np.testing.assert_allclose(data.points.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(data.points.std(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_allclose(data.original_points(), values, atol=1e-6 * np.abs(values).max())


def test_standardizer_fit_is_finite_near_the_float64_limit():
    x = np.array([[1e308, -1e308], [-1e308, 1e308], [5e307, 0.0]])
    scaler = datasets.Standardizer.fit(x)
    assert np.isfinite(scaler.mean).all() and np.isfinite(scaler.scale).all()
    np.testing.assert_allclose(scaler.mean, [5e307 / 3, 0.0], rtol=1e-12, atol=1e292)
    np.testing.assert_allclose(scaler.scale, (x / 1e308).std(axis=0) * 1e308, rtol=1e-12)
    z = scaler.transform(x)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)


def test_values_constant_at_32_bit_precision():
    rng = np.random.default_rng(1)
    values = np.column_stack([rng.normal(size=100), 1e6 + 1e-4 * rng.normal(size=100)])
    content = ("x,y\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in values)).encode()
    with pytest.raises(InputError, match=r"'y' has the same value .* at 32-bit precision"):
        datasets.load_csv(content)
    # standardising in 64-bit floats first keeps the differences
    data = datasets.load_csv(content, standardize=True)
    np.testing.assert_allclose(data.points.std(axis=0), 1.0, rtol=1e-5)


def test_missing_values_message_names_the_file_lines():
    with pytest.raises(InputError, match=r"data row\(s\): 1, 3 .*on line\(s\) 4, 7 of the file"):
        datasets.load_csv(b"x,y\n1,2\n\n3,\n4,5\n\n6,NA\n7,8\n")


# ---------------------------------------------------------------------------
# Subsampling large files
# ---------------------------------------------------------------------------


def _numbered_csv(n: int) -> bytes:
    """n rows: x is the row number, y a function of it, so a kept point tells its row."""
    return ("x,y\n" + "".join(f"{i},{(i * 7919) % 1000}\n" for i in range(n))).encode()


def test_small_file_keeps_every_row():
    data = datasets.load_csv(_numbered_csv(30), max_points=30)
    assert len(data.points) == data.n_rows == 30 and not data.subsampled
    np.testing.assert_array_equal(data.points[:, 0], np.arange(30))


def test_subsample_size_rows_and_file_order():
    data = datasets.load_csv(_numbered_csv(1000), max_points=120, seed=4)
    assert data.points.shape == (120, 2) and data.n_rows == 1000 and data.subsampled
    rows = data.points[:, 0].astype(int)
    assert (np.diff(rows) > 0).all()  # distinct rows, in file order
    np.testing.assert_array_equal(data.points[:, 1], (rows * 7919) % 1000)  # whole rows kept
    assert rows[0] < 100 and rows[-1] > 900  # spread over the file, not its first rows


def test_subsample_is_determined_by_the_seed():
    content = _numbered_csv(1000)
    first = datasets.load_csv(content, max_points=100, seed=1).points
    np.testing.assert_array_equal(first, datasets.load_csv(content, max_points=100, seed=1).points)
    assert not np.array_equal(first, datasets.load_csv(content, max_points=100, seed=2).points)


def test_default_keeps_at_most_the_training_limit():
    data = datasets.load_csv(io.BytesIO(_numbered_csv(limits.MAX_TRAINING_POINTS + 7)))
    assert len(data.points) == limits.MAX_TRAINING_POINTS
    assert data.n_rows == limits.MAX_TRAINING_POINTS + 7


def test_standardises_the_kept_points():
    data = datasets.load_csv(_numbered_csv(1000), max_points=200, seed=3, standardize=True)
    np.testing.assert_allclose(data.points.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(data.points.std(axis=0), 1.0, rtol=1e-6)
    kept = data.original_points()[:, 0]
    np.testing.assert_allclose(data.standardizer.mean[0], kept.mean(), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"max_points": limits.MAX_TRAINING_POINTS + 1}, r"At most 50,000 points can be kept"),
        ({"max_points": 0}, r"max_points must be a whole number >= 1"),
        ({"max_points": 5, "min_points": 10}, r"fewer than the 10 needed"),
        ({"seed": -1}, r"seed must be a whole number >= 0"),
    ],
)
def test_subsample_settings_are_checked(kwargs, expected):
    with pytest.raises(InputError, match=expected):
        datasets.load_csv(_numbered_csv(20), **kwargs)


def test_max_bytes_is_passed_on():
    with pytest.raises(InputError, match=r"enormous: .*limit of 1 KB"):
        datasets.load_csv(_numbered_csv(300), max_bytes=1024)
