"""A county on one machine, for a trial (``bash scripts/county.sh``).

``prepare`` creates (the first time) a private PostgreSQL cluster in the per-user data
folder — ``/var/lib/windowdesk-county`` when run as root, whose parents the unprivileged
PostgreSQL user can pass — starts it, creates the database ``county`` when missing,
applies the county's migrations and loads the bundled catalogue and holiday schedules.
``python -m windowdesk.county.trial`` does that and prints the database URL alone on
stdout (what it does goes to stderr); ``--stop`` stops the cluster again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from platformdirs import user_data_path

from windowdesk.core.errors import DomainError
from windowdesk.county.pgcluster import SETTINGS, Cluster, ClusterError
from windowdesk.i18n import _

ROOT_DATA = Path("/var/lib/windowdesk-county")
DATABASE = "county"


def data_root() -> Path:
    """Where the trial keeps its cluster (in ``pg`` below it)."""
    if os.geteuid() == 0:
        return ROOT_DATA
    return user_data_path("WindowDesk-County", appauthor=False)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cluster_in(base: Path, *, fast: bool = False) -> Cluster:
    """The trial's cluster under ``base``, created the first time."""
    data_dir = base / "pg"
    if (data_dir / SETTINGS).is_file():
        return Cluster.open(data_dir)
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise ClusterError(_(
            "{path} holds files but no PostgreSQL cluster made by WindowDesk; move it away and try again."
        ).format(path=data_dir))
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        base.chmod(0o711)  # PostgreSQL's own user must pass through to its data directory
    _say(_("Creating the county's PostgreSQL cluster in {path} …").format(path=data_dir))
    try:
        return Cluster.create(data_dir, fast=fast)
    except BaseException:
        shutil.rmtree(data_dir, ignore_errors=True)  # a half-made cluster would block the next try
        raise


def prepare(base: Path | None = None, *, fast: bool = False) -> str:
    """Make the trial county ready (see the module's docstring); its database URL."""
    from sqlalchemy.orm import Session

    from windowdesk.county import reference
    from windowdesk.county.db import open_county

    cluster = cluster_in(Path(base) if base else data_root(), fast=fast)
    if not cluster.is_running():
        _say(_("Starting PostgreSQL on 127.0.0.1:{port} …").format(port=cluster.port))
        cluster.start()
    with cluster.connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
    if not exists:
        cluster.create_database(DATABASE)
        _say(_("Created the database {name}.").format(name=DATABASE))
    url = cluster.url(DATABASE)
    engine = open_county(url)
    try:
        with Session(engine) as session, session.begin():
            if reference.load_bundled(session):
                _say(_("Loaded the bundled catalogue and holiday schedules."))
    finally:
        engine.dispose()
    return url


def stop(base: Path | None = None) -> None:
    data_dir = (Path(base) if base else data_root()) / "pg"
    if (data_dir / SETTINGS).is_file():
        Cluster.open(data_dir).stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m windowdesk.county.trial",
                                     description=_("Prepare a county on this machine for a trial."))
    parser.add_argument("--base", help=_("where to keep the cluster (default: the per-user data folder)"))
    parser.add_argument("--stop", action="store_true", help=_("stop the trial's PostgreSQL cluster"))
    args = parser.parse_args(argv)
    try:
        if args.stop:
            stop(args.base)
            return 0
        url = prepare(args.base)
    except (ClusterError, DomainError, OSError) as exc:
        _say(_("Error: {message}").format(message=exc))
        return 2
    print(url, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
