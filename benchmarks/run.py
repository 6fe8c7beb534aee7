"""Time the inspection against Django's own passes on a large generated project, at two sizes.

Every figure is a whole ``manage.py`` process, run several times in turn with the others,
with the code of the checkout this file lives in. Run from the checkout root::

    python benchmarks/run.py                      # default and double size, 5 runs each
    python benchmarks/run.py --scale 0.1 --runs 3 # a quick look, well under a minute

See benchmarks/README.rst for the options, the targets and the latest figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

CHECKOUT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT_ROOT))

from benchmarks.generate import (  # noqa: E402 - the checkout root must be importable first
    DEFAULT_SEED,
    STATIC_ROOT_VARIABLE,
    GeneratedProject,
    Size,
    add_size_arguments,
    generate,
    size_from_arguments,
)

GENERATED_DIR = CHECKOUT_ROOT / "benchmarks" / "generated"
DEFAULT_RUNS = 5
DEFAULT_TIMEOUT = 300.0
# Below this, the inspection part (explain_deploy minus start-up) is within the noise of two medians.
NOISE_FLOOR = 0.05
# Django's check command exits 1 when it reports an error-level message; the run still did all the work.
CHECK_EXIT_CODES = (0, 1)


@dataclasses.dataclass(frozen=True)
class Command:
    key: str
    label: str
    arguments: tuple[str, ...]
    with_app: bool = True
    expected_exit_codes: tuple[int, ...] = (0,)
    # A Python script run instead of manage.py; it prints "wall cpu" of the part it times itself.
    script: str | None = None


# The floor's second half: one raw read of every template, stylesheet and script of the project,
# timed inside the process (Python's own start-up is the first half's). Nothing can inspect them faster.
RAW_READ_SCRIPT = """
import os, time
wall, cpu = time.perf_counter(), time.process_time()
for folder, directories, names in os.walk("."):
    directories[:] = [name for name in directories if name != ".git"]
    for name in names:
        if name.endswith((".html", ".css", ".js")):
            with open(os.path.join(folder, name), "rb") as file:
                file.read()
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


COMMANDS: tuple[Command, ...] = (
    Command("startup_django", "version (start-up), without the app", ("version",), with_app=False),
    Command("raw_read", "one raw read of every template, stylesheet, script", (), script=RAW_READ_SCRIPT),
    Command("startup_app", "version (start-up), with the app", ("version",)),
    Command("check_django", "check, without the app", ("check",), with_app=False, expected_exit_codes=CHECK_EXIT_CODES),
    Command("check_app", "check, with the app", ("check",), expected_exit_codes=CHECK_EXIT_CODES),
    Command(
        "check_deploy_django",
        "check --deploy, without the app",
        ("check", "--deploy"),
        with_app=False,
        expected_exit_codes=CHECK_EXIT_CODES,
    ),
    Command("check_deploy_app", "check --deploy, with the app", ("check", "--deploy"), expected_exit_codes=CHECK_EXIT_CODES),
    Command("collectstatic", "collectstatic --dry-run --noinput", ("collectstatic", "--dry-run", "--noinput")),
    Command("explain_deploy", "explain_deploy --format json --offline", ("explain_deploy", "--format", "json", "--offline")),
    Command("explain_static", "explain_static --offline", ("explain_static", "--offline")),
)
COMMANDS_BY_KEY = {command.key: command for command in COMMANDS}


@dataclasses.dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    # Peak resident set size of the process, in KiB (ru_maxrss on Linux).
    max_rss_kib: int
    exit_code: int
    timed_out: bool
    stderr_tail: str


@dataclasses.dataclass
class Measurement:
    command: Command
    samples: list[Sample] = dataclasses.field(default_factory=list)

    def values(self, basis: str) -> list[float]:
        return [getattr(sample, basis) for sample in self.samples]

    def median(self, basis: str) -> float:
        return statistics.median(self.values(basis))

    @property
    def peak_rss_kib(self) -> int:
        return max(sample.max_rss_kib for sample in self.samples)

    @property
    def unexpected(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.timed_out or sample.exit_code not in self.command.expected_exit_codes]


@dataclasses.dataclass
class SizeResult:
    name: str
    project: GeneratedProject
    measurements: dict[str, Measurement]
    seconds_to_generate: float
    # With --baseline: the app's commands run with the baseline checkout's code.
    baseline: dict[str, Measurement] = dataclasses.field(default_factory=dict)


def environment(project: GeneratedProject, static_root: Path, with_app: bool, checkout: Path = CHECKOUT_ROOT) -> dict[str, str]:
    # Users' projects run from .pyc files: the warm-up writes them, whatever this shell prefers.
    env = {
        key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    }
    inherited = os.environ.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([str(checkout), *([inherited] if inherited else [])])
    env["DJANGO_SETTINGS_MODULE"] = project.settings_with_app if with_app else project.settings_without_app
    env[STATIC_ROOT_VARIABLE] = str(static_root)
    return env


def measure(arguments: Sequence[str], cwd: Path, env: dict[str, str], timeout: float, *, inner: bool = False) -> Sample:
    """Run one process to its end; its own wall time, CPU time and peak memory, from wait4().

    With ``inner``, the process prints the wall and CPU time of the part it timed itself, and
    those replace the whole process's.
    """
    with tempfile.TemporaryFile() as stderr, tempfile.TemporaryFile() as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(arguments, cwd=cwd, env=env, stdout=stdout, stderr=stderr, start_new_session=True)
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        tail = stderr.read()[-2000:].decode(errors="replace")
        stdout.seek(0)
        printed = stdout.read().decode(errors="replace").split()
    cpu = usage.ru_utime + usage.ru_stime
    if inner and len(printed) == 2:
        wall, cpu = float(printed[0]), float(printed[1])
    return Sample(
        wall=wall,
        cpu=cpu,
        max_rss_kib=usage.ru_maxrss,
        exit_code=process.returncode,
        timed_out=timed_out.is_set(),
        stderr_tail=tail,
    )


@contextmanager
def project_directory(name: str, keep: bool) -> Iterator[Path]:
    if keep:
        directory = GENERATED_DIR / name
        shutil.rmtree(directory, ignore_errors=True)
        directory.parent.mkdir(parents=True, exist_ok=True)
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix=f"deploy-concepts-benchmark-{name}-") as temporary:
        yield Path(temporary) / "project"


def run_size(
    name: str,
    size: Size,
    options: argparse.Namespace,
    commands: Sequence[Command],
    progress: Callable[[str], None],
) -> SizeResult:
    with project_directory(name, options.keep) as directory, tempfile.TemporaryDirectory(prefix="benchmark-static-root-") as static_root:
        started = time.perf_counter()
        project = generate(directory, size, seed=options.seed)
        seconds_to_generate = time.perf_counter() - started
        progress(f"{name}: generated {size.label} in {seconds_to_generate:.1f} s at {directory}")
        measurements = {command.key: Measurement(command) for command in commands}
        # The same commands with the baseline checkout's code, in the same turns (--baseline).
        compared = [command for command in commands if options.baseline and command.key in BASELINE_KEYS]
        baseline = {command.key: Measurement(command) for command in compared}
        # Commands take turns, so a burst of load from elsewhere spreads over all of them.
        for round_number in range(options.warmup + options.runs):
            warming_up = round_number < options.warmup
            progress(
                f"{name}: {'warm-up' if warming_up else 'run'} {round_number - options.warmup + 1 if not warming_up else round_number + 1}"
            )
            for command in commands:
                arguments = [options.python, "-c", command.script] if command.script else [options.python, "manage.py", *command.arguments]
                sample = measure(
                    arguments,
                    project.root,
                    environment(project, Path(static_root), command.with_app),
                    options.timeout,
                    inner=command.script is not None,
                )
                if not warming_up:
                    measurements[command.key].samples.append(sample)
                if command in compared:
                    sample = measure(
                        [options.python, "manage.py", *command.arguments],
                        project.root,
                        environment(project, Path(static_root), command.with_app, options.baseline),
                        options.timeout,
                    )
                    if not warming_up:
                        baseline[command.key].samples.append(sample)
        return SizeResult(name, project, measurements, seconds_to_generate, baseline)


# Report -------------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def mebibytes(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    widths = [max(len(str(row[index])) for row in (header, *rows)) for index in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [str(cell).rjust(widths[i]) if i in right else str(cell).ljust(widths[i]) for i, cell in enumerate(row)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), "  ".join("-" * width for width in widths), *(line(row) for row in rows)])


def measurement_table(result: SizeResult) -> str:
    rows = []
    for measurement in result.measurements.values():
        walls = measurement.values("wall")
        unexpected = measurement.unexpected
        exit_codes = sorted({sample.exit_code for sample in measurement.samples})
        status = ",".join(str(code) for code in exit_codes) + (" UNEXPECTED" if unexpected else "")
        rows.append(
            [
                measurement.command.label,
                seconds(statistics.median(walls)),
                f"{min(walls):.3f}..{max(walls):.3f}",
                seconds(measurement.median("cpu")),
                mebibytes(measurement.peak_rss_kib),
                status,
            ]
        )
    return table(["manage.py command", "wall median", "wall min..max", "cpu median", "peak RSS", "exit"], rows, right=(1, 2, 3, 4))


@dataclasses.dataclass(frozen=True)
class Target:
    label: str
    limit: float
    # The measured ratio on a basis ("wall" or "cpu"), None when a command it needs was not run.
    ratio: Callable[[str], float | None]
    note: str = ""


def ratio(results: dict[str, Measurement], numerator: str, denominator: str) -> Callable[[str], float | None]:
    def compute(basis: str) -> float | None:
        if numerator not in results or denominator not in results:
            return None
        return results[numerator].median(basis) / results[denominator].median(basis)

    return compute


def inspection_part(results: dict[str, Measurement], basis: str) -> float | None:
    """What explain_deploy costs beyond starting Django with the app: the inspection itself."""
    if "explain_deploy" not in results or "startup_app" not in results:
        return None
    return results["explain_deploy"].median(basis) - results["startup_app"].median(basis)


def growth_ratio(default: SizeResult, double: SizeResult | None) -> Callable[[str], float | None]:
    def compute(basis: str) -> float | None:
        if double is None:
            return None
        before = inspection_part(default.measurements, basis)
        after = inspection_part(double.measurements, basis)
        if before is None or after is None:
            return None
        return max(after, 0.0) / max(before, NOISE_FLOOR)

    return compute


def floor(results: dict[str, Measurement], basis: str) -> float | None:
    """Django's start-up plus one raw read of every template, stylesheet and script: what no inspection can beat."""
    if "startup_django" not in results or "raw_read" not in results:
        return None
    return results["startup_django"].median(basis) + results["raw_read"].median(basis)


def floor_ratio(results: dict[str, Measurement], key: str) -> Callable[[str], float | None]:
    def compute(basis: str) -> float | None:
        below = floor(results, basis)
        if key not in results or below is None:
            return None
        return results[key].median(basis) / below

    return compute


def memory_ratio(results: dict[str, Measurement]) -> Callable[[str], float | None]:
    """The larger peak of the app's two whole-project commands against Django's check --deploy."""

    def compute(basis: str) -> float | None:
        ours = [results[key].peak_rss_kib for key in ("explain_deploy", "check_deploy_app") if key in results]
        if not ours or "check_deploy_django" not in results:
            return None
        return max(ours) / results["check_deploy_django"].peak_rss_kib

    return compute


# The commands that run this app's code: with --baseline, each is also run with the baseline's.
BASELINE_KEYS = ("startup_app", "check_app", "check_deploy_app", "explain_deploy", "explain_static")


def with_baseline(result: SizeResult) -> SizeResult:
    """The result with the baseline's measurements in place of this checkout's, where there are some."""
    return dataclasses.replace(result, measurements=result.measurements | result.baseline, baseline={})


def baseline_table(default: SizeResult) -> str:
    """The targets' ratios with the baseline's code and with this checkout's, from the same turns."""
    before, after = targets(with_baseline(default), None), targets(default, None)
    rows = []
    for old, new in zip(before, after, strict=True):
        if new.ratio("wall") is None or old.ratio("wall") == new.ratio("wall"):
            continue
        cells = [format_ratio(target.ratio(basis)) for target in (old, new) for basis in ("wall", "cpu")]
        rows.append([new.label, *cells, f"{new.limit:.2f}x"])
    header = ["target", "baseline wall", "baseline cpu", "this wall", "this cpu", "limit"]
    return table(header, rows, right=(1, 2, 3, 4, 5))


def targets(default: SizeResult, double: SizeResult | None) -> list[Target]:
    results = default.measurements
    return [
        Target("explain_deploy --offline / floor", 2.0, floor_ratio(results, "explain_deploy"), note=FLOOR_NOTE),
        Target("check --deploy with the app / floor", 2.0, floor_ratio(results, "check_deploy_app")),
        Target("explain_static / collectstatic --dry-run", 0.35, ratio(results, "explain_static", "collectstatic")),
        Target("check with the app / without", 1.05, ratio(results, "check_app", "check_django")),
        Target(
            "inspection part at double size / default",
            2.0,
            growth_ratio(default, double),
            note=f"(explain_deploy - start-up with the app; a part under {NOISE_FLOOR * 1000:.0f} ms counts as {NOISE_FLOOR * 1000:.0f} ms)",
        ),
        Target("peak memory of the app's commands / check --deploy without", 2.0, memory_ratio(results)),
    ]


FLOOR_NOTE = "(floor: version without the app + one raw read of every template, stylesheet and script)"


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "PASS" if value <= limit else "MISS"


def format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def targets_table(rows: list[Target], basis: str) -> str:
    other = "cpu" if basis == "wall" else "wall"
    lines = []
    for target in rows:
        value = target.ratio(basis)
        lines.append(
            [target.label, format_ratio(value), format_ratio(target.ratio(other)), f"{target.limit:.2f}x", verdict(value, target.limit)]
        )
    notes = [f"  {target.label}: {target.note}" for target in rows if target.note]
    return table(["target", basis, other, "limit", "verdict"], lines, right=(1, 2, 3)) + "\n" + "\n".join(notes)


def growth_table(default: SizeResult, double: SizeResult, basis: str) -> str:
    rows = []
    for key, measurement in default.measurements.items():
        if key not in double.measurements:
            continue
        before, after = measurement.median(basis), double.measurements[key].median(basis)
        rows.append([measurement.command.label, seconds(before), seconds(after), f"{after / before:.2f}x"])
    before_part, after_part = inspection_part(default.measurements, basis), inspection_part(double.measurements, basis)
    if before_part is not None and after_part is not None:
        growth = f"{after_part / before_part:.2f}x" if before_part > 0 else "-"
        rows.append(["inspection part (explain_deploy - start-up)", seconds(before_part), seconds(after_part), growth])
    return table(["manage.py command", default.name, double.name, "growth"], rows, right=(1, 2, 3))


def describe_project(result: SizeResult) -> str:
    project = result.project
    return (
        f"{result.name}: {len(project.app_labels)} apps, {project.static_files:,} static files, {project.templates:,} templates, "
        f"{project.static_references:,} static references ({project.broken_references:,} to missing files); generated in "
        f"{result.seconds_to_generate:.1f} s"
    )


def problems(results: Sequence[SizeResult]) -> list[str]:
    found = []
    for result in results:
        for measurement in result.measurements.values():
            for sample in measurement.unexpected[:1]:
                reason = "timed out" if sample.timed_out else f"exited {sample.exit_code}"
                tail = sample.stderr_tail.strip().splitlines()[-5:] or ["(nothing on stderr)"]
                found.append(f"{result.name} / {measurement.command.label} {reason}:\n    " + "\n    ".join(tail))
    return found


# Environment --------------------------------------------------------------------------------------


def output_of(arguments: Sequence[str], cwd: Path = CHECKOUT_ROOT) -> str:
    try:
        completed = subprocess.run(arguments, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout.strip()


def machine(python: str) -> dict[str, Any]:
    commit = output_of(["git", "rev-parse", "--short", "HEAD"])
    dirty = bool(output_of(["git", "status", "--porcelain", "--untracked-files=no"]))
    versions = output_of([python, "-c", "import sys, django; print(sys.version.split()[0], django.get_version())"]).split()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "checkout": str(CHECKOUT_ROOT),
        "commit": commit + ("+changes" if dirty else ""),
        "python": versions[0] if versions else "?",
        "django": versions[1] if len(versions) > 1 else "?",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


# Profiling ----------------------------------------------------------------------------------------


def profile(size: Size, options: argparse.Namespace, key: str) -> None:
    """Run one command once under cProfile and print where its time went."""
    command = COMMANDS_BY_KEY[key]
    with (
        project_directory("profile", options.keep) as directory,
        tempfile.TemporaryDirectory(prefix="benchmark-static-root-") as static_root,
    ):
        project = generate(directory, size, seed=options.seed)
        env = environment(project, Path(static_root), command.with_app)
        # One run first, so the profile shows the work and not the writing of .pyc files.
        measure([options.python, "manage.py", *command.arguments], project.root, env, options.timeout)
        output = Path(static_root).parent / f"benchmark-{key}-{os.getpid()}.prof"
        arguments = [options.python, "-m", "cProfile", "-o", str(output), "manage.py", *command.arguments]
        sample = measure(arguments, project.root, env, options.timeout)
        print(f"{command.label} on {size.label}: {seconds(sample.wall)} under cProfile, exit {sample.exit_code}")
        if not output.exists():
            print(sample.stderr_tail)
            return
        stats = pstats.Stats(str(output))
        stats.sort_stats("cumulative").print_stats(options.profile_lines)
        print(f"Profile kept at {output} (open with `python -m pstats` or snakeviz).")


# Command line -------------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_size_arguments(parser)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"Timed runs of each command per size (default: {DEFAULT_RUNS}).")
    parser.add_argument("--warmup", type=int, default=1, help="Untimed runs first, to fill caches and write .pyc files (default: 1).")
    parser.add_argument("--no-double", dest="double", action="store_false", help="Measure the default size only, not double as well.")
    parser.add_argument(
        "--basis", choices=("wall", "cpu"), default="wall", help="Time the verdicts use (default: wall; cpu is steadier on a busy machine)."
    )
    parser.add_argument(
        "--commands",
        help="Comma-separated keys of the commands to run (default: all): " + ", ".join(COMMANDS_BY_KEY),
    )
    parser.add_argument("--python", default=sys.executable, help="Python that runs manage.py (default: this one).")
    parser.add_argument(
        "--baseline",
        type=lambda value: Path(value).resolve(),
        metavar="CHECKOUT",
        help="Another checkout (say, main's): the app's commands also run with its code, in the same turns, and the ratios are compared.",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"Seconds before a process is killed (default: {DEFAULT_TIMEOUT:g})."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Seed of the generated project (default: {DEFAULT_SEED}).")
    parser.add_argument("--keep", action="store_true", help="Write the projects into benchmarks/generated/ and keep them.")
    parser.add_argument("--json", type=Path, metavar="FILE", help="Also save every figure to this JSON file.")
    parser.add_argument(
        "--profile",
        choices=tuple(key for key, command in COMMANDS_BY_KEY.items() if command.script is None),
        metavar="KEY",
        help="Profile one manage.py command once with cProfile instead.",
    )
    parser.add_argument("--profile-lines", type=int, default=40, help="Lines of the profile to print (default: 40).")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return options


def selected_commands(options: argparse.Namespace) -> list[Command]:
    if not options.commands:
        return list(COMMANDS)
    keys = [key.strip() for key in options.commands.split(",") if key.strip()]
    unknown = [key for key in keys if key not in COMMANDS_BY_KEY]
    if unknown:
        raise SystemExit(f"unknown command key(s): {', '.join(unknown)}; choose from {', '.join(COMMANDS_BY_KEY)}")
    return [COMMANDS_BY_KEY[key] for key in keys]


def as_json(info: dict[str, Any], results: Sequence[SizeResult], rows: list[Target], basis: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "machine": info,
        "basis": basis,
        "sizes": [
            {
                "name": result.name,
                "size": dataclasses.asdict(result.project.size),
                "static_references": result.project.static_references,
                "broken_references": result.project.broken_references,
                "commands": {
                    key: {
                        "label": measurement.command.label,
                        "arguments": list(measurement.command.arguments),
                        "with_app": measurement.command.with_app,
                        "wall_median": measurement.median("wall"),
                        "cpu_median": measurement.median("cpu"),
                        "peak_rss_kib": measurement.peak_rss_kib,
                        "samples": [dataclasses.asdict(sample) | {"stderr_tail": None} for sample in measurement.samples],
                    }
                    for key, measurement in result.measurements.items()
                },
                "baseline": {
                    key: {"wall_median": measurement.median("wall"), "cpu_median": measurement.median("cpu")}
                    for key, measurement in result.baseline.items()
                },
            }
            for result in results
        ],
        "targets": [
            {
                "target": target.label,
                "limit": target.limit,
                "wall": target.ratio("wall"),
                "cpu": target.ratio("cpu"),
                "verdict": verdict(target.ratio(basis), target.limit),
            }
            for target in rows
        ],
    }


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    size = size_from_arguments(options)
    if options.profile:
        profile(size, options, options.profile)
        return 0
    commands = selected_commands(options)
    info = machine(options.python)

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    load_before = load_average()
    default = run_size("default", size, options, commands, progress)
    double = run_size("double", size.scaled(2.0), options, commands, progress) if options.double else None
    load_after = load_average()
    info["load_average_before"] = load_before
    info["load_average_after"] = load_after
    results = [default] if double is None else [default, double]
    rows = targets(default, double)

    print(
        f"django-deploy-concepts benchmark, {info['date']}: commit {info['commit']}, Python {info['python']}, Django {info['django']}, "
        f"{info['cpus']} CPUs, load average {' '.join(f'{value:.2f}' for value in load_before)} before, "
        f"{' '.join(f'{value:.2f}' for value in load_after)} after; {options.runs} timed run(s) of each command after {options.warmup} warm-up."
    )
    for result in results:
        print(f"\n{describe_project(result)}\n")
        print(measurement_table(result))
    print(f"\nTargets, measured at {default.project.size.label} (the issue sets them for 50 apps, 20,000 static files, 5,000 templates)")
    below = floor(default.measurements, options.basis)
    if below is not None:
        print(
            f"Floor ({options.basis} medians): {seconds(below)} = version without the app "
            f"{seconds(default.measurements['startup_django'].median(options.basis))} + one raw read of every template, "
            f"stylesheet and script {seconds(default.measurements['raw_read'].median(options.basis))}"
        )
    print(f"Verdicts on {options.basis} time; the other column for comparison.\n")
    print(targets_table(rows, options.basis))
    if default.baseline:
        print(
            f"\nAgainst the baseline {options.baseline} (commit {output_of(['git', 'rev-parse', '--short', 'HEAD'], options.baseline) or '?'}), same turns\n"
        )
        print(baseline_table(default))
    if double is not None:
        print(f"\nGrowth from the default size to double ({options.basis} medians)\n")
        print(growth_table(default, double, options.basis))
    found = problems(results)
    if found:
        print("\nUnexpected exits (the figures of these commands are not meaningful):\n" + "\n".join(found))
    if options.json:
        options.json.write_text(json.dumps(as_json(info, results, rows, options.basis), indent=2, sort_keys=True) + "\n")
        print(f"\nFigures saved to {options.json}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
