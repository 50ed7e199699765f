"""YAML files read with where each value stands, so an error can name its line and column.

:func:`read_yaml_marked` parses a file once (PyYAML's safe loader: compose the node tree,
then construct the data) and keeps the start of every key and value down to
:data:`DEPTH` levels as :class:`Marks`. A checker that finds a bad value raises
:class:`~bubblescope.model.errors.ScenarioError` with an :class:`~bubblescope.model.errors.
Issue` and the value's key path (``at``); :meth:`Marks.locate` turns that into an error
naming the file, line and column, as the CSV readers' :class:`DataError` name file and line.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "s.yaml").write_text("name: x\\nquarters: [4, 400]\\n", encoding="utf-8")
>>> data, marks = read_yaml_marked(d / "s.yaml")
>>> marks.value("quarters", 1)
(2, 15)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.inputs import read_input_text, yaml_failure

__all__ = ["DEPTH", "Marks", "read_yaml", "read_yaml_marked"]

#: Levels of nesting whose keys and values are marked (a scenario's fields are level 1,
#: their list items and mapping entries level 2, an uncertain input's settings level 2).
DEPTH: Final[int] = 3

Key = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass(frozen=True)
class Marks:
    """Where the keys and values of one YAML file start: (line, column), both 1-based.

    ``values[path]`` is the start of the value at key path ``path`` (``()`` is the whole
    document; a list item's key is its index); ``keys[path]`` the start of its key.
    """

    file: str
    values: dict[Key, Position] = field(default_factory=dict)
    keys: dict[Key, Position] = field(default_factory=dict)

    def value(self, *path: str | int) -> Position | None:
        """Start of the value at ``path``, or of its nearest marked parent."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.values:
                return self.values[path[:n]]
        return None

    def locate(self, exc: ScenarioError, base: Key = ()) -> ScenarioError:
        """``exc`` with the file, line and column of its value prefixed to its message and
        filled into its issues; ``base`` is the key path of the part of the file ``exc``
        was raised for (``("uncertain",)`` for a scenario file's uncertain section).

        An unknown key is marked at the key itself; anything else at its value.
        """
        path = (*base, *exc.at)
        pos = self.keys.get(path) if exc.at and _unknown_key(exc) else None
        line, column = pos or self.value(*path) or (None, None)
        if line is None:
            return exc
        issues = [dataclasses.replace(i, file=self.file, line=line, column=column)
                  for i in exc.issues]
        where = f"{self.file} line {line}, column {column}"
        text = str(exc).removeprefix(f"{self.file}: ")
        out = ScenarioError(f"{where}: {text}", issues, exc.at)
        out.__cause__ = exc.__cause__
        return out


def _unknown_key(exc: ScenarioError) -> bool:
    return any("unknown" in i.rule for i in exc.issues)


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse the YAML file at ``path`` (see :func:`read_yaml_marked`).

    >>> read_yaml("no/such.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bubblescope.model.errors.ScenarioError: no/such.yaml: cannot read the file (must exist: ...
    """
    return read_yaml_marked(path)[0]


def read_yaml_marked(path: str | os.PathLike[str]) -> tuple[Any, Marks]:
    """Parse the YAML file at ``path`` and mark where its keys and values start.

    Raises
    ------
    ScenarioError
        The file cannot be read or is not valid YAML; the message names the file and,
        for a syntax error, the line and column.
    """
    try:
        text = read_input_text(path)
    except DataError as exc:
        [issue] = exc.issues
        raise ScenarioError(f"{path}: cannot read the file ({issue.rule}: {issue.value})"
                            ) from None
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # the reader checks the characters here
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        bad = yaml_failure(exc)
        where = f" at line {bad.line}, column {bad.column}" if bad.line else ""
        hint = f"; {bad.hint}" if bad.hint else ""
        raise ScenarioError(f"{path}: not valid YAML{where}: {bad.what}{hint}") from None
    finally:
        if loader is not None:
            loader.dispose()
    marks = Marks(str(path))
    if node is not None:
        _mark(node, (), marks)
    return data, marks


def _mark(node: yaml.Node, path: Key, marks: Marks) -> None:
    marks.values[path] = _position(node)
    if len(path) >= DEPTH:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k: str | int = str(key.value) if isinstance(key, yaml.ScalarNode) else repr(key)
            marks.keys[(*path, k)] = _position(key)
            _mark(value, (*path, k), marks)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _mark(item, (*path, i), marks)


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1
