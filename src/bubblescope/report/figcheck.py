"""Read the plotly figures out of a report and find charts that cannot read right.

:func:`figures_in_html` pulls every ``Plotly.newPlot`` call's data and layout out of an
HTML page (the report embeds them as JSON); :func:`figure_problems` checks one figure
against rules a reader would notice at once:

- a trace with nothing to draw (empty or all non-finite);
- a category axis given numbers: a numeric ``range``, or shapes placed at numbers or
  number-like strings (plotly reads those as category positions, so the data sits in one
  corner and the shading in another);
- a money axis (title with ``USD``) whose extent, shapes and log-axis annotations
  included, passes :data:`MAX_USD` (an annotation's ``y`` on a log axis is an exponent);
- histogram bars drawn as hairlines: the data spans under :data:`MIN_HIST_SPAN` of the
  axis the shapes stretch it to, with automatic bins;
- two annotations on the same edge closer than :data:`MIN_LABEL_GAP` of the axis extent
  (their labels overlap).

>>> figure_problems({"data": [{"type": "bar", "x": [], "y": []}], "layout": {}})
['trace 0 (bar): nothing to draw']
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import numpy as np

__all__ = ["MAX_USD", "MIN_HIST_SPAN", "MIN_LABEL_GAP", "figure_problems", "figures_in_html",
           "report_problems"]

#: Largest believable value on a money axis (the figures are USD bn: 10⁶ bn = USD 10¹⁵).
MAX_USD: Final = 1e6
#: Smallest share of its axis a histogram's data may span (below, bars are hairlines).
MIN_HIST_SPAN: Final = 0.10
#: Smallest distance between two labels on the same edge, as a share of the axis extent.
MIN_LABEL_GAP: Final = 0.04

Figure = dict[str, Any]
_DATA_KEYS: Final = ("x", "y", "z", "values", "r", "lat")


def figures_in_html(text: str) -> list[Figure]:
    """Every figure of an HTML page, as ``{"title", "data", "layout"}`` dicts, in order."""
    dec = json.JSONDecoder()
    head = text.find("</head>")
    pos = max(head, 0)
    out: list[Figure] = []
    marker = "Plotly.newPlot("
    while (pos := text.find(marker, pos)) >= 0:
        start = text.index('"', pos)
        _, k = dec.raw_decode(text, start)
        data, k = dec.raw_decode(text, text.index("[", k))
        layout, k = dec.raw_decode(text, text.index("{", k))
        title = layout.get("title")
        out.append({"title": (title.get("text") if isinstance(title, dict) else title) or "",
                    "data": data, "layout": layout})
        pos = k
    return out


def report_problems(text: str) -> list[str]:
    """Every problem of every figure of the page ``text``, prefixed with the figure's title."""
    return [f"{f['title'] or f'figure {i}'}: {p}"
            for i, f in enumerate(figures_in_html(text)) for p in figure_problems(f)]


def figure_problems(fig: Mapping[str, Any]) -> list[str]:
    """What a reader would find wrong with one figure (empty when it reads right)."""
    data: list[dict[str, Any]] = list(fig.get("data") or [])
    layout: dict[str, Any] = dict(fig.get("layout") or {})
    out = [f"trace {i} ({t.get('type', 'scatter')}): nothing to draw"
           for i, t in enumerate(data) if _empty(t)]
    for name, axis in _axes(layout):
        out += _category_problems(name, axis, data, layout)
        out += _usd_problems(name, axis, data, layout)
    out += _histogram_problems(data, layout)
    out += _label_problems(data, layout)
    return out


def values(v: Any) -> np.ndarray:
    """A trace array as numbers (plotly's base64 ``bdata`` decoded; non-numbers → NaN)."""
    if isinstance(v, Mapping) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return arr.astype(np.float64).ravel()
    if v is None:
        return np.zeros(0)
    if isinstance(v, np.ndarray):
        v = v.tolist()
    seq = v if isinstance(v, Sequence) and not isinstance(v, str) else [v]
    flat = np.asarray(list(_flatten(seq)), dtype=object)
    return np.array([_num(x) for x in flat], dtype=np.float64)


def _flatten(seq: Sequence[Any]) -> Iterator[Any]:
    for x in seq:
        if isinstance(x, Sequence) and not isinstance(x, str):
            yield from _flatten(x)
        else:
            yield x


def _num(x: Any) -> float:
    if isinstance(x, bool) or x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _length(v: Any) -> int:
    if isinstance(v, np.ndarray):
        return int(v.size)
    if isinstance(v, Mapping) and "bdata" in v:
        return len(values(v))
    if isinstance(v, Sequence) and not isinstance(v, str):
        return len(v)
    return 0


def _empty(trace: Mapping[str, Any]) -> bool:
    """True when the trace has no data array, or one of them holds nothing drawable."""
    if trace.get("type", "scatter") == "sankey":
        link = trace.get("link") or {}
        return not _drawable(link.get("value"))
    present = [trace[k] for k in _DATA_KEYS if trace.get(k) is not None]
    return not present or not all(_drawable(v) for v in present)


def _drawable(v: Any) -> bool:
    """Whether an array has a finite number or a non-empty label in it."""
    if _length(v) == 0:
        return False
    if bool(np.isfinite(values(v)).any()):
        return True
    return any(isinstance(x, str) and x.strip() for x in _flatten(_raw(v)))


def _axes(layout: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every x/y axis of the layout (``xaxis`` and ``yaxis`` even when left implicit)."""
    names = {k for k in layout if k.startswith(("xaxis", "yaxis"))} | {"xaxis", "yaxis"}
    return [(n, dict(layout.get(n) or {})) for n in sorted(names)]


def _ref(axis_name: str) -> str:
    """``xaxis2`` → ``x2`` (the name traces and shapes use)."""
    return axis_name[0] + axis_name[5:]


def _on_axis(trace: Mapping[str, Any], axis_name: str) -> bool:
    letter = axis_name[0]
    return bool(trace.get(f"{letter}axis", letter) == _ref(axis_name))


def _category_problems(name: str, axis: Mapping[str, Any], data: list[dict[str, Any]],
                       layout: Mapping[str, Any]) -> list[str]:
    if axis.get("type") != "category":
        return []
    out = []
    rng = axis.get("range")
    cats = {str(x) for t in data if _on_axis(t, name) for x in _raw(t.get(name[0]))}
    cats |= {str(x) for x in axis.get("categoryarray") or []}
    if rng is not None and len(cats) and max(abs(_num(r)) for r in rng) > len(cats) + 1:
        out.append(f"{name}: category axis with numeric range {rng}")
    letter = name[0]
    for i, s in enumerate(layout.get("shapes") or []):
        if s.get(f"{letter}ref") != _ref(name):
            continue
        v = next((s.get(k) for k in (f"{letter}0", f"{letter}1")
                  if s.get(k) is not None and not math.isnan(_num(s.get(k)))), None)
        if v is not None:
            out.append(f"{name}: shape {i} placed at number-like {v!r} on a category "
                       "axis (read as a category position, not a label)")
            break
    return out


def _raw(v: Any) -> list[Any]:
    if isinstance(v, np.ndarray):
        return list(v.tolist())
    if isinstance(v, Mapping) and "bdata" in v:
        return list(values(v))
    if isinstance(v, Sequence) and not isinstance(v, str):
        return list(v)
    return []


def _title(axis: Mapping[str, Any]) -> str:
    t = axis.get("title")
    return str((t.get("text") if isinstance(t, Mapping) else t) or "")


def _usd_problems(name: str, axis: Mapping[str, Any], data: list[dict[str, Any]],
                  layout: Mapping[str, Any]) -> list[str]:
    if "USD" not in _title(axis):
        return []
    lo, hi = _extent(name, axis, data, layout)
    if max(abs(lo), abs(hi)) > MAX_USD:
        return [f"{name} ({_title(axis)}): reaches {max(abs(lo), abs(hi)):.3g}, beyond "
                f"{MAX_USD:g}"]
    return []


def _extent(name: str, axis: Mapping[str, Any], data: list[dict[str, Any]],
            layout: Mapping[str, Any]) -> tuple[float, float]:
    """The smallest and largest value the axis must show: data, shapes and annotations."""
    letter, ref, log = name[0], _ref(name), axis.get("type") == "log"
    pts: list[float] = []
    for t in data:
        if _on_axis(t, name):
            arr = values(t.get(letter))
            pts += list(arr[np.isfinite(arr)])
    for s in layout.get("shapes") or []:
        if s.get(f"{letter}ref") == ref:
            pts += [v for k in (f"{letter}0", f"{letter}1")
                    if not math.isnan(v := _num(s.get(k)))]
    for a in layout.get("annotations") or []:
        if a.get(f"{letter}ref") == ref and not math.isnan(v := _num(a.get(letter))):
            # On a log axis an annotation's coordinate is log10 of the value.
            pts.append(10.0 ** min(v, 300.0) if log else v)
    rng = axis.get("range")
    if rng is not None:
        pts += [10.0 ** min(_num(r), 300.0) if log else _num(r) for r in rng]
    pts = [p for p in pts if math.isfinite(p)]
    return (min(pts), max(pts)) if pts else (0.0, 0.0)


def _histogram_problems(data: list[dict[str, Any]], layout: Mapping[str, Any]) -> list[str]:
    out = []
    for i, t in enumerate(data):
        if t.get("type") != "histogram" or (t.get("xbins") or {}).get("size") is not None:
            continue
        x = values(t.get("x"))
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        axis = "xaxis" + str(t.get("xaxis", "x"))[1:]
        lo, hi = _extent(axis, dict(layout.get(axis) or {}), data, layout)
        if hi > lo and (x.max() - x.min()) < MIN_HIST_SPAN * (hi - lo):
            out.append(f"trace {i} (histogram): data spans {x.max() - x.min():.3g} of an axis "
                       f"of {hi - lo:.3g}; automatic bins draw hairlines")
    return out


def _label_problems(data: list[dict[str, Any]], layout: Mapping[str, Any]) -> list[str]:
    notes = [a for a in layout.get("annotations") or [] if a.get("text")]
    out = []
    for j, b in enumerate(notes):
        for a in notes[:j]:
            if (a.get("xref") != b.get("xref") or a.get("xref") in (None, "paper")
                    or _num(a.get("y")) != _num(b.get("y"))
                    or a.get("yanchor") != b.get("yanchor")
                    or a.get("xanchor") != b.get("xanchor")):
                continue
            xa, xb = _num(a.get("x")), _num(b.get("x"))
            axis = "xaxis" + str(a["xref"])[1:]
            lo, hi = _extent(axis, dict(layout.get(axis) or {}), data, layout)
            span = hi - lo
            if span > 0 and abs(xa - xb) < MIN_LABEL_GAP * span:
                out.append(f"labels {a['text']!r} and {b['text']!r} overlap")
    return out
