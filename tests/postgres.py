"""A throwaway PostgreSQL server for tests: its own cluster in a temporary directory, on 127.0.0.1 only.

Start it once per test module (``setUpModule``/``tearDownModule``): initdb and start take about a
second. ``require_executable`` skips on a contributor's machine without PostgreSQL and fails in CI.
initdb and postgres refuse to run as root, so as root they run as the ``postgres`` system user.
Every statement the server receives is logged (``log_statement = all``), so a test can read back
what a connection really did.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from django_deploy_concepts.rehearsal.server import certificate_command
from tests.utils import free_port, require_executable

# Debian and Ubuntu keep the server programs off PATH, one folder per major version.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
COMMAND_TIMEOUT = 60
# log_line_prefix below: application name, user, database and session id, then the message.
LOG_LINE = re.compile(
    r"^(?P<application>[^|]*)\|(?P<user>[^|]*)\|(?P<database>[^|]*)\|(?P<session>[^|]*)\| (?P<level>[A-Z]+):\s+(?P<message>.*)$"
)
STATEMENT_PREFIXES = ("statement: ", "execute <unnamed>: ")


@dataclasses.dataclass(frozen=True)
class LogLine:
    application: str
    user: str
    database: str
    session: str
    level: str
    message: str


def server_bin_dirs() -> tuple[str, ...]:
    """Folders that may hold initdb and pg_ctl, whatever the installed version: ``pg_config --bindir``,
    then Debian's /usr/lib/postgresql/<version>/bin, newest first."""
    found: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError):
            result = None
        if result is not None and result.returncode == 0 and result.stdout.strip():
            found.append(result.stdout.strip())

    def major(folder: str) -> tuple[int, str]:
        version = Path(folder).parent.name
        return (int(version) if version.isdigit() else -1, version)

    found += sorted(glob.glob(DEBIAN_BIN_GLOB), key=major, reverse=True)
    return tuple(dict.fromkeys(found))


def server_programs() -> tuple[str, str]:
    """initdb and pg_ctl of one installation: from the first folder of ``server_bin_dirs`` that has
    both, else from PATH (skipped without them, failed in CI, by ``require_executable``)."""
    for folder in server_bin_dirs():
        initdb, pg_ctl = Path(folder, "initdb"), Path(folder, "pg_ctl")
        if os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return str(initdb), str(pg_ctl)
    return require_executable("initdb"), require_executable("pg_ctl")


class PostgresServer:
    """One PostgreSQL cluster: ``start()``, create roles and databases, read its log, ``stop()``."""

    def __init__(self, *, tls: bool = True) -> None:
        self.initdb, self.pg_ctl = server_programs()
        self.openssl = require_executable("openssl") if tls else None
        self.tls = tls
        self.host = HOST
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="ddc-postgres-"))
        self.data_dir = self.directory / "data"
        self.log_file = self.directory / "server.log"
        self.running = False
        self.as_system_user = os.geteuid() == 0

    # Life cycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        if self.as_system_user:
            self._give_to_system_user(self.directory)
        self.run(
            self.initdb,
            "--pgdata",
            str(self.data_dir),
            "--username",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        settings = [
            f"listen_addresses = '{self.host}'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.directory}'",
            "max_connections = 30",
            "shared_buffers = 16MB",
            # A disposable cluster: durability is not needed, speed is.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "log_statement = 'all'",
            "log_connections = on",
            "log_line_prefix = '%a|%u|%d|%c| '",
        ]
        if self.tls:
            settings += self._make_certificate()
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as config:
            config.write("\n".join(settings) + "\n")
        self.run(self.pg_ctl, "--pgdata", str(self.data_dir), "--log", str(self.log_file), "--wait", "--timeout=30", "start")
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.run(self.pg_ctl, "--pgdata", str(self.data_dir), "--mode=immediate", "--wait", "--timeout=30", "stop", check=False)
            self.running = False
        shutil.rmtree(self.directory, ignore_errors=True)

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self.as_system_user:
            command = ("runuser", "-u", SYSTEM_USER, "--", *command)
        result = subprocess.run(command, cwd=self.directory, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def _give_to_system_user(self, path: Path) -> None:
        account = pwd.getpwnam(SYSTEM_USER)
        os.chown(path, account.pw_uid, account.pw_gid)

    def _make_certificate(self) -> list[str]:
        assert self.openssl is not None
        command, (certificate, key) = certificate_command(self.openssl, self.host, self.directory)
        subprocess.run(command, capture_output=True, timeout=COMMAND_TIMEOUT, check=True)
        key.chmod(0o600)
        if self.as_system_user:
            self._give_to_system_user(certificate)
            self._give_to_system_user(key)
        return ["ssl = on", f"ssl_cert_file = '{certificate}'", f"ssl_key_file = '{key}'"]

    # Administration, as the superuser over the unix socket ---------------------------------------

    def execute(self, *statements: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run statements as the superuser; the rows of the last one."""
        import psycopg

        rows: list[tuple[Any, ...]] = []
        with psycopg.connect(
            host=str(self.directory), port=self.port, user=SUPERUSER, dbname=database, autocommit=True, connect_timeout=10
        ) as connection:
            for statement in statements:
                cursor = connection.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
        return rows

    def create_role(self, name: str, password: str) -> None:
        self.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")

    def create_database(self, name: str, owner: str) -> None:
        self.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')

    # How Django and DATABASE_URL reach it ---------------------------------------------------------

    def settings_dict(self, name: str, user: str, password: str, **options: Any) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": user,
            "PASSWORD": password,
            "HOST": self.host,
            "PORT": str(self.port),
            "OPTIONS": options,
        }

    def url(self, name: str, user: str, password: str) -> str:
        return f"postgres://{user}:{urllib.parse.quote(password, safe='')}@{self.host}:{self.port}/{name}"

    # What it saw ----------------------------------------------------------------------------------

    def log_lines(self) -> list[LogLine]:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        lines: list[LogLine] = []
        for raw in text.splitlines():
            match = LOG_LINE.match(raw)
            if match is not None:
                lines.append(LogLine(**match.groupdict()))
            elif lines:
                # A statement spanning several lines continues without the prefix.
                lines[-1] = dataclasses.replace(lines[-1], message=f"{lines[-1].message}\n{raw}")
        return lines

    def sessions(self, application: str) -> dict[str, list[str]]:
        """The statements each session of a client with this application_name sent, in order."""
        found: dict[str, list[str]] = {}
        for line in self.log_lines():
            if line.application != application or line.level != "LOG":
                continue
            for prefix in STATEMENT_PREFIXES:
                if line.message.startswith(prefix):
                    found.setdefault(line.session, []).append(line.message[len(prefix) :].strip())
        return found

    def connections(self, user: str) -> int:
        """How many connections this role opened (log_connections)."""
        return sum(1 for line in self.log_lines() if line.message.startswith("connection authorized: ") and f"user={user} " in line.message)
