"""Users' CSV files as training points.

Formats ``read_csv_table`` accepts:

* text in UTF-8 (with or without a BOM), UTF-16 (with a BOM) or Windows-1252;
* values separated by commas, semicolons, tabs, pipes or runs of spaces, guessed from the
  first 100 non-blank lines; cells may be quoted ("Smith, J"); blank lines are skipped;
* an optional header row (guessed: names above numbers; numpy.savetxt's "# x,y" too);
  without one, columns are named "column 1", "column 2", ...;
* with a separator other than the comma, decimal commas: "1,5" is 1.5;
* empty, NA, N/A, NaN, null and None cells are missing values (NaN); text columns are dropped.

Every problem (empty, binary, ragged, text in a numeric column, too big, ...) raises an
``InputError`` that says what to do. ``load_csv`` picks two columns as x and y, keeps at most
``limits.MAX_TRAINING_POINTS`` rows (a seeded random subsample, in file order) and can
standardise them with a ``Standardizer``. All points are arrays of shape (n_points, 2).

The file is parsed by pandas' C reader straight from its bytes (no decoded copy of the text).
Python reads the first 100 lines to guess the layout, and reads the whole file again (a
megabyte at a time) only to explain an error or when the last column has gaps (rows too short?).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import numpy as np
import pandas as pd

from . import limits
from .errors import InputError
from .validation import check_points, check_positive_int, check_spread

__all__ = ["CsvSource", "CsvTable", "read_csv_table", "Standardizer", "PointData", "load_csv"]

# What a CSV can be read from: a path, the file's bytes, or an open binary/text file.
CsvSource = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO | TextIO

MAX_BYTES = limits.MAX_UPLOAD_MB * 2**20
_SNIFF_LINES = 100
_MAX_LISTED = 5
_CHUNK = 2**20
_CHECKED_CHARS = 2**16  # for control characters, as text
_DELIMITERS: tuple[str | None, ...] = (",", ";", "\t", "|", None)  # None: runs of whitespace
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes", None: "whitespace"}
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
_PANDAS_MISSING = sorted({form for m in _MISSING for form in (m, m.upper(), m.title(), m.capitalize())} | {"NaN"})
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")  # control characters other than whitespace
_SUBSAMPLE_HINT = (
    f"Subsample it first: keep a random {limits.MAX_TRAINING_POINTS:,} rows or fewer "
    "(training uses at most that many points) and use that file."
)


# ---------------------------------------------------------------------------
# Bytes in, text lines for the guesses
# ---------------------------------------------------------------------------


def _human_size(n_bytes: int) -> str:
    """1,536 -> '1.5 KB'; sizes in binary units."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def _too_big(what: str) -> InputError:
    """The error for a file over a size limit; ``what`` says which limit."""
    return InputError(f"The file is enormous: {what}. {_SUBSAMPLE_HINT}")


def _not_text(what: str) -> InputError:
    """The error for a file that is not text."""
    return InputError(
        f"The file is not a text CSV: it contains {what}. "
        "Export or save it as CSV (comma-separated text) and upload that."
    )


def _read_bytes(source: Any, max_bytes: int) -> bytes:
    """The file's bytes (a text file's characters as UTF-8), at most ``max_bytes`` of them."""
    too_big = _too_big(f"it is larger than the limit of {_human_size(max_bytes)}")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"There is no file at {str(path)!r}. Check the file's name and folder.")
        if path.stat().st_size > max_bytes:
            raise too_big
        return path.read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = source
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise InputError(
            f"Cannot read a CSV from a {type(source).__name__}. Give a file's path, its bytes, or the open file."
        )
    if len(data) > max_bytes:
        raise too_big
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _decodes(data: bytes, encoding: str) -> bool:
    """True if all of ``data`` decodes as ``encoding`` (checked 1 MiB at a time, nothing kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(data: bytes) -> str:
    """The file's encoding: UTF-16 (with a BOM), else UTF-8, else Windows-1252; raise if binary."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = () if b"\x00" in data else ("utf-8-sig", "cp1252")
    for encoding in candidates:
        if _decodes(data, encoding):
            return encoding
    raise _not_text("binary data (is it an Excel .xlsx, a zip or an image?)")


def _numbered_lines(data: bytes, encoding: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) of each line holding more than whitespace, read lazily."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding)
    for number, line in enumerate(text, start=1):
        if line.strip():
            yield number, line.rstrip("\n")


def _split(line: str, delimiter: str | None) -> list[str]:
    """One line's cells; quoted cells ("a, b") are kept whole."""
    if delimiter is None:
        return line.split()
    return next(csv.reader((line,), delimiter=delimiter)) if '"' in line else line.split(delimiter)


# ---------------------------------------------------------------------------
# Guessing the layout from the first lines
# ---------------------------------------------------------------------------


def _parse_cell(cell: str, decimal_comma: bool) -> float | None:
    """The cell's number (NaN for a missing value), or None if it is text."""
    cell = cell.strip()
    if cell.lower() in _MISSING:
        return math.nan
    if decimal_comma and cell.count(",") == 1 and "." not in cell:
        cell = cell.replace(",", ".")
    try:
        return float(cell)
    except ValueError:
        return None


def _mostly_numbers(cells: Sequence[str], decimal_comma: bool) -> bool:
    """True if the cells hold numbers and they outnumber the text cells."""
    parsed = [_parse_cell(cell, decimal_comma) for cell in cells]
    numbers = sum(value is not None and not math.isnan(value) for value in parsed)
    return numbers > parsed.count(None)


def _choose_delimiter(lines: Sequence[str]) -> str | None:
    """The delimiter that splits the lines most consistently into numbers.

    Score: share of lines with the usual number of cells, then share of number cells below
    the first line, then the number of cells; earlier candidates win ties. A file with a
    single column gets "," (it then fails the two-column check).
    """
    best, best_score = ",", None
    for delimiter in _DELIMITERS:
        rows = [_split(line, delimiter) for line in lines]
        width, count = Counter(len(row) for row in rows).most_common(1)[0]
        if width < 2:
            continue
        cells = [cell for row in rows[1:] or rows for cell in row]
        numeric = sum(_parse_cell(c, delimiter != ",") is not None for c in cells) / max(len(cells), 1)
        score = (count / len(rows), numeric, width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_like_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    """True if the first row names the columns: it holds text above a numeric column.

    A lone row is a header if any of its cells is text.
    """
    first, rest = rows[0], rows[1:]
    for j, cell in enumerate(first):
        if _parse_cell(cell, decimal_comma) is None and (
            not rest or _mostly_numbers([row[j] for row in rest if j < len(row)], decimal_comma)
        ):
            return True
    return False


def _header_names(cells: Sequence[str]) -> list[str]:
    """Column names from a header row: stripped, blanks named by position, repeats numbered."""
    stripped = [cell.strip() for cell in cells]
    stripped[0] = stripped[0].lstrip("#").strip()  # numpy.savetxt writes "# x,y"
    seen: Counter[str] = Counter()
    names = []
    for j, name in enumerate(stripped):
        name = name or f"column {j + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


@dataclass(frozen=True)
class _Layout:
    """How a file is written, guessed from its first lines."""

    encoding: str
    delimiter: str | None
    decimal_comma: bool  # "1,5" may mean 1.5 (any delimiter but the comma)
    decimal: str  # what pandas reads first as the decimal mark: "," if the first lines use it
    header_line: int  # 1-based line number of the header row; 0 without a header
    column_names: tuple[str, ...]


def _layout(data: bytes, encoding: str) -> _Layout:
    """Delimiter, header and column names from the first non-blank lines of ``data``."""
    numbered = list(itertools.islice(_numbered_lines(data, encoding), _SNIFF_LINES))
    if not numbered:
        raise InputError("The file is empty: it has no rows of data. Choose a CSV with one point per row.")
    lines = [line for _, line in numbered]
    if _CONTROL.search("\n".join(lines)[:_CHECKED_CHARS]):
        raise _not_text("control characters")
    delimiter = _choose_delimiter(lines)
    rows = [_split(line, delimiter) for line in lines]
    decimal_comma = delimiter != ","
    decimal = (
        ","
        if decimal_comma and any("," in cell and _parse_cell(cell, True) is not None for row in rows for cell in row)
        else "."
    )
    if not _looks_like_header(rows, decimal_comma):
        names = tuple(f"column {j + 1}" for j in range(len(rows[0])))
        return _Layout(encoding, delimiter, decimal_comma, decimal, 0, names)
    if len(rows) == 1:
        raise InputError("The file has a header row but no data rows. Add one point per row below the header.")
    header = tuple(_header_names(rows[0]))
    return _Layout(encoding, delimiter, decimal_comma, decimal, numbered[0][0], header)


# ---------------------------------------------------------------------------
# Parsing with pandas, and the errors it needs explained
# ---------------------------------------------------------------------------


def _width(line: str, delimiter: str | None) -> int:
    """Number of cells on ``line``; 0 for a blank line (whitespace only, no delimiter: as pandas)."""
    if delimiter is None:
        return len(line.split())
    if '"' in line:
        return len(_split(line, delimiter))
    n_delimiters = line.count(delimiter)
    return n_delimiters + 1 if n_delimiters or line.strip() else 0


def _line_widths(data: bytes, layout: _Layout) -> np.ndarray:
    """Number of cells on each line of the file, int32 (n_lines,), 0 on blank lines.

    One pass over the file, about a million characters of whole lines at a time.
    """
    text = io.TextIOWrapper(io.BytesIO(data), encoding=layout.encoding)
    delimiter, chunks = layout.delimiter, [np.zeros(0, np.int32)]
    while block := text.read(_CHUNK) + text.readline():
        lines = block.removesuffix("\n").split("\n")
        if delimiter is None or '"' in block:
            widths = [_width(line, delimiter) for line in lines]
        else:  # the common case, quickly: _width inlined
            widths = [n + 1 if (n := line.count(delimiter)) or line.strip() else 0 for line in lines]
        chunks.append(np.array(widths, np.int32))
    return np.concatenate(chunks)


def _data_lines(data: bytes, layout: _Layout, rows: Sequence[int]) -> list[int]:
    """The file's 1-based line numbers of data rows ``rows`` (0-based)."""
    lines = np.flatnonzero(_line_widths(data, layout)) + 1
    lines = lines[lines > layout.header_line]
    return lines[np.minimum(rows, len(lines) - 1)].tolist()  # quoted line breaks shift rows


def _check_rectangular(data: bytes, layout: _Layout) -> None:
    """Raise if some lines have a different number of cells than most lines."""
    widths = _line_widths(data, layout)
    filled = widths[widths > 0]
    counts = np.bincount(filled)
    usual = filled[counts[filled] == counts.max()][0]  # the commonest; on a tie, the first seen
    bad = np.flatnonzero((widths != usual) & (widths > 0))
    if not len(bad):
        return
    shown = ", ".join(f"line {i + 1} has {widths[i]}" for i in bad[:_MAX_LISTED])
    more = f" (and {len(bad) - _MAX_LISTED} more lines)" if len(bad) > _MAX_LISTED else ""
    raise InputError(
        f"The rows have different numbers of values (ragged rows): most have {usual}, separated by "
        f"{_DELIMITER_NAMES[layout.delimiter]}, but {shown}{more}. Give every row the same number "
        "of values; leave a cell empty for a missing value."
    )


def _read_frame(data: bytes, layout: _Layout) -> pd.DataFrame:
    """The data rows as a DataFrame, one column per file column; raise if rows are ragged."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed columns are handled
            frame = pd.read_csv(
                io.BytesIO(data),
                engine="c",
                header=None,
                skiprows=layout.header_line,
                sep=r"\s+" if layout.delimiter is None else layout.delimiter,
                decimal=layout.decimal,
                encoding=layout.encoding,
                skipinitialspace=True,
                index_col=False,
                keep_default_na=False,
                na_values=_PANDAS_MISSING,
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        _check_rectangular(data, layout)
        reason = str(error).replace("Error tokenizing data. C error: ", "").strip()
        raise InputError(
            f"The file could not be read as a table ({reason}). Check for a quote "
            '(") that is never closed, and give every row the same number of values.'
        ) from None
    if frame.shape[1] != len(layout.column_names) or frame.iloc[:, -1].isna().any():
        _check_rectangular(data, layout)  # short rows come back padded with NaN
    return frame


def _column_values(column: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, pd.Series]:
    """The column's numbers, float64 (n,) with NaN for missing and text cells, and its text cells.

    The text cells are a Series of stripped strings indexed by their 0-based data row.
    """
    if column.dtype.kind in "iuf":
        return column.to_numpy(np.float64), pd.Series([], dtype="str")
    if column.dtype.kind == "b":
        column = column.astype("str")  # True / False are text
    values = pd.to_numeric(column, errors="coerce").to_numpy(np.float64, na_value=np.nan, copy=True)
    failed = column[np.isnan(values) & column.notna().to_numpy()].astype("str").str.strip()
    failed = failed[~failed.str.lower().isin(_MISSING)]
    if decimal_comma and len(failed):
        comma = failed[failed.str.fullmatch(r"[^.,]*,[^.,]*")]
        rescued = pd.to_numeric(comma.str.replace(",", ".", regex=False), errors="coerce").dropna()
        values[rescued.index.to_numpy()] = rescued.to_numpy(np.float64)
        failed = failed.drop(rescued.index)
    return values, failed


def _numeric_column(name: str, column: pd.Series, data: bytes, layout: _Layout) -> np.ndarray | None:
    """The column as float64 (n_rows,), or None if it is a text (or empty) column.

    Raises if the column is mostly numbers but some cells are text.
    """
    values, text = _column_values(column, layout.decimal_comma)
    if np.count_nonzero(~np.isnan(values)) <= len(text):
        return None
    if len(text):
        first = text.iloc[:_MAX_LISTED]
        lines = _data_lines(data, layout, first.index.tolist())
        shown = ", ".join(f"{cell!r} on line {line}" for cell, line in zip(first, lines))
        more = f" and {len(text) - _MAX_LISTED} more" if len(text) > _MAX_LISTED else ""
        raise InputError(
            f"Column {name!r} looks numeric but {len(text)} cell(s) are not numbers: {shown}{more}. "
            "Fix or delete those cells (an empty cell counts as a missing value)."
        )
    return values


@dataclass(eq=False)
class _Parsed:
    """A file's numeric columns, float64 (n_rows,) each, and what is needed to point at its lines."""

    names: list[str]
    columns: list[np.ndarray]
    data: bytes
    layout: _Layout


def _listing(items: Sequence[str]) -> str:
    """'a', 'b', 'c' and 2 more: a short quoted list for error messages."""
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return ", ".join(repr(item) for item in items[:_MAX_LISTED]) + more


def _parse(source: Any, max_rows: int | None, max_bytes: Any) -> _Parsed:
    """Read ``source`` and keep its numeric columns; raise if fewer than two are numeric."""
    max_bytes = check_positive_int(max_bytes, "max_bytes")
    max_rows = None if max_rows is None else check_positive_int(max_rows, "max_rows")
    data = _read_bytes(source, max_bytes)
    layout = _layout(data, _encoding(data))
    frame = _read_frame(data, layout)
    if max_rows is not None and len(frame) > max_rows:
        raise _too_big(f"it has {len(frame):,} data rows, more than max_rows={max_rows:,}")
    parsed = _Parsed([], [], data, layout)
    for name, (_, column) in zip(layout.column_names, frame.items()):
        values = _numeric_column(name, column, data, layout)
        if values is not None:
            parsed.names.append(name)
            parsed.columns.append(values)
    if len(parsed.names) < 2:
        found = f"{len(parsed.names)}: {_listing(parsed.names)}" if parsed.names else "none"
        raise InputError(
            f"The CSV needs at least two numeric columns, found {found} "
            f"(all columns: {_listing(layout.column_names)}). "
            "Each row must hold a point's x and y as numbers."
        )
    return parsed


@dataclass(eq=False)
class CsvTable:
    """The numeric columns of a CSV file.

    ``column_names`` has one name per kept column (from the header, or "column 1",
    "column 2", ... counted over all of the file's columns when it has no header).
    ``values`` is float64 of shape (n_rows, n_columns); an empty or "NA" cell is NaN.
    """

    column_names: list[str]
    values: np.ndarray


def read_csv_table(source: CsvSource, max_rows: int | None = None, max_bytes: int = MAX_BYTES) -> CsvTable:
    """Read the numeric columns of a CSV file (formats: see the module's docstring).

    ``source`` is a path (str or Path), the file's bytes, or an open binary or text file (read
    from its current position, e.g. Streamlit's upload). Raises ``InputError`` for an empty or
    binary file, ragged rows, text in a numeric column, fewer than two numeric columns, more
    than ``max_bytes`` bytes (default ``limits.MAX_UPLOAD_MB`` MiB) or, if given, more than
    ``max_rows`` data rows.
    """
    parsed = _parse(source, max_rows, max_bytes)
    return CsvTable(column_names=parsed.names, values=np.column_stack(parsed.columns))


# ---------------------------------------------------------------------------
# Standardising columns
# ---------------------------------------------------------------------------


def _as_rows(points: Any, dim: int) -> np.ndarray:
    """``points`` as float64 (n, dim); NaN passes through (model outputs may diverge)."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != dim:
        raise InputError(f"points must have shape (n_points, {dim}), got an array of shape {array.shape}.")
    return array


@dataclass(eq=False)
class Standardizer:
    """Per-column affine map x -> (x - mean) / scale.

    ``mean`` and ``scale`` are float64 arrays of shape (d,) in data units; every scale is
    finite and > 0.
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        self.mean = np.asarray(self.mean, dtype=np.float64)
        self.scale = np.asarray(self.scale, dtype=np.float64)
        if self.mean.ndim != 1 or self.mean.shape != self.scale.shape:
            raise InputError(
                "A standardisation needs one entry per column in both its mean and its scale, "
                f"got {self.mean.size} mean(s) and {self.scale.size} scale(s). "
                "If it comes from a saved model, save the model again."
            )
        if not (np.isfinite(self.mean).all() and np.isfinite(self.scale).all() and (self.scale > 0).all()):
            raise InputError(
                "This standardisation cannot be used: every mean must be a finite number and every "
                f"scale a finite number above 0, got means {self.mean.tolist()} and scales "
                f"{self.scale.tolist()}. If it comes from a saved model, save the model again."
            )

    @property
    def dim(self) -> int:
        """Number of columns d."""
        return len(self.mean)

    @classmethod
    def fit(cls, points: Any, column_names: Sequence[str] | None = None) -> Standardizer:
        """Mean and (population) standard deviation of each column of ``points`` (n, d).

        Computed after dividing each column by its largest magnitude, so values near the
        float64 limit (1e300) give finite results. Raises if all points are the same point
        or a column is constant; ``column_names`` (d,) name the columns in messages.
        """
        points = check_points(points, "points", min_points=2)
        labels = list(column_names) if column_names is not None else [f"column {j + 1}" for j in range(points.shape[1])]
        constant = np.flatnonzero(points.min(axis=0) == points.max(axis=0))
        if len(constant) == points.shape[1]:
            raise InputError(
                f"All {len(points):,} points are the same point "
                f"({', '.join(f'{v:g}' for v in points[0])}): a density needs points that differ. "
                "Use data with some spread."
            )
        if len(constant):
            j = constant[0]
            raise InputError(
                f"Cannot standardise: column {labels[j]!r} is constant (every value is "
                f"{points[0, j]:g}), so the points lie on a line and have no density in 2-D. "
                "Choose a column that varies."
            )
        magnitude = np.abs(points).max(axis=0)  # > 0: no column is constant
        unit = points / magnitude
        return cls(mean=unit.mean(axis=0) * magnitude, scale=unit.std(axis=0) * magnitude)

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
            raise InputError(
                "A saved standardisation needs the keys 'mean' and 'scale', got "
                f"{data!r}. If it comes from a saved model, save the model again."
            )
        return cls(mean=data["mean"], scale=data["scale"])


# ---------------------------------------------------------------------------
# Points for training, from a CSV file
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class PointData:
    """Training points read from a file.

    ``points`` is float32 (n, 2) in the model's units: standardised by ``standardizer`` (the
    identity when standardisation is off). ``column_names`` are the file's columns used as x
    and y. ``n_rows`` is the number of valid data rows in the file: more than n when the
    points are a random subsample of them.
    """

    points: np.ndarray
    column_names: tuple[str, str]
    standardizer: Standardizer
    n_rows: int

    @property
    def subsampled(self) -> bool:
        """True if the file had more rows than were kept."""
        return self.n_rows > len(self.points)

    def original_points(self) -> np.ndarray:
        """The points in the file's units: float64 (n, 2)."""
        return self.standardizer.inverse_transform(self.points)


def _column_index(column_names: list[str], column: Any) -> int:
    """Position of ``column`` (a name, or a 0-based index among the numeric columns)."""
    available = f"Available numeric columns: {', '.join(repr(name) for name in column_names)}."
    if isinstance(column, str):
        if column.strip() in column_names:
            return column_names.index(column.strip())
        raise InputError(f"There is no numeric column named {column!r}. {available}")
    if isinstance(column, (int, np.integer)) and not isinstance(column, bool):
        if 0 <= column < len(column_names):
            return int(column)
        raise InputError(
            f"Column index {column} is out of range: numeric columns are numbered 0 to "
            f"{len(column_names) - 1}. {available}"
        )
    raise InputError(f"A column must be a name or a 0-based index, got {column!r}. {available}")


def _resolve_columns(column_names: list[str], columns: Any) -> tuple[int, int]:
    """Indices of the two chosen columns; the first two numeric columns by default."""
    if columns is None:
        return 0, 1
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or len(columns) != 2:
        raise InputError(
            f"columns must be a pair of names or 0-based indices, such as ('x', 'y') or (0, 1); got {columns!r}."
        )
    first, second = (_column_index(column_names, column) for column in columns)
    if first == second:
        raise InputError(f"Both columns are {column_names[first]!r}; choose two different columns for x and y.")
    return first, second


def _chosen_points(parsed: _Parsed, chosen: tuple[int, int], min_points: int) -> np.ndarray:
    """The chosen columns as float64 (n_rows, 2); raise if a row is missing a value or too few."""
    names = [parsed.names[j] for j in chosen]
    label = f"The CSV's columns {names[0]!r}, {names[1]!r}"
    points = np.column_stack([parsed.columns[j] for j in chosen])
    bad = np.flatnonzero(~np.isfinite(points).all(axis=1))
    if len(bad):
        more = f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        rows = ", ".join(str(row) for row in bad[:_MAX_LISTED]) + more
        lines = ", ".join(map(str, _data_lines(parsed.data, parsed.layout, bad[:_MAX_LISTED].tolist())))
        raise InputError(
            f"{label} contains NaN or infinite values in {len(bad)} data row(s): {rows} (counted "
            f"from 0 below the header), on line(s) {lines} of the file. Fill in or delete "
            "those rows: an empty, NA or inf cell cannot be a point's coordinate."
        )
    if len(points) < min_points:
        raise InputError(f"{label} has {len(points)} point(s); at least {min_points} are needed.")
    return points


def _max_points(max_points: Any, min_points: int) -> int:
    """``max_points`` checked against the limits; None means ``limits.MAX_TRAINING_POINTS``."""
    if max_points is None:
        return limits.MAX_TRAINING_POINTS
    max_points = check_positive_int(max_points, "max_points")
    if max_points > limits.MAX_TRAINING_POINTS:
        raise InputError(
            f"At most {limits.MAX_TRAINING_POINTS:,} points can be kept for training, "
            f"not {max_points:,}. Choose a smaller number."
        )
    if max_points < min_points:
        raise InputError(
            f"Keeping {max_points:,} points is fewer than the {min_points:,} needed. Keep at least {min_points:,}."
        )
    return max_points


def _subsample(points: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    """At most ``max_points`` rows of ``points`` (n, 2): a seeded random subset, in file order."""
    if len(points) <= max_points:
        return points
    keep = np.random.default_rng(seed).choice(len(points), size=max_points, replace=False)
    return points[np.sort(keep)]


def _standardised(points: np.ndarray, column_names: tuple[str, str]) -> tuple[Standardizer, np.ndarray]:
    """The standardizer fitted to ``points`` (n, 2) and the points it maps them to (n, 2)."""
    standardizer = Standardizer.fit(points, column_names)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = standardizer.transform(points)
    if not np.isfinite(scaled).all():
        raise InputError(
            "The values span too wide a range to standardise, even in 64-bit floats. "
            "Rescale them to smaller units and try again."
        )
    return standardizer, check_spread(scaled, column_names)


def load_csv(
    source: CsvSource,
    columns: tuple[int | str, int | str] | None = None,
    standardize: bool = False,
    min_points: int = 2,
    max_points: int | None = None,
    seed: int = 0,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = None,
) -> PointData:
    """Read two columns of a CSV file as training points (formats: see the module's docstring).

    ``columns`` picks x and y by name or by 0-based index among the numeric columns (default:
    the first two). A row with a missing or infinite value in them is an error (other columns
    may have gaps). A file with more rows than ``max_points`` (default and upper bound
    ``limits.MAX_TRAINING_POINTS``) is subsampled: ``max_points`` rows drawn at random with
    ``seed``, kept in file order; ``PointData.n_rows`` says how many rows the file had. With
    ``standardize``, each column of the kept points is rescaled to mean 0 and std 1. Points
    that cannot make a density in 32-bit floats (all the same, a constant column, values too
    large) raise ``InputError``; so do the ``read_csv_table`` errors (``max_bytes``,
    ``max_rows`` as there).
    """
    min_points = check_positive_int(min_points, "min_points")
    max_points = _max_points(max_points, min_points)
    seed = check_positive_int(seed, "seed", minimum=0)
    parsed = _parse(source, max_rows, max_bytes)
    chosen = _resolve_columns(parsed.names, columns)
    column_names = (parsed.names[chosen[0]], parsed.names[chosen[1]])
    raw = _chosen_points(parsed, chosen, min_points)
    kept = _subsample(raw, max_points, seed)
    if standardize:
        standardizer, points = _standardised(kept, column_names)
    else:
        standardizer, points = Standardizer.identity(2), check_spread(kept, column_names)
    return PointData(
        points=points.astype(np.float32), column_names=column_names, standardizer=standardizer, n_rows=len(raw)
    )
