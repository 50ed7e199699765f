"""The guarded edge of every input: bounded file reads, ASCII numbers and length caps.

Every reader of a user-supplied file (web tables, ``web.yaml``, deal legs, mappings, price
series, scenarios, sizing tables) gets its bytes from :func:`read_input_bytes` or
:func:`read_input_text`, and nowhere else. So a table that is a FIFO, a symlink to
``/dev/zero``, a directory, an unreadable or a huge file is refused with a
:class:`~bubblescope.model.errors.DataError` naming the file, before anything is parsed:

* only regular files are read (FIFOs, devices, sockets and directories are refused, and a
  FIFO is opened non-blocking so it cannot hang the process);
* at most :func:`max_input_bytes` bytes: 64 MB unless ``$BUBBLESCOPE_MAX_INPUT_MB`` says
  otherwise (the file is never read past the cap, even if it grows while being read);
* text must be UTF-8 (a BOM is tolerated) and hold no NUL byte;
* every other OS error (permission denied, a dangling symlink, ...) is a ``DataError``.

Tables are read by :func:`read_csv` (a file) or :func:`parse_csv` (text already read, e.g.
an upload), the one CSV reader: each row is a :class:`CsvRow` that knows the file line it
starts on, and every message about a row names that line (the header is line 1, the first
data row line 2; :func:`numbered` gives rows that did not come from a file the line they
would have).

Values are held to the same standard: :func:`parse_decimal` accepts ASCII decimal numbers
only (no ``١٢٣``, no ``1_000``, no ``nan``), amounts in USD billions are capped at
:data:`MAX_AMOUNT_USD_BN` and names and version labels at :data:`MAX_NAME_CHARS` /
:data:`MAX_VERSION_CHARS` characters (see :func:`check_label`).
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import yaml

from bubblescope.model.errors import DataError, Issue

__all__ = [
    "DEFAULT_MAX_INPUT_MB",
    "FIRST_DATA_LINE",
    "MAX_AMOUNT_USD_BN",
    "MAX_CELL_CHARS",
    "MAX_INPUT_ENV",
    "MAX_NAME_CHARS",
    "MAX_VERSION_CHARS",
    "CsvRow",
    "YamlFailure",
    "check_label",
    "decode_text",
    "is_decimal",
    "load_yaml",
    "max_input_bytes",
    "numbered",
    "parse_csv",
    "parse_decimal",
    "read_csv",
    "read_input_bytes",
    "read_input_text",
    "to_number",
    "yaml_failure",
    "yaml_item_lines",
]

#: Environment variable: the largest input file read, in megabytes (10**6 bytes).
MAX_INPUT_ENV: Final = "BUBBLESCOPE_MAX_INPUT_MB"
#: Largest input file read when ``$BUBBLESCOPE_MAX_INPUT_MB`` is unset.
DEFAULT_MAX_INPUT_MB: Final = 64
#: Plausibility ceiling on any amount in USD billions (100,000 bn = USD 100 trillion, about
#: one year of world GDP): no single contract, figure or leg of the AI financing web comes
#: near it, so a larger value is a unit mistake or an attack on the arithmetic.
MAX_AMOUNT_USD_BN: Final = 100_000.0
#: Longest web name (characters).
MAX_NAME_CHARS: Final = 200
#: Longest version label (characters).
MAX_VERSION_CHARS: Final = 64
#: Longest field of a table (characters): notes and quotes fit, a megabyte does not.
MAX_CELL_CHARS: Final = 20_000

_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_KINDS: Final = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                 (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                 (stat.S_ISSOCK, "a socket"))
_CHUNK: Final = 1 << 20
#: File line of a table's first data row: the header is line 1.
FIRST_DATA_LINE: Final = 2
_R = TypeVar("_R", bound=Mapping[str, Any])


def max_input_bytes() -> int:
    """The input-size cap in bytes: ``$BUBBLESCOPE_MAX_INPUT_MB`` megabytes, or 64 MB.

    Raises
    ------
    DataError
        The variable is set but is not a positive whole number.

    >>> max_input_bytes() == DEFAULT_MAX_INPUT_MB * 10**6 or MAX_INPUT_ENV in os.environ
    True
    """
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * 10**6
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise DataError.single(f"${MAX_INPUT_ENV}", None, MAX_INPUT_ENV,
                               "must be a positive whole number of megabytes", raw)
    return int(raw) * 10**6


def read_input_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` (default :func:`max_input_bytes`).

    Raises
    ------
    DataError
        Naming the file: it is missing, not a regular file, not readable or larger than the
        cap.
    """
    name = os.fspath(path)
    cap = max_input_bytes() if limit is None else limit
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _os_error(name, exc) from None
    try:
        info = os.fstat(fd)
        for test, what in _KINDS:
            if test(info.st_mode):
                raise DataError.single(name, None, "file", "must be a regular file", what)
        if not stat.S_ISREG(info.st_mode):
            raise DataError.single(name, None, "file", "must be a regular file", "not one")
        if info.st_size > cap:
            raise _too_big(name, info.st_size, cap)
        chunks: list[bytes] = []
        seen = 0
        while seen <= cap:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - seen))
            if not chunk:
                break
            chunks.append(chunk)
            seen += len(chunk)
        if seen > cap:
            raise _too_big(name, seen, cap)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_error(name, exc) from None
    finally:
        os.close(fd)


def read_input_text(path: str | os.PathLike[str], limit: int | None = None) -> str:
    """The text of the UTF-8 file ``path`` (BOM dropped), read by :func:`read_input_bytes`.

    Raises
    ------
    DataError
        As :func:`read_input_bytes`, or the file is not UTF-8 or holds a NUL byte (the
        issue names the line).
    """
    return decode_text(read_input_bytes(path, limit), os.fspath(path))


def decode_text(data: bytes, file: str) -> str:
    """``data`` as UTF-8 text (BOM dropped); a :class:`DataError` naming ``file`` and the
    line when it is not UTF-8 or holds a NUL byte.

    >>> decode_text(b"\\xef\\xbb\\xbfa,b\\n", "t.csv")
    'a,b\\n'
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError.single(file, line, "file", "must be UTF-8 text",
                               f"byte {exc.start}: {data[exc.start:exc.start + 4]!r}") from None
    nul = text.find("\x00")
    if nul >= 0:
        raise DataError.single(file, text.count("\n", 0, nul) + 1, "file",
                               "must not contain NUL bytes", "\\x00")
    return text


class CsvRow(dict[str, str]):
    """One data row of a CSV file: column → text, and ``line``, the file line it starts on.

    A field that spans lines (a quoted newline) makes the next row start further down, so
    ``line`` is counted by the reader, never derived from the row's index.

    >>> row = CsvRow({"id": "a"}, 7)
    >>> row["id"], row.line
    ('a', 7)
    """

    __slots__ = ("line",)

    def __init__(self, cells: Mapping[str, str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def read_csv(path: str | os.PathLike[str], *, delimiter: str = ",") -> list[CsvRow]:
    """The data rows of the CSV file ``path``, read by :func:`read_input_text`.

    Raises
    ------
    DataError
        As :func:`read_input_text` and :func:`parse_csv`.
    """
    return parse_csv(read_input_text(path), os.fspath(path), delimiter=delimiter)


def parse_csv(text: str, file: str, *, max_rows: int | None = None,
              delimiter: str = ",") -> list[CsvRow]:
    """The data rows of CSV ``text`` (from ``file``), each a :class:`CsvRow` with its line.

    The first line is the header. Blank lines are skipped; a row with fewer cells than the
    header gets ``""`` for the missing ones; a row with more is an error. CRLF and quoted
    newlines are read as CSV reads them.

    Raises
    ------
    DataError
        The header is empty, a row has more cells than the header (every such line is
        named), the text is not CSV, or there are more than ``max_rows`` data rows.

    >>> rows = parse_csv('id,note\\na,"two\\nlines"\\n\\nb,x\\n', "t.csv")
    >>> [(r.line, r["id"]) for r in rows]
    [(2, 'a'), (5, 'b')]
    >>> parse_csv("id\\na,b\\n", "t.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.DataError: 1 problem in input data:
      - t.csv line 2: '(extra fields)' must not exist: the row has more fields than the header...
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[CsvRow] = []
    extra: list[Issue] = []
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise DataError.single(file, None, "header",
                                   "must name the columns on line 1 (the file is empty)", "")
        last = reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not cells:
                continue
            if len(cells) > len(header):
                extra.append(Issue(file, start, "(extra fields)", "must not exist: the row has "
                                   "more fields than the header", ",".join(cells[len(header):])))
            rows.append(CsvRow(dict(zip(header, [*cells, *[""] * len(header)], strict=False)),
                               start))
            if max_rows is not None and len(rows) > max_rows:
                raise DataError.single(file, None, "file",
                                       f"must have at most {max_rows} data rows",
                                       f"more than {max_rows}")
    except csv.Error as exc:
        raise DataError.single(file, reader.line_num, "file", "must be valid CSV",
                               exc) from None
    if extra:
        raise DataError(extra)
    return rows


def numbered(rows: Iterable[_R]) -> Iterator[tuple[int, _R]]:
    """Each row with its file line: a :class:`CsvRow`'s own, else its place after a header
    (rows from the store or a workbook count as they would in a CSV file).

    >>> [line for line, _ in numbered([{"a": "1"}, CsvRow({"a": "2"}, 9)])]
    [2, 9]
    """
    for i, row in enumerate(rows):
        yield (row.line if isinstance(row, CsvRow) else i + FIRST_DATA_LINE), row


def is_decimal(text: str) -> bool:
    """Whether ``text`` is an ASCII decimal number (sign, digits, point, exponent).

    >>> [is_decimal(t) for t in ("12", "-1.5e3", ".5", "1_000", "١٢٣", "nan", "inf", "0x1")]
    [True, True, True, False, False, False, False, False]
    """
    return _DECIMAL.fullmatch(text) is not None


def parse_decimal(text: str) -> float:
    """``float(text)`` for an ASCII decimal number; ``ValueError`` for anything else.

    Python's ``float`` also reads ``'1_000'``, ``'١٢٣'`` (Arabic-Indic digits), ``'nan'``
    and ``'infinity'``; none of them is a number in a data file.

    >>> parse_decimal(" 2.5 ")
    2.5
    >>> parse_decimal("1_000")
    Traceback (most recent call last):
    ...
    ValueError: not an ASCII decimal number: '1_000'
    """
    stripped = text.strip()
    if not is_decimal(stripped):
        raise ValueError(f"not an ASCII decimal number: {text!r}")
    return float(stripped)


def check_label(file: str, field: str, value: str, max_chars: int) -> None:
    """Refuse a name or version label that is empty, too long or holds control characters.

    Raises
    ------
    DataError
        Naming ``file`` and ``field`` (the value shown is cut to 60 characters).

    >>> check_label("web.yaml", "name", "default", MAX_NAME_CHARS)
    >>> check_label("web.yaml", "name", "x" * 300, MAX_NAME_CHARS)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.DataError: 1 problem in input data:
      - web.yaml: 'name' must be at most 200 characters (got 300), got 'xxx...
    """
    shown = value if len(value) <= 60 else value[:57] + "..."
    if not value.strip():
        raise DataError.single(file, None, field, "must not be empty", shown)
    if len(value) > max_chars:
        raise DataError.single(file, None, field,
                               f"must be at most {max_chars} characters (got {len(value)})",
                               shown)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise DataError.single(file, None, field, "must not contain control characters "
                               "(NUL, newline, tab, ...)", shown)


def _too_big(name: str, size: int, cap: int) -> DataError:
    return DataError.single(name, None, "file", f"must be at most {cap:,} bytes (raise the cap "
                            f"with ${MAX_INPUT_ENV}, in MB)", f"{size:,} bytes or more")


def _os_error(name: str, exc: OSError) -> DataError:
    rule = {errno.ENOENT: "must exist", errno.EACCES: "must be readable",
            errno.EPERM: "must be readable", errno.ENOTDIR: "must exist",
            errno.ELOOP: "must not be a symlink loop"}.get(exc.errno or 0, "must be readable")
    return DataError.single(name, None, "file", rule, exc.strerror or type(exc).__name__)


def load_yaml(text: str, file: str) -> Any:
    """``yaml.safe_load(text)``, every failure a :class:`DataError` naming ``file``.

    Besides syntax errors (reported with line and column), PyYAML raises ``ValueError``
    for a date-like scalar that is no date (``2025-13-45``) and ``RecursionError`` for
    absurdly deep nesting; both become a ``DataError`` too (:func:`yaml_failure`).

    >>> load_yaml("as_of: 2025-12-31", "web.yaml")
    {'as_of': datetime.date(2025, 12, 31)}
    >>> load_yaml("as_of: 2025-13-45", "web.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.DataError: 1 problem in input data:
      - web.yaml: 'file' must be valid YAML (a date must be a real date YYYY-MM-DD), got ...
    """
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        bad = yaml_failure(exc)
        where = f" (line {bad.line}, column {bad.column})" if bad.line else ""
        hint = f" ({bad.hint})" if bad.hint else ""
        raise DataError.single(file, None, "file", f"must be valid YAML{where}{hint}",
                               bad.what) from None


@dataclass(frozen=True)
class YamlFailure:
    """Why PyYAML refused a document, in the terms every reader reports it in.

    ``line`` and ``column`` (1-based) are where a syntax error stands (``None`` when PyYAML
    gives no mark), ``what`` is PyYAML's words, ``hint`` what the rule asks for where
    PyYAML's words do not say it (an impossible date, absurd nesting), else ``""``.
    """

    line: int | None
    column: int | None
    what: str
    hint: str


def yaml_failure(exc: BaseException) -> YamlFailure:
    """Describe an exception PyYAML's safe loader raised (:func:`load_yaml`, and the marked
    reader of :mod:`bubblescope.model.yamldoc`).

    >>> try:
    ...     yaml.safe_load("a: [1,\\n")
    ... except yaml.YAMLError as exc:
    ...     bad = yaml_failure(exc)
    >>> bad.line, bad.column
    (2, 1)
    """
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if mark is None:
            return YamlFailure(None, None, what, "")
        return YamlFailure(mark.line + 1, mark.column + 1, what, "")
    if isinstance(exc, RecursionError):
        return YamlFailure(None, None, "too deep", "not nested this deeply")
    if isinstance(exc, yaml.YAMLError):
        return YamlFailure(None, None, str(exc), "")
    return YamlFailure(None, None, f"{type(exc).__name__}: {exc}",
                       "a date must be a real date YYYY-MM-DD")


def yaml_item_lines(text: str) -> list[int]:
    """The line each item of a YAML document's top-level list starts on (``[]`` if the
    document is not a list); call after :func:`load_yaml` has accepted ``text``.

    >>> yaml_item_lines("# cited rows\\n- a: 1\\n  b: 2\\n- a: 3\\n")
    [2, 4]
    """
    node = yaml.compose(text)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def to_number(raw: object) -> float:
    """A number from a parsed value: an ``int``/``float`` as is, text by :func:`parse_decimal`.

    ``ValueError`` for anything else (a boolean, ``None``, ``'1_000'``, ``'١٢٣'``).

    >>> to_number(3), to_number("4.5"), to_number(float("nan")) != 0
    (3.0, 4.5, True)
    """
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, int | float):
        return float(raw)
    if hasattr(raw, "__float__") and not isinstance(raw, str | bytes):
        return float(raw)  # numpy scalars
    return parse_decimal(str(raw))
