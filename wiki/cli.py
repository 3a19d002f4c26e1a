"""The `leerwiki` command line: a Flask CLI group, so `flask --app wiki ...` works too."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext

from wiki import server
from wiki.extensions import db
from wiki.services import (
    backup,
    content_io,
    indexing,
    privacy_pool,
    setup,
    users,
)
from wiki.services.errors import DomainError, ValidationFailed
from wiki.vocabulary import ROLES

BULK_IMPORT = 200  # files from which scanning in worker processes pays for starting them


def main() -> None:
    """Entry point of the `leerwiki` console script."""
    from wiki import create_app

    cli = FlaskGroup(
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
    started = time.perf_counter()
    server.place_privacy_scans(int(current_app.config["PRIVACY_WORKERS"]), processes)
    setup.upgrade_database()
    content_dir = Path(current_app.config["CONTENT_DIR"])
    report = setup.load_content_if_empty(content_dir)
    if report is not None:
        click.echo(
            gettext(
                "Sample content loaded from %(folder)s: %(summary)s",
                folder=str(content_dir),
                summary=report.summary(),
            )
        )
        for rejection in report.rejected:
            click.echo("  " + gettext("rejected: %(rejection)s", rejection=rejection), err=True)
    drift = indexing.repair()
    if not drift.clean:
        click.echo(gettext("Search index repaired: %(summary)s", summary=drift.summary()))
    click.echo(gettext("Ready in %(seconds).1f s.", seconds=time.perf_counter() - started))
    url = f"http://{host}:{port}/"
    click.echo(gettext("Leerwiki is running at %(url)s  (stop: Ctrl+C)", url=url))
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    server.serve(app, host, port, threads, processes)


@click.command("import-content")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, but save nothing.")
@with_appcontext
def import_content(path: Path, dry_run: bool) -> None:
    """Import lesson files (idempotent); every rejected file is listed with its reason."""
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
    for rejection in report.rejected:
        click.echo(f"rejected {rejection}", err=True)
    prefix = "dry run: " if dry_run else ""
    click.echo(prefix + report.summary())
    if report.rejected:
        sys.exit(1)


@click.command("export-content")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_content(path: Path) -> None:
    """Write every lesson as a Markdown file with front matter."""
    count = content_io.export_folder(path)
    click.echo(f"exported {count} lessons to {path}")


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--municipality", default=None)
@click.option("--organisation", default=None)
@click.option("--name", default=None, help="Display name.")
@with_appcontext
def create_user(
    email: str, role: str, municipality: str | None, organisation: str | None, name: str | None
) -> None:
    """Create an account; the password is read from standard input."""
    password = _read_password()
    try:
        user = users.create_user(email, password, role, municipality, organisation, name)
    except ValidationFailed as exc:
        _field_errors(exc)
    click.echo(f"created {user.role} {user.email}")


@users_group.command("set-password")
@click.argument("email")
@with_appcontext
def set_password(email: str) -> None:
    """Set a new password (read from standard input); ends all of the user's sessions."""
    password = _read_password()
    try:
        user = users.set_password(email, password)
    except ValidationFailed as exc:
        _field_errors(exc)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"password changed for {user.email}; signed out everywhere")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_user(email: str) -> None:
    """Disable an account: its sessions end and its API tokens stop working."""
    _set_active(email, False)


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_user(email: str) -> None:
    """Enable a disabled account again (it signs in anew)."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    try:
        user = users.set_active(email, active)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{'enabled' if active else 'disabled'} {user.email}")


def _field_errors(failure: ValidationFailed) -> NoReturn:
    """An account's problems, each under the name the operator knows the field by."""
    labels = {
        "email": gettext("Email address"),
        "password": gettext("Password"),
        "municipality": gettext("Municipality"),
    }
    for error in failure.errors:
        click.echo(f"error: {labels.get(error.field, error.field)}: {error.message}", err=True)
    sys.exit(1)


def _read_password() -> str:
    """A password from the terminal (asked twice, hidden) or one line of standard input."""
    if sys.stdin.isatty():
        password: str = click.prompt(gettext("Password"), hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\n")


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
@with_appcontext
def create_token(email: str) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    try:
        token = users.create_token(email)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(gettext("Keep this token safe: it will not be shown again."))
    click.echo(token)


@tokens_group.command("revoke")
@click.argument("token")
@with_appcontext
def revoke_token(token: str) -> None:
    """Revoke an API token."""
    if not users.revoke_token(token):
        click.echo("error: unknown or already revoked token", err=True)
        sys.exit(1)
    click.echo("revoked")


@click.command("reindex")
@click.option("--check", is_flag=True, help="Only report drift; exit 1 when there is any.")
@with_appcontext
def reindex(check: bool) -> None:
    """Rebuild the search index from the database, or check it for drift."""
    if check:
        drift = indexing.check()
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
    click.echo(f"indexed {count} lessons in {time.perf_counter() - started:.1f} s")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the database to PATH while the wiki keeps running (SQLite online backup)."""
    try:
        size = backup.backup(path)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"backup written to {path} ({size / 1e6:.1f} MB)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with a backup (stop the server first), then rebuild the index."""
    if not yes:
        click.confirm(gettext("The current database will be replaced. Continue?"), abort=True)
    try:
        backup.restore(path)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    setup.upgrade_database()  # a backup from an older version gets the newer schema
    count = indexing.rebuild()
    click.echo(f"restored {path}; indexed {count} lessons")
