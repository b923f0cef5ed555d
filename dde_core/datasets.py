"""Training data: the standard 2-D toy distributions and users' own CSV files.

Two halves, each read top to bottom:

* **Toy distributions** (``names``, ``describe``, ``sample``): the field's
  standard set of 2-D densities (FFJORD's toy data), at the scales listed in
  the project notes. Every sampler draws from an explicit
  ``np.random.Generator``, so the same seed always gives the same points.
* **CSV loading** (``read_csv_table``, ``load_csv``): turns an uploaded file
  into a float array, guessing the delimiter and header the way a person
  would, and explains every problem (empty, binary, ragged, too big, ...) in a
  ``ValueError`` that says how to fix it. ``Standardizer`` rescales columns to
  mean 0 / std 1 and can be saved with a model.

All points are arrays of shape (n_points, 2) in data units.
"""

from __future__ import annotations

import csv
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Sequence, TextIO, Union

import numpy as np

from .validation import check_points, check_positive_int

__all__ = [
    "names",
    "describe",
    "sample",
    "CsvTable",
    "read_csv_table",
    "Standardizer",
    "PointData",
    "load_csv",
]


# ---------------------------------------------------------------------------
# Toy distributions
# ---------------------------------------------------------------------------

Sampler = Callable[[np.random.Generator, int], np.ndarray]


def _split_evenly(n: int, parts: int) -> np.ndarray:
    """Counts (parts,) summing to n that differ by at most one, larger ones first."""
    return np.full(parts, n // parts) + (np.arange(parts) < n % parts)


def _labels(n: int, parts: int) -> np.ndarray:
    """Group index (n,) in 0..parts-1, groups as equal in size as possible, in order."""
    return np.repeat(np.arange(parts), _split_evenly(n, parts))


def _unit_vectors(angles: np.ndarray) -> np.ndarray:
    """(cos a, sin a) for each angle a in radians: shape (len(angles), 2)."""
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _circle(radius: float, count: int) -> np.ndarray:
    """``count`` points at evenly spaced angles on a circle: shape (count, 2)."""
    return radius * _unit_vectors(np.linspace(0.0, 2.0 * np.pi, count, endpoint=False))


def _uniform_x(rng: np.random.Generator, n: int) -> np.ndarray:
    """n values uniform on [-2.5, 2.5), shared by ``line`` and ``cos``."""
    return 5.0 * rng.random(n) - 2.5


def _eight_gaussians(rng: np.random.Generator, n: int) -> np.ndarray:
    """Eight Gaussians (std 0.5) centred on a circle of radius 4, all divided by 1.414."""
    centres = 4.0 * _unit_vectors(_labels(n, 8) * (np.pi / 4.0))
    return (centres + 0.5 * rng.standard_normal((n, 2))) / 1.414


def _two_spirals(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two interleaved spiral arms (the second is the first negated), /3, + 0.1·N."""
    t = np.sqrt(rng.random(n)) * (540.0 * 2.0 * np.pi / 360.0)
    arm = np.stack([-np.cos(t) * t, np.sin(t) * t], axis=1) + 0.5 * rng.random((n, 2))
    sign = np.where(_labels(n, 2) == 0, 1.0, -1.0)[:, None]
    return sign * arm / 3.0 + 0.1 * rng.standard_normal((n, 2))


def _checkerboard(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform on 8 of the 16 squares (side 2) of [-4, 4]², like a chessboard's black squares."""
    x1 = 4.0 * rng.random(n) - 2.0
    x2 = rng.random(n) - 2.0 * rng.integers(0, 2, size=n) + np.floor(x1) % 2
    return 2.0 * np.stack([x1, x2], axis=1)


def _rings(rng: np.random.Generator, n: int) -> np.ndarray:
    """Four concentric circles (radii 3, 2.25, 1.5, 0.75) at even angles, + 0.08·N."""
    counts = _split_evenly(n, 4)
    radii = (3.0, 2.25, 1.5, 0.75)
    rings = np.concatenate([_circle(r, c) for r, c in zip(radii, counts)])
    return rings + 0.08 * rng.standard_normal((n, 2))


def _moons(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two interlocking half circles (make_moons style, noise 0.1), ×2 + (−1, −0.2)."""
    n_outer, n_inner = _split_evenly(n, 2)
    outer = _unit_vectors(np.linspace(0.0, np.pi, n_outer))
    inner = np.array([1.0, 0.5]) - _unit_vectors(np.linspace(0.0, np.pi, n_inner))
    moons = np.concatenate([outer, inner]) + 0.1 * rng.standard_normal((n, 2))
    return 2.0 * moons + np.array([-1.0, -0.2])


def _circles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two concentric circles (radii 1 and 0.5, noise 0.08), ×3."""
    n_outer, n_inner = _split_evenly(n, 2)
    circles = np.concatenate([_circle(1.0, n_outer), _circle(0.5, n_inner)])
    return 3.0 * (circles + 0.08 * rng.standard_normal((n, 2)))


def _swissroll(rng: np.random.Generator, n: int) -> np.ndarray:
    """sklearn's swiss roll seen end-on: (t cos t, t sin t) + N(0, I), t in [1.5π, 4.5π], /5."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    roll = t[:, None] * _unit_vectors(t) + 1.0 * rng.standard_normal((n, 2))
    return roll / 5.0


def _pinwheel(rng: np.random.Generator, n: int) -> np.ndarray:
    """Five curved arms: radial std 0.3 around 1, tangential std 0.1, twist rate 0.25, ×2."""
    arm = _labels(n, 5)
    radial = 1.0 + 0.3 * rng.standard_normal(n)
    tangential = 0.1 * rng.standard_normal(n)
    angle = arm * (2.0 * np.pi / 5.0) + 0.25 * np.exp(radial)
    cos, sin = np.cos(angle), np.sin(angle)
    # Rotate (radial, tangential) clockwise by `angle`, the orientation of the original.
    x = radial * cos + tangential * sin
    y = -radial * sin + tangential * cos
    return 2.0 * np.stack([x, y], axis=1)


def _line(rng: np.random.Generator, n: int) -> np.ndarray:
    """The diagonal y = x for x uniform on [-2.5, 2.5): a density on a 1-D set."""
    x = _uniform_x(rng, n)
    return np.stack([x, x], axis=1)


def _cos(rng: np.random.Generator, n: int) -> np.ndarray:
    """The curve y = 2.5·sin x for x uniform on [-2.5, 2.5): a density on a 1-D set."""
    x = _uniform_x(rng, n)
    return np.stack([x, 2.5 * np.sin(x)], axis=1)


@dataclass(frozen=True)
class _Toy:
    """A toy distribution: its sampler (rng, n) -> (n, 2) array, and a sentence for the UI."""

    sampler: Sampler
    description: str


_TOYS: dict[str, _Toy] = {
    "8gaussians": _Toy(_eight_gaussians, "Eight round blobs evenly spaced on a circle."),
    "2spirals": _Toy(_two_spirals, "Two interleaved spiral arms winding out to radius 3."),
    "checkerboard": _Toy(_checkerboard, "Uniform on 8 of the 16 squares of a chessboard."),
    "rings": _Toy(_rings, "Four thin concentric rings of radii 3, 2.25, 1.5 and 0.75."),
    "moons": _Toy(_moons, "Two interlocking half-moons, the classic clustering example."),
    "circles": _Toy(_circles, "Two noisy concentric circles of radii 3 and 1.5."),
    "swissroll": _Toy(_swissroll, "A noisy spiral band: the swiss roll seen end-on."),
    "pinwheel": _Toy(_pinwheel, "Five curved arms twisting around the origin like a pinwheel."),
    "line": _Toy(_line, "Points on the line y = x: a degenerate density with no area."),
    "cos": _Toy(_cos, "Points on the curve y = 2.5 sin x: a degenerate density with no area."),
}


def names() -> list[str]:
    """The toy distributions' names, in display order."""
    return list(_TOYS)


def _toy(name: Any) -> _Toy:
    """The registry entry for ``name``, or a ValueError listing the valid names."""
    if isinstance(name, str) and name in _TOYS:
        return _TOYS[name]
    raise ValueError(f"Unknown toy distribution {name!r}. Choose one of: {', '.join(names())}.")


def describe(name: str) -> str:
    """A one-sentence description of the toy distribution ``name`` for the UI."""
    return _toy(name).description


def sample(name: str, n: int, seed: int = 0) -> np.ndarray:
    """Draw ``n`` points from the toy distribution ``name``.

    Returns a float32 array of shape (n, 2) in data units (most toys fit in
    [-4, 4]²). The same ``seed`` gives the same points; rows are in random
    order, so any prefix is a representative sample.
    """
    toy = _toy(name)
    n = check_positive_int(n, "n")
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    points = rng.permutation(toy.sampler(rng, n))
    return points.astype(np.float32)


# ---------------------------------------------------------------------------
# CSV files: bytes -> text -> rows of cells -> numeric columns
# ---------------------------------------------------------------------------

# What a CSV can be read from: a path, the file's bytes, or an open binary/text file.
CsvSource = Union[str, os.PathLike, bytes, bytearray, BinaryIO, TextIO]

# Candidate delimiters, most preferred first; None means "runs of whitespace".
_DELIMITERS: tuple[str | None, ...] = (",", ";", "\t", "|", None)
_DELIMITER_NAMES = {
    ",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes", None: "whitespace",
}
_MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none"})
_SNIFF_LINES = 100
_MAX_LISTED = 5
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ALLOWED_CONTROL = frozenset("\t\n\r\f\v")
_SUBSAMPLE_HINT = (
    "Subsample it first (for example keep a random 100,000 rows); "
    "a 2-D density needs far fewer points."
)


@dataclass(eq=False)
class CsvTable:
    """The numeric columns of a CSV file.

    ``column_names`` has one name per kept column (from the header, or
    "column 1", "column 2", ... counted over all of the file's columns when it
    has no header). ``values`` is float64 of shape (n_rows, n_columns); an
    empty or "NA" cell is NaN.
    """

    column_names: list[str]
    values: np.ndarray


def _listing(items: Sequence[str]) -> str:
    """'a', 'b', 'c' and 2 more — a short quoted list for error messages."""
    shown = ", ".join(repr(item) for item in items[:_MAX_LISTED])
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return shown + more


def _human_size(n_bytes: int) -> str:
    """1,536 -> '1.5 KB'; sizes in binary units."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def _too_big(what: str) -> ValueError:
    """The error for a file over a size limit; ``what`` says which limit."""
    return ValueError(f"The file is enormous: {what}. {_SUBSAMPLE_HINT}")


def _read_raw(source: Any, max_bytes: int) -> bytes | str:
    """The file's contents, at most ``max_bytes`` bytes (characters for text files)."""
    limit = f"it is larger than the limit of {_human_size(max_bytes)} (max_bytes={max_bytes:,})"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(
                f"There is no file at {str(path)!r}. Check the path; to parse CSV text "
                "directly, pass it as bytes or wrap it in io.StringIO."
            )
        if path.stat().st_size > max_bytes:
            raise _too_big(limit)
        return path.read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise ValueError(
            f"Cannot read a CSV from a {type(source).__name__}. "
            "Pass a file path, the file's bytes, or an open file."
        )
    if len(data) > max_bytes:
        raise _too_big(limit)
    return data


def _decode(raw: bytes) -> str:
    """Text of ``raw``: UTF-16 (with BOM), UTF-8, or Windows-1252; raise if binary."""
    not_text = ValueError(
        "The file is not a text CSV: it contains binary data (is it an Excel .xlsx, "
        "a zip or an image?). Export or save it as CSV (comma-separated text) and upload that."
    )
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise not_text from None
    if b"\x00" in raw:
        raise not_text
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise not_text


def _read_text(source: Any, max_bytes: int) -> str:
    """The file's text; raise if it is binary (control characters other than whitespace)."""
    raw = _read_raw(source, max_bytes)
    text = raw if isinstance(raw, str) else _decode(raw)
    if any(ch < " " and ch not in _ALLOWED_CONTROL for ch in text[:65536]):
        raise ValueError(
            "The file is not a text CSV: it contains control characters. "
            "Export or save it as CSV (comma-separated text) and upload that."
        )
    return text


def _non_blank_lines(text: str) -> tuple[list[int], list[str]]:
    """(1-based line numbers, lines) of the lines that hold more than whitespace."""
    numbered = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    return [number for number, _ in numbered], [line for _, line in numbered]


def _split_rows(lines: Sequence[str], delimiter: str | None) -> list[list[str]]:
    """Each line split into cells; quoted cells ("a, b") are kept whole."""
    if delimiter is None:
        return [line.split() for line in lines]
    return [
        next(csv.reader((line,), delimiter=delimiter)) if '"' in line else line.split(delimiter)
        for line in lines
    ]


def _parse_cell(cell: str, decimal_comma: bool) -> float | None:
    """The cell's number (NaN for a missing-value marker), or None if it is text."""
    cell = cell.strip()
    if cell.lower() in _MISSING_MARKERS:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        pass
    if decimal_comma and cell.count(",") == 1 and "." not in cell:
        try:
            return float(cell.replace(",", "."))
        except ValueError:
            pass
    return None


def _parse_cells(cells: Sequence[str], decimal_comma: bool) -> list[float | None]:
    """``_parse_cell`` of each cell."""
    return [_parse_cell(cell, decimal_comma) for cell in cells]


def _numeric_share(rows: list[list[str]], decimal_comma: bool) -> float:
    """Fraction of the cells below the first row that are numbers or missing values."""
    body = rows[1:] or rows
    parsed = _parse_cells([cell for row in body for cell in row], decimal_comma)
    return sum(value is not None for value in parsed) / max(len(parsed), 1)


def _choose_delimiter(lines: Sequence[str]) -> str | None:
    """The delimiter that splits the sample lines most consistently into numbers.

    Score: share of lines with the usual number of cells, then share of numeric
    cells, then the number of cells; earlier candidates win ties. A file with a
    single column gets "," (it then fails the two-column check).
    """
    best: str | None = ","
    best_score: tuple[float, float, int] | None = None
    for delimiter in _DELIMITERS:
        rows = _split_rows(lines, delimiter)
        width, count = Counter(len(row) for row in rows).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(rows), _numeric_share(rows, delimiter != ","), width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


def _is_numeric(parsed: Sequence[float | None]) -> bool:
    """True if a parsed column holds numbers and they outnumber its text cells (None)."""
    numbers = sum(value is not None and not math.isnan(value) for value in parsed)
    texts = sum(value is None for value in parsed)
    return numbers > texts


def _looks_like_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    """True if the first row names the columns.

    That is when some column is numeric below the first row but holds text in
    it; a lone row is a header if any of its cells is text.
    """
    first, rest = rows[0], rows[1:]
    for j, cell in enumerate(first):
        if _parse_cell(cell, decimal_comma) is not None:
            continue
        below = [row[j] for row in rest if j < len(row)]
        if not rest or _is_numeric(_parse_cells(below, decimal_comma)):
            return True
    return False


def _header_names(cells: Sequence[str]) -> list[str]:
    """Column names from a header row: stripped, blanks named by position, repeats numbered."""
    stripped = [cell.strip() for cell in cells]
    stripped[0] = stripped[0].lstrip("#").strip()  # numpy.savetxt writes "# x,y"
    seen: Counter[str] = Counter()
    result = []
    for j, name in enumerate(stripped):
        name = name or f"column {j + 1}"
        seen[name] += 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def _check_rectangular(
    rows: list[list[str]], line_numbers: list[int], delimiter: str | None
) -> None:
    """Raise if some rows have a different number of cells than most rows."""
    widths = [len(row) for row in rows]
    usual = Counter(widths).most_common(1)[0][0]
    bad = [i for i, width in enumerate(widths) if width != usual]
    if not bad:
        return
    shown = ", ".join(f"line {line_numbers[i]} has {widths[i]}" for i in bad[:_MAX_LISTED])
    more = f" (and {len(bad) - _MAX_LISTED} more lines)" if len(bad) > _MAX_LISTED else ""
    raise ValueError(
        f"The rows have different numbers of values (ragged rows): most have {usual}, separated by "
        f"{_DELIMITER_NAMES[delimiter]}, but {shown}{more}. Give every row the same number of "
        "values; leave a cell empty for a missing value."
    )


def _numeric_column(
    name: str, cells: Sequence[str], line_numbers: list[int], decimal_comma: bool
) -> np.ndarray | None:
    """The column as float64 (n,), or None if it is a text (or empty) column.

    Raises if the column is mostly numbers but some cells are text.
    """
    try:
        values = np.asarray(cells, dtype=str).astype(np.float64)  # fast path: plain numbers
        return None if np.isnan(values).all() else values
    except ValueError:
        pass
    parsed = _parse_cells(cells, decimal_comma)
    if not _is_numeric(parsed):
        return None
    bad = [i for i, value in enumerate(parsed) if value is None]
    if bad:
        shown = ", ".join(
            f"{cells[i].strip()!r} on line {line_numbers[i]}" for i in bad[:_MAX_LISTED]
        )
        more = f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        raise ValueError(
            f"Column {name!r} looks numeric but {len(bad)} cell(s) are not numbers: {shown}{more}. "
            "Fix or delete those cells (an empty cell counts as a missing value)."
        )
    return np.asarray(parsed, dtype=np.float64)


def _numeric_table(
    column_names: list[str], rows: list[list[str]], line_numbers: list[int], decimal_comma: bool
) -> CsvTable:
    """The numeric columns of the data ``rows``; raise if fewer than two are numeric."""
    kept_names, kept_values = [], []
    for name, cells in zip(column_names, zip(*rows)):
        values = _numeric_column(name, cells, line_numbers, decimal_comma)
        if values is not None:
            kept_names.append(name)
            kept_values.append(values)
    if len(kept_names) < 2:
        found = f"{len(kept_names)}: {_listing(kept_names)}" if kept_names else "none"
        raise ValueError(
            f"The CSV needs at least two numeric columns, found {found} "
            f"(all columns: {_listing(column_names)}). "
            "Each row must hold a point's x and y as numbers."
        )
    return CsvTable(column_names=kept_names, values=np.column_stack(kept_values))


def read_csv_table(
    source: CsvSource, max_rows: int = 1_000_000, max_bytes: int = 200 * 2**20
) -> CsvTable:
    """Read the numeric columns of a CSV file.

    ``source`` is a path (str or Path), the file's bytes, or an open binary or
    text file (read from its current position, e.g. Streamlit's upload). The
    delimiter (comma, semicolon, tab, pipe or whitespace) and whether the first
    row is a header are guessed; with a non-comma delimiter "1,5" reads as 1.5.
    Text columns are dropped. Raises ``ValueError`` for an empty or binary
    file, ragged rows, text in a numeric column, fewer than two numeric
    columns, or more than ``max_rows`` data rows / ``max_bytes`` bytes.
    """
    max_rows = check_positive_int(max_rows, "max_rows")
    max_bytes = check_positive_int(max_bytes, "max_bytes")
    line_numbers, lines = _non_blank_lines(_read_text(source, max_bytes))
    if not lines:
        raise ValueError(
            "The file is empty: it has no rows of data. Choose a CSV with one point per row "
            "(if you passed an open file that was already read, seek(0) first)."
        )
    delimiter = _choose_delimiter(lines[:_SNIFF_LINES])
    decimal_comma = delimiter != ","
    has_header = _looks_like_header(_split_rows(lines[:_SNIFF_LINES], delimiter), decimal_comma)
    n_rows = len(lines) - int(has_header)
    if n_rows == 0:
        raise ValueError(
            "The file has a header row but no data rows. Add one point per row below the header."
        )
    if n_rows > max_rows:
        raise _too_big(f"it has {n_rows:,} data rows, more than max_rows={max_rows:,}")

    rows = _split_rows(lines, delimiter)
    _check_rectangular(rows, line_numbers, delimiter)
    if has_header:
        column_names = _header_names(rows[0])
        rows, line_numbers = rows[1:], line_numbers[1:]
    else:
        column_names = [f"column {j + 1}" for j in range(len(rows[0]))]

    return _numeric_table(column_names, rows, line_numbers, decimal_comma)


# ---------------------------------------------------------------------------
# Standardising columns
# ---------------------------------------------------------------------------


def _as_rows(points: Any, dim: int) -> np.ndarray:
    """``points`` as float64 (n, dim); NaN passes through (model outputs may diverge)."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(
            f"points must have shape (n_points, {dim}), got an array of shape {array.shape}."
        )
    return array


@dataclass(eq=False)
class Standardizer:
    """Per-column affine map x -> (x - mean) / scale.

    ``mean`` and ``scale`` are float64 arrays of shape (d,) in data units;
    every scale is finite and > 0.
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        self.mean = np.asarray(self.mean, dtype=np.float64)
        self.scale = np.asarray(self.scale, dtype=np.float64)
        if self.mean.ndim != 1 or self.mean.shape != self.scale.shape:
            raise ValueError(
                "mean and scale must be 1-D with one entry per column, got shapes "
                f"{self.mean.shape} and {self.scale.shape}."
            )
        scale_ok = np.isfinite(self.scale) & (self.scale > 0)
        if not np.isfinite(self.mean).all() or not scale_ok.all():
            raise ValueError(
                "mean must be finite and every scale finite and > 0, got "
                f"mean={self.mean.tolist()}, scale={self.scale.tolist()}."
            )

    @property
    def dim(self) -> int:
        """Number of columns d."""
        return len(self.mean)

    @classmethod
    def fit(cls, points: Any, column_names: Sequence[str] | None = None) -> Standardizer:
        """Mean and (population) standard deviation of each column of ``points`` (n, d).

        Raises if a column is constant; ``column_names`` name it in the message.
        """
        points = check_points(points, "points", min_points=2)
        labels = list(column_names) if column_names is not None else [
            f"column {j + 1}" for j in range(points.shape[1])
        ]
        constant = np.flatnonzero(np.ptp(points, axis=0) == 0)
        if len(constant):
            j = constant[0]
            raise ValueError(
                f"Cannot standardise: column {labels[j]!r} is constant (every value is "
                f"{points[0, j]:g}), so it has no spread to scale by. Choose another column "
                "or turn standardisation off."
            )
        return cls(mean=points.mean(axis=0), scale=points.std(axis=0))

    @classmethod
    def identity(cls, dim: int) -> Standardizer:
        """The map that leaves ``dim``-dimensional points unchanged."""
        dim = check_positive_int(dim, "dim")
        return cls(mean=np.zeros(dim), scale=np.ones(dim))

    def transform(self, points: Any) -> np.ndarray:
        """Data units -> standardised units: float64 (n, d)."""
        return (_as_rows(points, self.dim) - self.mean) / self.scale

    def inverse_transform(self, points: Any) -> np.ndarray:
        """Standardised units -> data units: float64 (n, d)."""
        return _as_rows(points, self.dim) * self.scale + self.mean

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-friendly form: {"mean": [...], "scale": [...]}."""
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, data: Any) -> Standardizer:
        """Rebuild from ``to_dict()`` output."""
        if not isinstance(data, dict) or not {"mean", "scale"} <= data.keys():
            raise ValueError(
                "A saved standardizer must be a dict with keys 'mean' and 'scale' "
                f"(as written by Standardizer.to_dict()), got {data!r}."
            )
        return cls(mean=data["mean"], scale=data["scale"])


# ---------------------------------------------------------------------------
# Points for training, from a CSV file
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class PointData:
    """Training points read from a file.

    ``points`` is float32 (n, 2) in the model's units: standardised by
    ``standardizer`` (the identity when standardisation is off).
    ``column_names`` are the file's columns used as x and y.
    """

    points: np.ndarray
    column_names: tuple[str, str]
    standardizer: Standardizer

    def original_points(self) -> np.ndarray:
        """The points in the file's units: float64 (n, 2)."""
        return self.standardizer.inverse_transform(self.points)


def _column_index(column_names: list[str], column: Any) -> int:
    """Position of ``column`` (a name, or a 0-based index among the numeric columns)."""
    available = f"Available numeric columns: {', '.join(repr(name) for name in column_names)}."
    if isinstance(column, str):
        if column.strip() in column_names:
            return column_names.index(column.strip())
        raise ValueError(f"There is no numeric column named {column!r}. {available}")
    if isinstance(column, (int, np.integer)) and not isinstance(column, bool):
        if 0 <= column < len(column_names):
            return int(column)
        raise ValueError(
            f"Column index {column} is out of range: numeric columns are numbered 0 to "
            f"{len(column_names) - 1}. {available}"
        )
    raise ValueError(f"A column must be a name or a 0-based index, got {column!r}. {available}")


def _resolve_columns(column_names: list[str], columns: Any) -> tuple[int, int]:
    """Indices of the two chosen columns; the first two numeric columns by default."""
    if columns is None:
        return 0, 1
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or len(columns) != 2:
        raise ValueError(
            f"columns must be a pair of names or 0-based indices, such as ('x', 'y') or (0, 1); "
            f"got {columns!r}."
        )
    first, second = (_column_index(column_names, column) for column in columns)
    if first == second:
        raise ValueError(
            f"Both columns are {column_names[first]!r}; choose two different columns for x and y."
        )
    return first, second


def _finite_points(values: np.ndarray, label: str, min_points: int) -> np.ndarray:
    """``values`` (n, 2) checked by check_points, with its row numbers explained for a CSV."""
    try:
        return check_points(values, name=label, min_points=min_points)
    except ValueError as error:
        message = (
            str(error)
            .replace(" row(s):", " data row(s):")
            .replace(
                "(counted from 0)",
                "(counted from 0 below the header; empty or NA cells count as NaN)",
            )
        )
        raise ValueError(message[0].upper() + message[1:]) from None


def load_csv(
    source: CsvSource,
    columns: tuple[int | str, int | str] | None = None,
    standardize: bool = False,
    min_points: int = 2,
    max_rows: int = 1_000_000,
) -> PointData:
    """Read two columns of a CSV file as training points.

    ``columns`` picks x and y by name or by 0-based index among the numeric
    columns (default: the first two numeric columns). With ``standardize``,
    each column is rescaled to mean 0 and std 1. Rows with a missing or
    infinite value in the chosen columns are an error (other columns may have
    gaps). See ``read_csv_table`` for the accepted sources and formats.
    """
    min_points = check_positive_int(min_points, "min_points")
    table = read_csv_table(source, max_rows=max_rows)
    first, second = _resolve_columns(table.column_names, columns)
    column_names = (table.column_names[first], table.column_names[second])
    label = f"the CSV's columns {column_names[0]!r}, {column_names[1]!r}"
    raw = _finite_points(table.values[:, [first, second]], label, min_points)
    standardizer = Standardizer.fit(raw, column_names) if standardize else Standardizer.identity(2)
    points = standardizer.transform(raw).astype(np.float32)
    return PointData(points=points, column_names=column_names, standardizer=standardizer)
