"""What one start command runs: its server, application path, listening address and workers.

Pure text analysis, shared by every file format: shell words in, a ``CommandAnalysis`` out.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import NoReturn

# The executables (or ``python -m`` modules) of production servers, and the name of the server.
SERVER_EXECUTABLES: Mapping[str, str] = {
    "gunicorn": "gunicorn",
    "uwsgi": "uwsgi",
    "pyuwsgi": "uwsgi",
    "waitress-serve": "waitress",
    "waitress": "waitress",
    "uvicorn": "uvicorn",
    "daphne": "daphne",
    "hypercorn": "hypercorn",
    "granian": "granian",
    "mod_wsgi-express": "mod_wsgi",
    "mod_wsgi": "mod_wsgi",
}
# Programs that run the next words as a command: they change nothing about what is served.
WRAPPERS = frozenset(
    {"exec", "time", "nice", "nohup", "command", "dumb-init", "ddtrace-run", "opentelemetry-instrument", "scout-apm", "chpst"}
)
RUNNERS = frozenset({"poetry", "pipenv", "uv", "pdm", "hatch", "rye", "doppler", "newrelic-admin"})
RUNNER_VERBS = frozenset({"run", "run-program", "exec"})
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
VARIABLE = re.compile(r"\$(\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash"})
OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;"})
# Shell words that open the command after them (``then python manage.py runserver``).
SHELL_KEYWORDS = frozenset({"then", "else", "do", "{", "!", "if", "elif", "while", "until"})


# Options of each server that take a value (the rest are flags); gunicorn's come from its own parser.
def option_names(text: str) -> frozenset[str]:
    return frozenset(text.split())


SERVER_OPTIONS: Mapping[str, frozenset[str]] = {
    "uvicorn": option_names(
        "--host --port --uds --fd --workers --loop --http --ws --ws-max-size --ws-max-queue --ws-ping-interval "
        "--ws-ping-timeout --ws-per-message-deflate --lifespan --interface --env-file --log-config --log-level "
        "--root-path --limit-concurrency --limit-max-requests --backlog --timeout-keep-alive --timeout-graceful-shutdown "
        "--app-dir --forwarded-allow-ips --ssl-keyfile --ssl-certfile --ssl-keyfile-password --ssl-version "
        "--ssl-cert-reqs --ssl-ca-certs --ssl-ciphers --header --h11-max-incomplete-event-size --reload-dir "
        "--reload-include --reload-exclude --reload-delay"
    ),
    "daphne": option_names(
        "-p --port -b --bind -u --unix-socket --fd -e --endpoint -v --verbosity -t --http-timeout --access-log "
        "--log-fmt --ping-interval --ping-timeout --application-close-timeout --root-path --websocket_timeout "
        "--websocket_connect_timeout --proxy-headers-host --proxy-headers-port -s --server-name"
    ),
    "hypercorn": option_names(
        "-b --bind -w --workers -k --worker-class -c --config --access-logfile --error-logfile --log-config "
        "--log-level --root-path --keep-alive --graceful-timeout --backlog --certfile --keyfile --ca-certs "
        "--ciphers -u --user -g --group -m --umask --pid --insecure-bind --quic-bind --server-name "
        "--max-requests --max-requests-jitter --read-timeout --statsd-host --statsd-prefix --websocket-ping-interval "
        "--access-log-format -p"
    ),
    "granian": option_names(
        "--host --port --interface --workers --threads --runtime-threads --blocking-threads --loop --http "
        "--backlog --log-level --log-config --ssl-keyfile --ssl-certificate --url-path-prefix --respawn-interval "
        "--workers-lifetime --reload-paths --reload-ignore-dirs --pid-file --process-name --working-dir "
        "--runtime-mode --task-impl --backpressure"
    ),
    "waitress": option_names(
        "--host --port --listen --threads --url-scheme --url-prefix --ident --backlog --recv-bytes --send-bytes "
        "--outbuf-overflow --inbuf-overflow --connection-limit --cleanup-interval --channel-timeout "
        "--asyncore-loop-timeout --call --trusted-proxy --trusted-proxy-count --trusted-proxy-headers"
    ),
    "uwsgi": option_names(
        "--http --http-socket --https --socket -s --uwsgi-socket --module -w --wsgi --wsgi-file --file --callable "
        "--processes -p --workers --threads --ini --yaml --json --chdir --home -H --virtualenv --pythonpath "
        "--env --static-map --max-requests --buffer-size -b --harakiri --uid --gid --pidfile --logto --listen -l "
        "--chmod-socket --mount --manage-script-name --touch-reload --py-autoreload --stats --cheaper "
        "--offload-threads --http-timeout --socket-timeout"
    ),
    "mod_wsgi": option_names(
        "--port --host --processes --threads --application-type --entry-point --server-root --user --group "
        "--url-alias --working-directory --log-directory --callable-object --server-name --https-port"
    ),
    "runserver": option_names("--settings --pythonpath -v --verbosity"),
}
# The address each server listens on when nothing is written (gunicorn also reads $PORT).
DEFAULT_BINDS: Mapping[str, str] = {
    "gunicorn": "127.0.0.1:8000",
    "uvicorn": "127.0.0.1:8000",
    "daphne": "127.0.0.1:8000",
    "hypercorn": "127.0.0.1:8000",
    "granian": "127.0.0.1:8000",
    "waitress": "0.0.0.0:8080",
    "mod_wsgi": "0.0.0.0:8000",
    "runserver": "127.0.0.1:8000",
}
# The attribute a server serves when the path names only a module.
DEFAULT_ATTRIBUTES: Mapping[str, str] = {"gunicorn": "application", "uwsgi": "application", "hypercorn": "app"}


class OptionsParser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing and exiting: a command line is data here."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise argparse.ArgumentError(None, message or f"exit {status}")


@functools.cache
def gunicorn_parser() -> argparse.ArgumentParser:
    """gunicorn's own command-line options (``gunicorn.config.Config().parser()``), read as written:
    values are kept as text (``--workers $WEB_CONCURRENCY`` is not an int yet), and --version and
    --help are flags that print nothing."""
    from gunicorn.config import Config  # type: ignore[import-untyped]

    config = Config()
    parser = OptionsParser(parents=[config.parser()], add_help=False, conflict_handler="resolve")
    parser.add_argument("-v", "--version", "-h", "--help", action="store_true", dest="prints_and_exits")
    for setting in config.settings.values():
        if setting.type is not None:
            parser.register("type", setting.type, str)
    return parser


def gunicorn_options(arguments: Sequence[str]) -> tuple[argparse.Namespace, list[str]] | None:
    """(options, positional words) of the words after ``gunicorn``, or None when gunicorn would refuse them."""
    try:
        # parse_args, as gunicorn does: an unknown option stops gunicorn before it serves anything.
        options = gunicorn_parser().parse_args(list(arguments))
    except argparse.ArgumentError:
        return None
    return options, list(options.args)


@dataclasses.dataclass(frozen=True)
class CommandAnalysis:
    server: str | None = None
    application_path: str | None = None
    binds: tuple[str, ...] = ()
    workers: int | None = None
    workers_from: str | None = None
    threads: int | None = None
    worker_class: str | None = None
    config_file: str | None = None
    chdir: str | None = None
    # The words after the server's program name, as written (variables not expanded).
    arguments: tuple[str, ...] = ()
    runs_migrate: bool = False
    # Directory changes before the server starts (``cd src && gunicorn ...``).
    cd: tuple[str, ...] = ()
    # Scripts the command runs (``./start.sh``), to be read in their turn.
    scripts: tuple[str, ...] = ()
    # (Makefile, target) pairs of ``make run``, ``make -f ops.mk serve``; "" is the default target.
    make_targets: tuple[tuple[str, str], ...] = ()
    # Shell syntax in a command no shell runs: operators and $VARIABLES passed on literally.
    unexpanded: tuple[str, ...] = ()


def shell_words(command: str) -> list[str]:
    """The words of a shell command line, operators as separate words; never raises."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return command.split()


def segments(words: Sequence[str]) -> list[list[str]]:
    """Simple commands separated by shell operators."""
    result: list[list[str]] = [[]]
    for word in words:
        if word in OPERATORS:
            result.append([])
        else:
            result[-1].append(word)
    return [segment for segment in result if segment]


def skip_options(words: list[str]) -> list[str]:
    """``words`` past leading options and a ``--`` separator."""
    while words and words[0].startswith("-"):
        if words[0] == "--":
            return words[1:]
        words = words[1:]
    return words


def unwrap(words: list[str]) -> list[str]:
    """The command a segment really runs, past ``VAR=x``, ``exec``, ``poetry run`` and the like."""
    for _ in range(10):
        while words and ASSIGNMENT.match(words[0]):
            words = words[1:]
        if not words:
            return words
        name = words[0].rsplit("/", 1)[-1]
        if words[0] in SHELL_KEYWORDS or (words[0].endswith(")") and not words[0].startswith(("$(", "(")) and "=" not in words[0]):
            # A keyword, or a case pattern ("dev)"): the command follows it.
            words = words[1:]
        elif name in ("gosu", "su-exec"):
            words = words[2:]
        elif name in WRAPPERS or name in ("env", "tini"):
            words = skip_options(words[1:])
        elif name in RUNNERS:
            rest = words[1:]
            if rest and rest[0] in RUNNER_VERBS:
                rest = rest[1:]
            words = skip_options(rest)
        else:
            return words
    return words


def analyse(command: str | Sequence[str], *, shell: bool | None = True) -> CommandAnalysis:
    """What a start command runs. ``shell``: True run by a shell, False exec'd as words, None unknown."""
    words = shell_words(command) if isinstance(command, str) else list(command)
    unexpanded: list[str] = []
    if shell is False:
        unexpanded = [word for word in words if word in OPERATORS]
        program = unwrap(list(words))[:1]
        runs_shell = bool(program) and program[0].rsplit("/", 1)[-1] in SHELLS
        if not isinstance(command, str) and not runs_shell:
            unexpanded += [match[0] for word in words for match in VARIABLE.finditer(word)]
    return _analyse_words(words, tuple(dict.fromkeys(unexpanded)), depth=0)


def _analyse_words(words: list[str], unexpanded: tuple[str, ...], depth: int) -> CommandAnalysis:
    found = CommandAnalysis(unexpanded=unexpanded)
    if depth > 3:
        return found
    runs_migrate = False
    cd: list[str] = []
    scripts: list[str] = []
    make_targets: list[tuple[str, str]] = []
    for segment in segments(words):
        segment = unwrap(segment)
        if not segment:
            continue
        program = segment[0].rsplit("/", 1)[-1]
        if program in SHELLS:
            inner = shell_inner_command(segment[1:])
            if inner is not None:
                nested = _analyse_words(shell_words(inner), (), depth + 1)
                runs_migrate = runs_migrate or nested.runs_migrate
                cd += nested.cd
                scripts += nested.scripts
                make_targets += nested.make_targets
                if found.server is None and nested.server is not None:
                    found = dataclasses.replace(nested, unexpanded=unexpanded)
                continue
            script = next((word for word in segment[1:] if not word.startswith("-")), None)
            if script:
                scripts.append(script)
            continue
        if program in MAKE_PROGRAMS:
            if found.server is None:
                make_targets += make_invocation(segment[1:])
            continue
        if program == "cd" and len(segment) > 1:
            if found.server is None:
                cd.append(segment[1])
            continue
        django_command = manage_py_command(segment)
        if django_command is not None:
            name, rest = django_command
            if name == "migrate":
                runs_migrate = True
            elif name == "runserver" and found.server is None:
                found = dataclasses.replace(server_details("runserver", rest), unexpanded=unexpanded)
            continue
        server, rest = server_in(segment)
        if server is not None:
            if found.server is None:
                found = dataclasses.replace(server_details(server, rest), unexpanded=unexpanded)
            continue
        if program.endswith(".sh") or segment[0].startswith(("./", "bin/")) or is_container_script(segment[0]):
            scripts.append(segment[0])
    return dataclasses.replace(
        found, runs_migrate=runs_migrate, cd=tuple(cd), scripts=tuple(scripts), make_targets=tuple(dict.fromkeys(make_targets))
    )


def is_container_script(word: str) -> bool:
    """``/start``, ``/app/docker-entrypoint``: a file of the project copied into an image, not a system program."""
    return (
        word.startswith("/") and not word.startswith(("/usr/", "/bin/", "/sbin/", "/opt/", "/root/", "/venv/", "/lib/")) and "$" not in word
    )


MAKE_PROGRAMS = frozenset({"make", "gmake", "$(MAKE)", "${MAKE}"})


def make_invocation(arguments: Sequence[str]) -> list[tuple[str, str]]:
    """(Makefile, target) for each target of ``make [-f file] [-C dir] target...``; a directory is joined to the file."""
    makefile, directory, targets = "Makefile", "", []
    words = list(arguments)
    while words:
        word = words.pop(0)
        if word in ("-f", "--file", "--makefile", "-C", "--directory") and words:
            value = words.pop(0)
            if word == "-C" or word == "--directory":
                directory = value
            else:
                makefile = value
        elif word.startswith(("--file=", "--makefile=")):
            makefile = word.split("=", 1)[1]
        elif word.startswith("--directory="):
            directory = word.split("=", 1)[1]
        elif word.startswith("-f") and len(word) > 2:
            makefile = word[2:]
        elif word.startswith("-C") and len(word) > 2:
            directory = word[2:]
        elif not word.startswith("-") and "=" not in word:
            targets.append(word)
    path = f"{directory.rstrip('/')}/{makefile}" if directory else makefile
    return [(path, target) for target in targets or [""]]


def shell_inner_command(arguments: Sequence[str]) -> str | None:
    """The command string of ``sh [-e...] -c "..."``, or None."""
    for index, word in enumerate(arguments):
        if word.startswith("-") and "c" in word[1:] and not word.startswith("--"):
            return arguments[index + 1] if index + 1 < len(arguments) else None
        if not word.startswith("-"):
            return None
    return None


def manage_py_command(segment: Sequence[str]) -> tuple[str, list[str]] | None:
    """(``migrate``, its arguments) for ``python manage.py migrate``, ``django-admin migrate``, ..."""
    words = list(segment)
    if PYTHON.match(words[0].rsplit("/", 1)[-1]):
        words = words[1:]
        while words and words[0].startswith("-") and words[0] != "-m":
            words = words[1:]
        if words[:2] == ["-m", "django"]:
            words = words[2:]
            return (words[0], words[1:]) if words else None
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    if program in ("manage.py", "django-admin", "django-admin.py"):
        rest = [word for word in words[1:]]
        name = next((word for word in rest if not word.startswith("-")), None)
        if name is None:
            return None
        return name, rest[rest.index(name) + 1 :]
    return None


def server_in(segment: Sequence[str]) -> tuple[str | None, list[str]]:
    program = segment[0].rsplit("/", 1)[-1]
    if program in SERVER_EXECUTABLES:
        return SERVER_EXECUTABLES[program], list(segment[1:])
    if PYTHON.match(program):
        words = list(segment[1:])
        while words and words[0].startswith("-") and words[0] != "-m":
            words = words[1:]
        if len(words) >= 2 and words[0] == "-m":
            module = words[1].split(".")[0]
            if module in SERVER_EXECUTABLES:
                return SERVER_EXECUTABLES[module], words[2:]
    return None, []


def parse_options(arguments: Sequence[str], valued: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Options (each flag -> its values) and positional words, the way argparse reads them; ``valued``: the options that take a value."""
    valued = frozenset(valued)
    options: dict[str, list[str]] = {}
    positional: list[str] = []
    index = 0
    while index < len(arguments):
        word = arguments[index]
        index += 1
        if word == "--":
            positional += arguments[index:]
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        if word.startswith("--") and "=" in word:
            flag, value = word.split("=", 1)
            options.setdefault(flag, []).append(value)
            continue
        if not word.startswith("--") and len(word) > 2 and word[:2] in valued:
            options.setdefault(word[:2], []).append(word[2:])
            continue
        if word in valued and index < len(arguments):
            options.setdefault(word, []).append(arguments[index])
            index += 1
            continue
        options.setdefault(word, []).append("")
    return options, positional


def first(options: Mapping[str, list[str]], *names: str) -> str | None:
    for name in names:
        if options.get(name):
            return options[name][-1]
    return None


def count(value: str | None) -> tuple[int | None, str | None]:
    """A worker/thread count as written: (number, None) or (None, the variable it comes from)."""
    if value is None:
        return None, None
    if value.strip().isdigit():
        return int(value), None
    match = VARIABLE.search(value)
    return None, match[0] if match else value


def server_details(server: str, arguments: list[str]) -> CommandAnalysis:
    """What the arguments after a server's program name say it serves, where, and with how many workers."""
    if server == "gunicorn":
        parsed = gunicorn_options(arguments)
        if parsed is None:
            return CommandAnalysis(server=server, arguments=tuple(arguments))
        gunicorn, positional = parsed
        workers, workers_from = count(gunicorn.workers)
        return CommandAnalysis(
            server=server,
            application_path=positional[0] if positional else None,
            binds=tuple(gunicorn.bind or ()),
            workers=workers,
            workers_from=workers_from,
            threads=count(gunicorn.threads)[0],
            worker_class=gunicorn.worker_class,
            config_file=gunicorn.config,
            chdir=gunicorn.chdir,
            arguments=tuple(arguments),
        )
    options, positional = parse_options(arguments, SERVER_OPTIONS.get(server, ()))
    if server == "runserver":
        return CommandAnalysis(server=server, binds=tuple(positional[:1]), arguments=tuple(arguments))
    if server == "uwsgi":
        module = first(options, "--module", "-w", "--wsgi")
        wsgi_file = first(options, "--wsgi-file", "--file")
        if module is None and wsgi_file:
            module = wsgi_file.removesuffix(".py").replace("/", ".").lstrip(".")
        workers, workers_from = count(first(options, "--processes", "-p", "--workers"))
        return CommandAnalysis(
            server=server,
            application_path=module,
            binds=tuple(options.get("--http", []) + options.get("--http-socket", []) + options.get("--https", [])),
            workers=workers,
            workers_from=workers_from,
            threads=count(first(options, "--threads"))[0],
            config_file=first(options, "--ini") or next((word for word in positional if word.endswith(".ini")), None),
            chdir=first(options, "--chdir"),
            arguments=tuple(arguments),
        )
    if server == "mod_wsgi":
        positional = [word for word in positional if word not in ("start-server", "setup-server")]
    binds: list[str] = []
    worker_class = config_file = None
    if server in ("uvicorn", "granian", "waitress", "mod_wsgi"):
        host, port = first(options, "--host"), first(options, "--port")
        binds = list(options.get("--listen", []))
        if host or port:
            default_host, _, default_port = DEFAULT_BINDS[server].rpartition(":")
            binds.append(f"{host or default_host}:{port or default_port}")
        binds += [f"unix:{path}" for path in options.get("--uds", [])]
    elif server == "daphne":
        host, port = first(options, "-b", "--bind"), first(options, "-p", "--port")
        binds = [f"unix:{path}" for path in options.get("-u", []) + options.get("--unix-socket", [])]
        binds += options.get("-e", []) + options.get("--endpoint", [])
        if host or port:
            binds.append(f"{host or '127.0.0.1'}:{port or '8000'}")
    elif server == "hypercorn":
        binds = options.get("-b", []) + options.get("--bind", [])
        worker_class = first(options, "-k", "--worker-class")
        config_file = first(options, "-c", "--config")
    workers, workers_from = count(first(options, "-w", "--workers", "--processes"))
    return CommandAnalysis(
        server=server,
        application_path=positional[0] if positional else None,
        binds=tuple(binds),
        workers=workers,
        workers_from=workers_from,
        threads=count(first(options, "--threads"))[0],
        worker_class=worker_class,
        config_file=config_file,
        arguments=tuple(arguments),
    )


def references_variable(text: str, name: str) -> bool:
    return any(match[0].strip("${}").split(":")[0] == name for match in VARIABLE.finditer(text))


def bind_host(bind: str) -> str | None:
    """The host part of an address as servers write it: "0.0.0.0:8000", ":$PORT", "[::1]:80", "unix:..."."""
    if bind.startswith(("unix:", "fd://", "tcp:", "ssl:")) or "/" in bind.split(":")[0]:
        return None
    if bind.startswith("["):
        return bind[1 : bind.find("]")] if "]" in bind else bind
    host, separator, _ = bind.rpartition(":")
    return host if separator else bind


def bind_port(bind: str) -> str | None:
    if bind.startswith(("unix:", "fd://")):
        return None
    _host, separator, port = bind.rpartition(":")
    return port if separator and not port.endswith("]") else None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "127.0.1.1"})


def is_loopback(bind: str) -> bool:
    return bind_host(bind) in LOOPBACK_HOSTS


def module_of(application_path: str) -> str:
    return application_path.split(":", 1)[0].strip()
