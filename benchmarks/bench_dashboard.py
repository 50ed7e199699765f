"""Bounded load test of the dashboard on loopback: 50 concurrent clients for 10 s.

Run as ``.venv/bin/python -m benchmarks.bench_dashboard`` (options: ``--clients``,
``--seconds``, ``--out``). The server is ``bubblescope serve`` in its own process on a free
loopback port; the clients are asyncio tasks sharing one ``httpx.AsyncClient``. Each
client loops over a mix of what the pages request. Any error (non-2xx status or a
transport failure) is counted and makes the run exit with status 1. The result, with p50,
p95 and p99 latencies per endpoint, is written to ``docs/benchmarks/dashboard.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

#: (label, path) pairs each client requests in turn; ``{entity}`` rotates over the web.
MIX: tuple[tuple[str, str], ...] = (
    ("GET /api/web", "/api/web"),
    ("GET /api/web?kind=loan", "/api/web?kind=loan&confidence=high"),
    ("GET /api/entities/{id}", "/api/entities/{entity}"),
    ("GET /api/sources?q=", "/api/sources?q=nvidia"),
    ("GET /api/stress/presets", "/api/stress/presets"),
    ("GET /web (page)", "/web"),
    ("GET /static/web.js", "/static/web.js"),
    ("GET /api/health", "/api/health"),
)


@dataclass
class Tally:
    """Latencies (seconds) per label and the errors seen."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, web_dir: Path | None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-c", "from bubblescope.cli import main; main()", "serve",
            "--port", str(port)]
    if web_dir is not None:
        args += ["--web", str(web_dir)]
    env = {k: v for k, v in os.environ.items() if k != "BUBBLESCOPE_TOKEN"}
    return subprocess.Popen(args, cwd=ROOT, env=env)


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> list[str]:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(base + "/api/entities?limit=500", timeout=30)
            if r.status_code == 200:
                return [e["id"] for e in r.json()]
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not come up")


async def client(http: httpx.AsyncClient, ids: list[str], stop: float, tally: Tally,
                 offset: int) -> None:
    i = offset
    while time.perf_counter() < stop:
        label, path = MIX[i % len(MIX)]
        url = path.replace("{entity}", ids[i % len(ids)])
        i += 1
        t0 = time.perf_counter()
        try:
            r = await http.get(url)
            ok = 200 <= r.status_code < 300
            if not ok:
                tally.errors.append(f"{label}: HTTP {r.status_code}")
        except httpx.HTTPError as exc:
            tally.errors.append(f"{label}: {exc!r}")
            continue
        tally.latencies[label].append(time.perf_counter() - t0)


async def load(base: str, ids: list[str], clients: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        for label, path in MIX:  # warm up every endpoint (and the graph cache) once
            (await http.get(path.replace("{entity}", ids[0]))).raise_for_status()
            del label
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(*(client(http, ids, stop, tally, k) for k in range(clients)))
        return tally, time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(tally: Tally, elapsed: float, clients: int, seconds: float, web: str,
           load: tuple[float, float, float], server_cpu: float) -> str:
    rows = []
    every = [v for vs in tally.latencies.values() for v in vs]
    for label, _ in MIX:
        vs = tally.latencies[label]
        rows.append(f"| {label} | {len(vs)} | {pct(vs, 0.5):.1f} | {pct(vs, 0.95):.1f} | "
                    f"{pct(vs, 0.99):.1f} | {max(vs) * 1000:.1f} |")
    total = len(every)
    lines = [
        "# Dashboard load test",
        "",
        f"Command: `.venv/bin/python -m benchmarks.bench_dashboard --clients {clients} "
        f"--seconds {seconds:g}`",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores shared with other work, "
        f"Python {platform.python_version()}, {platform.system()}; load average before the "
        f"run {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)",
        f"- server: `bubblescope serve` (uvicorn, one process) on 127.0.0.1; web: {web}",
        f"- load: {clients} concurrent clients (asyncio + httpx, keep-alive) for "
        f"{elapsed:.1f} s, each cycling through the mix below",
        "",
        f"**{total} requests, {total / elapsed:.0f} req/s, {len(tally.errors)} errors; "
        f"overall p50 {pct(every, 0.5):.1f} ms, p95 {pct(every, 0.95):.1f} ms, "
        f"p99 {pct(every, 0.99):.1f} ms.**",
        "",
        f"The server process used {server_cpu:.1f} s of CPU in the run: "
        f"{1000 * server_cpu / max(total, 1):.2f} ms per request, so on one free core it "
        f"would serve about {total / server_cpu if server_cpu > 0 else float('nan'):.0f} "
        "requests a second; the rest of each latency is waiting for a core (the load "
        "generator shares the same two).",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Latency is measured by the client (it includes the client's own event-loop wait, "
        "which on 2 shared cores is part of what a user would see). Graph responses are "
        "cached per filter after the first request; the warm-up requests each endpoint once "
        "before timing starts.",
    ]
    if tally.errors:
        lines += ["", "Errors (first 20):", "", *(f"- {e}" for e in tally.errors[:20])]
    return "\n".join(lines) + "\n"


def fallback_web(tmp: Path) -> Path | None:
    """``None`` when the bundled web loads; else a directory holding the small test web."""
    import bubblescope

    try:
        bubblescope.load_default()
        return None
    except bubblescope.BubblescopeError:
        sys.path.insert(0, str(ROOT / "tests"))
        from bubblescope.model import build_web
        from bubblescope.store.files import write_web_dir
        from conftest import small_web_tables  # the shared test web, as a stand-in

        web = build_web("small", dt.date(2025, 12, 31), small_web_tables())
        return write_web_dir(web, tmp / "web")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "dashboard.md")
    args = parser.parse_args([] if argv is None else argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        web_dir = fallback_web(Path(tmp))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(port, web_dir)
        try:
            ids = wait_ready(base, proc)
            cpu0 = cpu_seconds(proc.pid)
            tally, elapsed = asyncio.run(load(base, ids, args.clients, args.seconds))
            server_cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(10)
    web = "bundled default" if web_dir is None else "small test web (bundled web did not load)"
    text = report(tally, elapsed, args.clients, args.seconds, web, load_before, server_cpu)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 1 if tally.errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
