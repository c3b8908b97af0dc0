"""A private, throwaway PostgreSQL cluster: for the county tests and a one-machine trial.

``Cluster.create`` runs initdb into a directory of its own (UTF8, locale C, superuser
``windowdesk``, trust authentication from this machine only) and has the server listen
only on 127.0.0.1, at the given port or a free one, with its unix socket inside the data
directory. ``fast=True`` turns durability off and is for tests only: a crash loses the
cluster.

PostgreSQL refuses to run as root. When we are root, every PostgreSQL program runs as the
system user ``windowdesk-pg`` (created on first use; ``nobody`` where that is impossible),
which owns the data directory, and every parent directory of the data directory must let
that user pass (``/tmp/pytest-of-root`` does not, for one): ``create`` and ``open`` check
that and say which directory is in the way.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Self
from urllib.parse import quote

import psycopg
from psycopg import sql

from windowdesk.i18n import _

PG_ROOT = Path("/usr/lib/postgresql")  # Debian's layout: one <major>/bin per installed version
SUPERUSER = "windowdesk"
SYSTEM_USER = "windowdesk-pg"
SETTINGS = "windowdesk.conf"  # our settings (the port among them), included by postgresql.conf
LOG = "postgresql.log"
HBA = """\
# WindowDesk: trust, and only from this machine (unix socket and 127.0.0.1)
local all all trust
host all all 127.0.0.1/32 trust
"""


class ClusterError(RuntimeError):
    """PostgreSQL is missing or one of its programs failed; the message says why."""


def find_pg_bin(major: str | None = None) -> Path:
    """The newest ``/usr/lib/postgresql/*/bin`` holding initdb and pg_ctl (only version
    ``major`` if given), else the directory of the ``pg_ctl`` on PATH."""
    found = [
        path for path in PG_ROOT.glob(f"{major or '*'}/bin")
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file()
    ]
    if found:
        return max(found, key=lambda path: [int(n) for n in re.findall(r"\d+", path.parent.name)])
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise ClusterError(_(
        "PostgreSQL is not installed: neither {root}/*/bin nor PATH has initdb and pg_ctl. "
        "Install the Debian package postgresql (apt-get install postgresql)."
    ).format(root=PG_ROOT))


def _system_user() -> tuple[int, int] | None:
    """The (uid, gid) to run PostgreSQL as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        with contextlib.suppress(OSError):
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                capture_output=True, check=False,
            )
        try:  # also when a concurrent useradd won the race
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _check_reachable(data_dir: Path, user: tuple[int, int]) -> None:
    """Every parent of ``data_dir`` lets ``user`` (no supplementary groups) pass."""
    uid, gid = user
    for parent in data_dir.parents:
        info = parent.stat()
        bit = stat.S_IXUSR if info.st_uid == uid else stat.S_IXGRP if info.st_gid == gid else stat.S_IXOTH
        if not info.st_mode & bit:
            raise ClusterError(_(
                "PostgreSQL runs as the user {user}, who cannot reach its data directory {path}: "
                "{parent} does not let it pass. Choose a data directory whose parent directories "
                "all allow others through (chmod o+x), e.g. under /var/lib or /tmp."
            ).format(user=pwd.getpwuid(uid).pw_name, path=data_dir, parent=parent))


def _free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 16384))
        return "\n".join(fh.read().decode(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    """One PostgreSQL data directory and the server on it (see the module's docstring)."""

    data_dir: Path
    port: int
    bin_dir: Path
    user: tuple[int, int] | None = None  # (uid, gid) PostgreSQL runs as when we are root

    @classmethod
    def create(cls, data_dir: Path, *, port: int | None = None, fast: bool = False) -> Cluster:
        """initdb a new cluster in ``data_dir`` (absent or empty); it is not started."""
        data_dir = Path(data_dir).resolve()
        cluster = cls(data_dir, port or _free_port(), find_pg_bin(), _system_user())
        data_dir.mkdir(parents=True, exist_ok=True)
        if cluster.user:
            _check_reachable(data_dir, cluster.user)
            os.chown(data_dir, *cluster.user)
        cluster._run(
            "initdb", "-D", str(data_dir), "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
            "--auth=trust", *(["--no-sync"] if fast else []),
        )
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {cluster.port}",
            "unix_socket_directories = '{}'".format(str(data_dir).replace("'", "''")),
            "max_connections = 200",
        ]
        if fast:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        cluster._write(SETTINGS, "# Written by windowdesk.county.pgcluster\n" + "\n".join(settings) + "\n")
        cluster._write("pg_hba.conf", HBA)
        with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\ninclude = '{SETTINGS}'\n")
        return cluster

    @classmethod
    def open(cls, data_dir: Path) -> Cluster:
        """The cluster ``create`` made in ``data_dir`` earlier (running or not)."""
        data_dir = Path(data_dir).resolve()
        settings = data_dir / SETTINGS
        text = settings.read_text(encoding="utf-8") if settings.is_file() else ""
        port = re.search(r"^port = (\d+)$", text, re.MULTILINE)
        if not port:
            raise ClusterError(_(
                "{path} is not a PostgreSQL data directory made by WindowDesk (it has no {file} "
                "giving the port)."
            ).format(path=data_dir, file=SETTINGS))
        owner = data_dir.stat()
        user = (owner.st_uid, owner.st_gid) if os.geteuid() == 0 else None
        if user:
            _check_reachable(data_dir, user)
        major = (data_dir / "PG_VERSION").read_text(encoding="ascii").strip()
        return cls(data_dir, int(port.group(1)), find_pg_bin(major), user)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.data_dir / LOG))

    def stop(self) -> None:
        """Stop the server (fast: open transactions roll back); nothing to do if it is not running."""
        if self.is_running():
            self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(self.data_dir))

    def is_running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        """A psycopg connection to ``dbname`` as the superuser over TCP; the caller closes it."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname, **kwargs)

    def create_database(self, name: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, ending the connections still open to it."""
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL of ``dbname`` (driver psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"

    def __enter__(self) -> Self:
        if not self.is_running():
            self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _write(self, name: str, text: str) -> None:
        path = self.data_dir / name
        path.write_text(text, encoding="utf-8")
        if self.user:
            os.chown(path, *self.user)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program (as ``user`` when set); a failure raises with its output
        and, for pg_ctl, the tail of the server's log."""
        uid, gid = self.user or (None, None)
        result = subprocess.run(
            [str(self.bin_dir / program), *args], stdin=subprocess.DEVNULL, capture_output=True,
            text=True, check=False, cwd=self.data_dir,
            user=uid, group=gid, extra_groups=[] if self.user else None,
        )
        if check and result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            log = self.data_dir / LOG
            if program == "pg_ctl" and log.is_file():
                output += f"\n--- {log}:\n{_tail(log)}"
            raise ClusterError(_("{command} failed (exit status {status}):\n{output}").format(
                command=f"{program} {args[0]}", status=result.returncode, output=output))
        return result


@contextlib.contextmanager
def throwaway_dir(prefix: str = "windowdesk-pg-"):
    """A temporary directory PostgreSQL's own user can pass through (as root it runs as an
    unprivileged user); any server left running in it is stopped before it is removed."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        base.chmod(0o711)
        yield base
    finally:
        for pid_file in base.glob("*/postmaster.pid"):
            with contextlib.suppress(ClusterError):
                Cluster.open(pid_file.parent).stop()
        shutil.rmtree(base, ignore_errors=True)
