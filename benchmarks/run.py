"""Benchmark: our `aapeace validate` against `frictionless validate`, on the same scaled
packages and on the shipped one, several runs each in a fresh process, the tools taking
turns within each round so that a change in the machine's load hits them alike; medians
of wall time and peak RSS. Each scaled package is also validated with its JSON exports
re-laid-out (indented, benchmarks/relayout.py), to show the export check has no cliff.
Also `load()` of the shipped package beyond `import pandas`. Writes
benchmarks/results.json and docs/benchmarks.md (with benchmarks/notes.md appended).

    python benchmarks/run.py                      # 10k, 100k, 1M rows, 3 runs each
    python benchmarks/run.py --sizes 10000 --runs 1
    python benchmarks/run.py --large-runs 1      # 1M rows once (it takes minutes)
    python benchmarks/run.py --from-results      # the page again from results.json and notes.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import shutil
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from relayout import relayout  # noqa: E402
from scale import scale  # noqa: E402

# A fresh interpreter per run that reports its child's wall time and peak RSS.
MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "code": code}))
"""
LOAD = """
import json, time
t0 = time.perf_counter(); import pandas; t1 = time.perf_counter()
import aapeace; aapeace.load(); t2 = time.perf_counter()
print(json.dumps({"pandas": t1 - t0, "load": t2 - t1}))
"""


LOAD_RUNS = 9


def bin_of(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


# An installed package has its bytecode compiled; with PYTHONDONTWRITEBYTECODE set (as it
# may be in a development shell) every fresh process would compile our modules again and
# the start-up measured would be no user's. Each tool also gets one unmeasured warm-up run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], cwd: Path, timeout: float) -> dict:
    try:
        out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True,
                             timeout=timeout, check=True, env=ENV).stdout
        return json.loads(out)
    except subprocess.TimeoutExpired:
        return {"wall": None, "rss_mb": None, "code": "timeout"}


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    versions = {}
    for package in ("pyarrow", "pandas", "jsonschema", "frictionless"):
        try:
            from importlib.metadata import version
            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is simply not listed
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(memory) / 2**20, 1),
            "python": platform.python_version(), "versions": versions}


# The indented exports at 1M rows pass the default 100M file limit (mentions.json: 125 MB);
# frictionless reads files of any size, so for a like-for-like run ours may too.
AAPEACE = [bin_of("aapeace"), "validate", "--quiet", "--max-file-size", "2G", "."]
FRICTIONLESS = [bin_of("frictionless"), "validate", "datapackage.json"]
LARGE = 1_000_000  # sizes from here on run --large-runs times


def summary(measured: list[dict]) -> dict:
    return {"wall": median_of(measured, "wall"), "rss_mb": median_of(measured, "rss_mb"),
            "codes": [m["code"] for m in measured], "all_walls": [m["wall"] for m in measured]}


def side_by_side(variants: dict[str, tuple[list[str], Path]], runs: int, timeout: float, label: str) -> dict:
    """Each variant ``runs`` times, taking turns within each round."""
    measured: dict[str, list[dict]] = {name: [] for name in variants}
    for command, cwd in variants.values():
        measure(command, cwd, timeout)  # warm-up: bytecode written, files in the page cache
    for _ in range(runs):
        for name, (command, cwd) in variants.items():
            measured[name].append(measure(command, cwd, timeout))
    out = {name: summary(runs_) for name, runs_ in measured.items()}
    for name, entry in out.items():
        print(f"{label:>10}  {name:18} {entry['wall']} s  {entry['rss_mb']} MB  exit {entry['codes']}",
              file=sys.stderr)
    return out


def load_of_machine() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(sizes: list[int], runs: int, large_runs: int, workdir: Path, timeout: float) -> dict:
    results = {"machine": machine(), "runs": runs, "large_runs": large_runs, "sizes": [],
               "load_average_before": load_of_machine()}
    shipped = side_by_side({"aapeace": (AAPEACE, ROOT), "frictionless": (FRICTIONLESS, ROOT)}, max(runs, 5),
                           timeout, "shipped")
    results["shipped"] = {**shipped, "runs": max(runs, 5)}
    for size in sizes:
        package, pretty = workdir / f"rows-{size}", workdir / f"rows-{size}-indented"
        counts = scale(package, size)
        if pretty.exists():
            shutil.rmtree(pretty)
        shutil.copytree(package, pretty)
        relayout(pretty, indent=2)
        entry = {"rows": sum(counts.values()), "per_table": counts,
                 "bytes": sum(p.stat().st_size for p in package.rglob("*") if p.is_file()),
                 "indented_bytes": sum(p.stat().st_size for p in pretty.rglob("*") if p.is_file()),
                 "runs": large_runs if size >= LARGE else runs}
        entry.update(side_by_side({"aapeace": (AAPEACE, package), "aapeace_indented": (AAPEACE, pretty),
                                   "frictionless": (FRICTIONLESS, package)}, entry["runs"], timeout, f"{size:,}"))
        if entry["aapeace"]["wall"] and entry["frictionless"]["wall"]:
            entry["ratio"] = entry["frictionless"]["wall"] / entry["aapeace"]["wall"]
        if entry["aapeace"]["wall"] and entry["aapeace_indented"]["wall"]:
            entry["cliff"] = entry["aapeace_indented"]["wall"] / entry["aapeace"]["wall"]
        results["sizes"].append(entry)
    loads = [json.loads(subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, env=ENV,
                                       check=True, cwd=tempfile.gettempdir()).stdout) for _ in range(LOAD_RUNS + 1)][1:]
    results["load"] = {"pandas": statistics.median(r["pandas"] for r in loads),
                       "load": statistics.median(r["load"] for r in loads),
                       "all_loads": [round(r["load"], 4) for r in loads]}
    results["load_average_after"] = load_of_machine()
    return results


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} MB"


def _times(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}×"


def _size(results: dict, rows: int) -> dict | None:
    """The measured entry nearest ``rows`` (the scaled packages overshoot a little)."""
    near = [e for e in results["sizes"] if 0.9 * rows <= e["rows"] <= 1.1 * rows]
    return near[0] if near else None


def _exited_clean(*entries: dict) -> bool:
    return all(code == 0 for entry in entries for code in entry["codes"])


def _verdict(ok: bool | None, text: str) -> str:
    return f"not measured{text}" if ok is None else (f"met: {text}" if ok else f"**missed**: {text}")


def targets(results: dict) -> list[str]:
    """Issue 13's targets, each met or missed by how much, from these measurements."""
    rows = ["| target | result |", "| --- | --- |"]
    for size, want in ((LARGE, 20), (100_000, 10)):
        e = _size(results, size)
        got = e.get("ratio") if e and _exited_clean(e["aapeace"], e["frictionless"]) else None
        rows.append(f"| ≥ {want}× faster than `frictionless validate` at {size:,} rows | "
                    + _verdict(None if got is None else got >= want,
                               "" if got is None else f"{got:.1f}× ({got / want:.0%} of the target)") + " |")
    for size in (100_000, LARGE):
        e = _size(results, size)
        got = e.get("cliff") if e and _exited_clean(e["aapeace"], e["aapeace_indented"]) else None
        rows.append(f"| no cliff: indented exports at most 1.5× the canonical time at {size:,} rows | "
                    + _verdict(None if got is None else got <= 1.5, "" if got is None else f"{got:.2f}×") + " |")
    sh = results["shipped"]
    got = sh["frictionless"]["wall"] / sh["aapeace"]["wall"] if sh["aapeace"]["wall"] and sh["frictionless"]["wall"] \
        else None
    rows.append("| the shipped package ≥ 3× faster than frictionless | "
                + _verdict(None if got is None else got >= 3, "" if got is None else f"{got:.1f}× "
                           f"({_s(sh['aapeace']['wall'])} against {_s(sh['frictionless']['wall'])})") + " |")
    e = _size(results, LARGE)
    if e:
        peak = max(v for v in (e["aapeace"]["rss_mb"], e["aapeace_indented"]["rss_mb"]) if v is not None)
        rows.append(f"| peak memory at 1M rows under 1 GB | {_verdict(peak < 1024, _mb(peak))} |")
    else:
        rows.append("| peak memory at 1M rows under 1 GB | not measured |")
    walls = [(e["rows"], e["aapeace"]["wall"]) for e in results["sizes"] if e["aapeace"]["wall"]]
    growth = [(b[1] / a[1]) / (b[0] / a[0]) for a, b in zip(walls, walls[1:])]
    rows.append("| linear cost: 10× the rows at most 12× the time | "
                + _verdict(all(g <= 1.2 for g in growth) if growth else None,
                           "; ".join(f"{a[0]:,}→{b[0]:,} rows: {b[1] / a[1]:.1f}× the time"
                                     for a, b in zip(walls, walls[1:]))) + " |")
    load = results["load"]["load"]
    rows.append(f"| `load()` of the shipped package under 0.1 s beyond `import pandas` | "
                f"{_verdict(load < 0.1, f'{load:.3f} s')} |")
    rows.append("| every error keeps its code, file, row and field | met by construction: a fast path only ever "
                "confirms; what it cannot confirm takes the precise path (`tests/test_json_values.py`, "
                "`tests/test_render.py`, `tests/test_equivalence.py`, `tests/test_buffers.py`) |")
    return rows


def render(results: dict) -> str:
    m = results["machine"]
    lines = ["# Benchmarks", "",
             "Generated by `python benchmarks/run.py` (which also writes `benchmarks/results.json`); "
             "rerun it to refresh this page. Each package is the shipped package replicated "
             "(`benchmarks/scale.py`: every key prefixed per copy, so all relations and spans stay valid); "
             "\"rows\" counts rows across all tables. \"Indented\" is the same package with its JSON exports "
             "re-laid-out with `indent=2` (`benchmarks/relayout.py`), as a fork's own tools might write them. "
             "Each tool runs in a fresh process, the tools taking turns within each round; "
             f"{results['runs']} rounds below 1M rows, {results['large_runs']} at 1M; the tables give medians "
             "of wall time and peak resident memory, after one unmeasured warm-up run of each (bytecode compiled, "
             "as in an installed package; files in the page cache). Every run must report the package valid "
             "(exit 0); a run that did not is not counted towards a target. `aapeace validate` runs with "
             "`--max-file-size 2G`, as frictionless reads files of any size.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}; "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ". "
             f"Load average (1, 5, 15 min) {results['load_average_before']} before the run and "
             f"{results['load_average_after']} after (a load above the number of cores means other work "
             "shared them: absolute times are then inflated; the ratios, measured side by side, much less "
             "so).", "",
             "| rows | size on disk | aapeace validate | peak RSS | indented exports | peak RSS | "
             "frictionless validate | peak RSS | ratio | indented / canonical |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    sh = results["shipped"]
    lines.append(f"| shipped | — | {_s(sh['aapeace']['wall'])} | {_mb(sh['aapeace']['rss_mb'])} | — | — | "
                 f"{_s(sh['frictionless']['wall'])} | {_mb(sh['frictionless']['rss_mb'])} | "
                 f"{_times(sh['frictionless']['wall'] / sh['aapeace']['wall'])} | — |")
    for e in results["sizes"]:
        a, p, f = e["aapeace"], e["aapeace_indented"], e["frictionless"]
        lines.append(f"| {e['rows']:,} | {e['bytes'] / 2**20:.0f} MB | {_s(a['wall'])} | {_mb(a['rss_mb'])} | "
                     f"{_s(p['wall'])} | {_mb(p['rss_mb'])} | {_s(f['wall'])} | {_mb(f['rss_mb'])} | "
                     f"{_times(e.get('ratio'))} | {_times(e.get('cliff'), 2)} |")
    load = results["load"]
    lines += ["", f"`load()` of the shipped package in a fresh process: {load['load']:.3f} s beyond "
                  f"`import pandas` ({load['pandas']:.3f} s), median of {len(load['all_loads'])} runs "
                  f"(all: {', '.join(f'{x:.3f}' for x in load['all_loads'])}).",
              "", "## Targets (issue 13) against these measurements", "", *targets(results)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-runs", type=int, default=3, help="runs at 1M rows and more")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aapeace-bench")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one run of one tool")
    parser.add_argument("--no-write", action="store_true", help="print the table; write no files")
    parser.add_argument("--from-results", action="store_true",
                        help="measure nothing: write the page again from benchmarks/results.json (after editing notes.md)")
    args = parser.parse_args()
    if args.from_results:
        results = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
    else:
        results = run(args.sizes, args.runs, args.large_runs, args.workdir, args.timeout)
    page = render(results)
    if args.no_write:
        print(page)
        return
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    notes = ROOT / "benchmarks" / "notes.md"
    extra = "\n" + notes.read_text(encoding="utf-8") if notes.is_file() else ""
    (ROOT / "docs" / "benchmarks.md").write_text(page + extra, encoding="utf-8")
    print(page)


if __name__ == "__main__":
    main()
