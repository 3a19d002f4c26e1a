"""The `leerwiki` command line: a Flask CLI group, so `flask --app wiki ...` works too."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext

from wiki import server, startup
from wiki.cli_support import (
    LeerwikiGroup,
    check_location,
    ensure_schema,
    fail,
    friendly_errors,
    needs_database,
)
from wiki.extensions import db
from wiki.services import (
    backup,
    content_io,
    indexing,
    privacy_pool,
    setup,
    users,
)
from wiki.vocabulary import ROLES

BULK_IMPORT = 200  # files from which scanning in worker processes pays for starting them


def main() -> None:
    """Entry point of the `leerwiki` console script."""
    from wiki import create_app

    cli = LeerwikiGroup(
        create_app=create_app,
        add_version_option=False,
        help="Leerwiki: lessen uit het sociaal domein.",
    )
    cli.main(prog_name="leerwiki")


def register_commands(app: Flask) -> None:
    """Attach our commands to the app's CLI group."""
    app.cli.add_command(serve)
    app.cli.add_command(import_content)
    app.cli.add_command(export_content)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(reindex)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes on the one port (about one per core).",
)
@with_appcontext
def serve(host: str, port: int, threads: int, processes: int) -> None:
    """Run the production WSGI server (waitress); migrate and load content/ on first start."""
    startup.configure_log()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    with friendly_errors():  # a port in use, a missing database folder: one line
        socket.create_server((host, port)).close()  # before minutes of work, not after
        meanwhile = startup.prepare(app, processes)
        url = f"http://{host}:{port}/"
        startup.log.info(gettext("Leerwiki is running at %(url)s  (stop: Ctrl+C)", url=url))
        server.serve(app, host, port, threads, processes, meanwhile)


@click.command("import-content")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, but save nothing.")
@with_appcontext
@needs_database(upgrade=True)
def import_content(path: Path, dry_run: bool) -> None:
    """Import lesson files (idempotent); every rejected file is listed with its reason."""
    if not path.is_dir():
        raise fail(_not_a_folder(path))
    files = content_io.lesson_files(path)
    if len(files) >= BULK_IMPORT:
        # Scan on every core: deduce loads in each worker (seconds), then scans in parallel.
        privacy_pool.install(max(1, min(4, os.cpu_count() or 1)))
    if len(files) > 50 and sys.stderr.isatty():
        label = gettext("Importing")
        with click.progressbar(length=len(files), label=label, file=sys.stderr) as bar:
            report = content_io.import_folder(
                path, dry_run=dry_run, progress=lambda _p: bar.update(1)
            )
    elif len(files) > 50:
        done = [0]

        def tick(_p: Path) -> None:
            done[0] += 1
            if done[0] % 1000 == 0:
                progress = gettext("%(done)s/%(total)s files", done=done[0], total=len(files))
                click.echo("  " + progress, err=True)

        report = content_io.import_folder(path, dry_run=dry_run, progress=tick)
    else:
        report = content_io.import_folder(path, dry_run=dry_run)
    # The summary line is a fixed contract (DESIGN.md), and scripts read the rejected files
    # and the dry-run mark in the same words: never translated.
    for rejection in report.rejected:
        click.echo(f"rejected {rejection}", err=True)
    prefix = "dry run: " if dry_run else ""
    click.echo(prefix + report.summary())
    if report.rejected:
        sys.exit(1)


@click.command("export-content")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
@needs_database(upgrade=False)
def export_content(path: Path) -> None:
    """Write every lesson as a Markdown file with front matter."""
    if path.exists() and not path.is_dir():
        raise fail(_not_a_folder(path))
    count = content_io.export_folder(path)
    click.echo(gettext("Exported %(count)s lessons to %(folder)s.", count=count, folder=str(path)))


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", required=True, help=", ".join(ROLES) + ".")  # checked by users
@click.option("--municipality", default=None)
@click.option("--organisation", default=None)
@click.option("--name", default=None, help="Display name.")
@with_appcontext
@needs_database(upgrade=True)
def create_user(
    email: str, role: str, municipality: str | None, organisation: str | None, name: str | None
) -> None:
    """Create an account; the password is read from standard input."""
    password = _read_password()
    user = users.create_user(email, password, role, municipality, organisation, name)
    click.echo(gettext("Account created: %(email)s (%(role)s).", email=user.email, role=user.role))


@users_group.command("set-password")
@click.argument("email")
@with_appcontext
@needs_database(upgrade=True)
def set_password(email: str) -> None:
    """Set a new password (read from standard input); ends all of the user's sessions."""
    password = _read_password()
    user = users.set_password(email, password)
    db.session.commit()
    click.echo(gettext("Password changed for %(email)s; signed out everywhere.", email=user.email))


@users_group.command("disable")
@click.argument("email")
@with_appcontext
@needs_database(upgrade=True)
def disable_user(email: str) -> None:
    """Disable an account: its sessions end and its API tokens stop working."""
    _set_active(email, False)


@users_group.command("enable")
@click.argument("email")
@with_appcontext
@needs_database(upgrade=True)
def enable_user(email: str) -> None:
    """Enable a disabled account again (it signs in anew)."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    user = users.set_active(email, active)
    db.session.commit()
    if active:
        click.echo(gettext("Account enabled: %(email)s.", email=user.email))
    else:
        click.echo(gettext("Account disabled: %(email)s; signed out everywhere.", email=user.email))


def _read_password() -> str:
    """A password from the terminal (asked twice, hidden) or one line of standard input."""
    if sys.stdin.isatty():
        password: str = click.prompt(gettext("Password"), hide_input=True, confirmation_prompt=True)
        return password
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise fail(gettext("no password on standard input (the first line is the password)"))
    return password


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
@with_appcontext
@needs_database(upgrade=True)
def create_token(email: str) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    token = users.create_token(email)
    click.echo(gettext("Keep this token safe: it will not be shown again."))
    click.echo(token)


@tokens_group.command("revoke")
@click.argument("token")
@with_appcontext
@needs_database(upgrade=True)
def revoke_token(token: str) -> None:
    """Revoke an API token."""
    if not users.revoke_token(token):
        raise fail(gettext("unknown or already revoked token"))
    click.echo(gettext("Token revoked."))


@click.command("reindex")
@click.option("--check", is_flag=True, help="Only report drift; exit 1 when there is any.")
@with_appcontext
def reindex(check: bool) -> None:
    """Rebuild the search index from the database, or check it for drift."""
    with friendly_errors():
        _reindex(check)


def _reindex(check: bool) -> None:
    done = ensure_schema(upgrade=not check)  # a check only reads
    if done:
        click.echo(done, err=True)
    if check:
        drift = indexing.check()
        # Like the summary line below, these words are read by scripts: never translated.
        for label, slugs in (
            ("missing", drift.missing),
            ("stale", drift.stale),
            ("extra", drift.extra),
        ):
            for slug in slugs:
                click.echo(f"{label} {slug}")
        click.echo(drift.summary())
        if not drift.clean:
            sys.exit(1)
        return
    total = indexing.lesson_count()
    started = time.perf_counter()
    with click.progressbar(length=total, label=gettext("Indexing"), file=sys.stderr) as bar:
        count = indexing.rebuild(progress=lambda n: bar.update(1))
    seconds = time.perf_counter() - started
    click.echo(
        gettext("Indexed %(count)s lessons in %(seconds).1f s.", count=count, seconds=seconds)
    )


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
@needs_database(upgrade=False)
def backup_command(path: Path) -> None:
    """Copy the database to PATH while the wiki keeps running (SQLite online backup)."""
    size = backup.backup(path)
    click.echo(
        gettext("Backup written to %(path)s (%(size).1f MB).", path=str(path), size=size / 1e6)
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with a backup (stop the server first), then rebuild the index."""
    with friendly_errors():
        check_location()
        if not path.is_file():
            raise fail(gettext("%(path)s is not a backup file", path=str(path)))
        if not yes:
            click.confirm(gettext("The current database will be replaced. Continue?"), abort=True)
        backup.restore(path)
        setup.upgrade_database()  # a backup from an older version gets the newer schema
        count = indexing.rebuild()
    click.echo(
        gettext("Restored %(path)s; indexed %(count)s lessons.", path=str(path), count=count)
    )


def _not_a_folder(path: Path) -> str:
    if path.exists():
        return str(gettext("%(path)s is a file, not a folder", path=str(path)))
    return str(gettext("the folder %(path)s does not exist", path=str(path)))
