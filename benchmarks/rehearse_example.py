"""Time ``rehearse_deploy`` on the bundled example project: the whole process and each stage.

Target: the example project rehearses in at most 15 seconds on a 2-core machine. Run from the
checkout root::

    python benchmarks/rehearse_example.py            # 3 runs, medians
    python benchmarks/rehearse_example.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = CHECKOUT_ROOT / "example"
TARGET_SECONDS = 15.0
TIMEOUT_SECONDS = 300.0


def run_once() -> tuple[float, dict[str, float], int]:
    environ = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environ["PYTHONPATH"] = os.pathsep.join([str(CHECKOUT_ROOT), environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "rehearse_deploy", "--format", "json"],
        cwd=EXAMPLE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"rehearse_deploy failed ({result.returncode}): {result.stderr[-2000:]}")
    data = json.loads(result.stdout)
    return elapsed, {stage["name"]: stage["seconds"] for stage in data["stages"]}, len(data["failures"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    failures = 0
    for _ in range(runs):
        total, by_stage, failures = run_once()
        totals.append(total)
        for name, seconds in by_stage.items():
            stages.setdefault(name, []).append(seconds)
    print(f"rehearse_deploy on example/ ({runs} runs, medians; {failures} failures found, as the example intends)")
    for name, values in stages.items():
        print(f"  {name:<14} {statistics.median(values):6.2f} s")
    median = statistics.median(totals)
    verdict = "ok" if median <= TARGET_SECONDS else "OVER"
    print(f"  {'whole process':<14} {median:6.2f} s  (target {TARGET_SECONDS:g} s: {verdict})")
    print("Stages overlap: collectstatic runs in its own process during the inspection, and its time counts from its start.")


if __name__ == "__main__":
    main()
