"""Progress for long work: a bar on a terminal, periodic plain lines on stderr otherwise.

When standard output is a terminal the user sees a transient rich bar. When it is not (a
pipe, a log file, CI) a bar would either vanish or garble the log, so :func:`progress`
prints one line on stderr at most every ``$BUBBLESCOPE_PROGRESS_SECONDS`` seconds
(default 5), e.g. ``critical values (2000 reps, T=4184): 600/2000 (30%), 12 s elapsed``,
and a closing line if it printed any. Work shorter than the interval prints nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.progress import Progress

from bubblescope.cli.common import err_console

__all__ = ["PROGRESS_ENV", "Tick", "progress"]

PROGRESS_ENV = "BUBBLESCOPE_PROGRESS_SECONDS"
Tick = Callable[[int, int], None]


def _interval() -> float:
    raw = os.environ.get(PROGRESS_ENV, "")
    try:
        return max(float(raw), 0.0) if raw else 5.0
    except ValueError:
        return 5.0


@contextmanager
def progress(label: str, total: int | None = None, *, quiet: bool = False,
             tty: bool | None = None, stream: TextIO | None = None) -> Iterator[Tick]:
    """Yield ``tick(done, total)`` reporting ``label``'s progress (see the module docstring).

    ``quiet`` turns the terminal bar off (e.g. ``--json``) but not the plain lines, which
    go to stderr and never mix with JSON on stdout. ``tty`` overrides the check of stdout.
    """
    on_tty = sys.stdout.isatty() if tty is None else tty
    if on_tty:
        with Progress(console=err_console, disable=quiet, transient=True) as bar:
            task = bar.add_task(label, total=total)

            def tick_bar(done: int, of: int) -> None:
                bar.update(task, completed=done, total=of)

            yield tick_bar
        return
    out = sys.stderr if stream is None else stream
    every = _interval()
    t0 = time.monotonic()
    state = {"last": t0, "printed": 0, "done": 0, "total": total or 0}

    def line(done: int, of: int, now: float) -> None:
        share = f" ({done / of:.0%})" if of else ""
        print(f"{label}: {done}/{of or '?'}{share}, {now - t0:.0f} s elapsed", file=out,
              flush=True)
        state["printed"] += 1
        state["last"] = now

    def tick_line(done: int, of: int) -> None:
        state["done"], state["total"] = done, of
        now = time.monotonic()
        if now - state["last"] >= every:
            line(done, of, now)

    yield tick_line
    if state["printed"]:
        print(f"{label}: done in {time.monotonic() - t0:.0f} s", file=out, flush=True)
