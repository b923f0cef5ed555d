"""A drawn data set: its link text, its checks and its CSV file (dde_app/drawing.py)."""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

import numpy as np
import pytest

from dde_app.drawing import (
    MAX_URL_CHARS,
    MAX_URL_POINTS,
    MIN_DRAWN_POINTS,
    check_drawing,
    drawing_csv,
    drawing_from_query,
    drawing_to_query,
)
from dde_core import datasets
from dde_core.errors import InputError

BOX = (-4.0, 4.0)


def drawn(n: int, seed: int = 0) -> np.ndarray:
    """``n`` points as the canvas sends them: in the box, rounded to 3 decimals."""
    return np.round(np.random.default_rng(seed).uniform(*BOX, size=(n, 2)), 3)


# ---- the link text ---------------------------------------------------------------------------


def test_a_drawn_drawing_comes_back_from_its_link_exactly():
    points = drawn(MAX_URL_POINTS)
    text = drawing_to_query(points)
    assert text is not None and len(text) <= MAX_URL_CHARS
    assert quote(text, safe="") == text  # nothing to escape in a URL
    np.testing.assert_array_equal(drawing_from_query(text, BOX), points)


def test_unrounded_points_come_back_within_half_a_thousandth():
    points = np.random.default_rng(1).uniform(*BOX, size=(100, 2))
    back = drawing_from_query(drawing_to_query(points), BOX)
    assert back.shape == points.shape
    assert np.abs(back - points).max() <= 0.0005 + 1e-12


def test_the_box_corners_and_zero_travel():
    points = np.array([[-4.0, -4.0], [4.0, 4.0], [0.0, -0.0], [-0.0004, 3.9996]])
    np.testing.assert_array_equal(drawing_from_query(drawing_to_query(points), BOX), [[-4, -4], [4, 4], [0, 0], [0, 4]])


def test_the_link_holds_at_most_max_url_points():
    assert drawing_to_query(drawn(MAX_URL_POINTS + 1)) is None
    assert len(drawing_to_query(drawn(MAX_URL_POINTS))) == MAX_URL_CHARS
    assert drawing_to_query(np.array([[40.0, 0.0], [0.0, 1.0]])) is None  # beyond ±32.767


def test_the_whole_link_stays_under_2000_characters():
    """The longest setup (every setting at its widest value), page flags, and the longest drawing."""
    from dde_core.settings import SETTINGS

    def widest(setting):
        return max((setting.format(value) for value in setting.choices or (setting.low, setting.high)), key=len)

    setup = "&".join(f"{setting.key}={widest(setting)}" for setting in SETTINGS)
    drawing = drawing_to_query(drawn(MAX_URL_POINTS))
    link = f"https://dde-playground.example.org/playground?{setup}&lecture=1&embed=true&draw={drawing}"
    assert len(link) < 2000, len(link)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("AAAA!AAA", "characters"),  # not base64url
        ("AAAA AAA", "characters"),
        ("AAAA+AA/", "characters"),  # standard base64, not base64url
        ("AAAAAAAA", "whole number"),  # 6 bytes: 1.5 points
        ("A", "whole number"),  # not base64 at all (a length of 1 mod 4)
        ("A" * (MAX_URL_CHARS + 1), "at most"),
    ],
)
def test_a_damaged_link_is_refused_with_what_to_do(text, words):
    with pytest.raises(InputError, match=words) as refused:
        drawing_from_query(text, BOX)
    assert "copy the whole link again" in str(refused.value) or "CSV" in str(refused.value)


def test_a_link_with_points_outside_the_box_is_refused():
    text = base64.urlsafe_b64encode(np.array([[0, 0], [5000, 0]], dtype="<i2").tobytes()).decode().rstrip("=")
    np.testing.assert_array_equal(drawing_from_query(text, (-8.0, 8.0)), [[0, 0], [5, 0]])
    with pytest.raises(InputError, match=r"1 point\(s\) outside the drawing area \[-4, 4\]².*\(5, 0\)"):
        drawing_from_query(text, BOX)


def test_an_empty_drawing_is_empty_text():
    assert drawing_to_query(np.zeros((0, 2))) == ""
    assert drawing_from_query("", BOX).shape == (0, 2)


# ---- what a model can be trained on ------------------------------------------------------------


def test_a_drawing_with_spread_is_accepted_as_it_is():
    points = drawn(MIN_DRAWN_POINTS)
    np.testing.assert_array_equal(check_drawing(points), points)


@pytest.mark.parametrize("points", [None, np.zeros((0, 2)), [[1.0, 2.0]]])
def test_too_few_points_are_refused(points):
    with pytest.raises(InputError, match=f"at least {MIN_DRAWN_POINTS} are needed.*Add points on the canvas"):
        check_drawing(points)


def test_points_all_in_one_spot_are_refused_as_a_csv_file_would_be():
    same = np.tile([[1.5, -2.0]], (30, 1))
    with pytest.raises(InputError, match="All 30 points are the same point") as drawing_error:
        check_drawing(same)
    with pytest.raises(InputError) as csv_error:
        datasets.load_csv(io.BytesIO(drawing_csv(same)))
    assert str(csv_error.value) in str(drawing_error.value)


def test_points_on_a_vertical_line_are_refused_naming_x():
    line = np.column_stack([np.full(10, 0.5), np.linspace(-1, 1, 10)])
    with pytest.raises(InputError, match="'x' has the same value"):
        check_drawing(line)


# ---- the CSV file ----------------------------------------------------------------------------


def test_the_csv_file_reads_back_as_the_same_points():
    points = drawn(40, seed=3)
    content = drawing_csv(points)
    assert content.startswith(b"x,y\n") and content.count(b"\n") == 41
    data = datasets.load_csv(io.BytesIO(content))
    assert data.column_names == ("x", "y") and data.n_rows == 40
    np.testing.assert_allclose(data.original_points(), points, rtol=0, atol=1e-6)  # float32 of 3 decimals
