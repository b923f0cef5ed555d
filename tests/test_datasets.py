"""Tests for dde_core.datasets: toy distributions at the notes' scales, and CSV loading."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from dde_core import datasets

N = 8_000


# ---------------------------------------------------------------------------
# Toy distributions
# ---------------------------------------------------------------------------


def test_names_are_the_standard_set_in_order():
    assert datasets.names() == [
        "8gaussians", "2spirals", "checkerboard", "rings", "moons",
        "circles", "swissroll", "pinwheel", "line", "cos",
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
    with pytest.raises(ValueError, match="every scale finite and > 0"):
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
    assert datasets.load_csv(b"x,y\n1,2\n3,2\n5,2\n").points.shape == (3, 2)


def test_load_csv_max_rows_is_passed_on():
    with pytest.raises(ValueError, match="enormous"):
        datasets.load_csv(b"x,y\n1,2\n3,4\n5,6\n", max_rows=2)
