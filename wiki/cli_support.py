"""What every `leerwiki` command shares: a database that is ready before the command runs,
and expected failures told in one line on stderr (with a non-zero exit), never a traceback.

Commands that write bring the schema up to date first (a new user's first command may well
be `users create` on a database that does not exist yet); read-only commands leave the
database alone and say what to run instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from flask.cli import FlaskGroup, ScriptInfo
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError

from wiki.i18n import N_
from wiki.services import setup
from wiki.services.errors import DomainError, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])

# The fields of an account as the command line names them (its arguments), for messages.
OPTION_LABELS = {
    "email": "EMAIL",
    "role": "--role",
    "municipality": "--municipality",
    "organisation": "--organisation",
    "name": "--name",
    "password": N_("Password"),  # read from standard input: named in the interface language
}


class Failure(click.ClickException):
    """An expected failure: one line on stderr, in the interface language, exit status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Translated now: click shows it after the command's app context has ended.
        self.line = gettext("Error: %(message)s", message=message)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.line, err=True)


def fail(message: str) -> Failure:
    """A Failure to raise: `raise fail(gettext(...))`."""
    return Failure(message)


def needs_database(*, upgrade: bool) -> Callable[[F], F]:
    """Run the command on a current schema: upgrade it first, or (read-only) refuse with a
    line that says what to run. Use below `with_appcontext`."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            with friendly_errors():
                done = ensure_schema(upgrade=upgrade)
                if done:
                    click.echo(done, err=True)
                return command(*args, **kwargs)

        return run  # type: ignore[return-value]  # same signature, wrapped

    return decorate


def ensure_schema(*, upgrade: bool) -> str | None:
    """Bring the schema up to date (upgrade=True) or fail when it is not (upgrade=False);
    returns what was done, for the caller to tell, or None when it was current."""
    path = check_location()
    if not upgrade and path is not None and not path.exists():
        raise fail(
            gettext(
                "the database %(path)s does not exist yet; run 'leerwiki db upgrade' first "
                "(or 'leerwiki serve')",
                path=str(path),
            )
        )
    current, head = setup.schema_revisions()
    if current == head:
        return None
    if not upgrade:
        raise fail(
            gettext(
                "the database has no tables yet or an older version of them; "
                "run 'leerwiki db upgrade' first"
            )
        )
    setup.upgrade_database()
    if current is None:
        return str(gettext("Database created (version %(head)s).", head=head))
    return str(gettext("Database upgraded from version %(old)s to %(new)s.", old=current, new=head))


def check_location() -> Path | None:
    """Fail when an SQLite database's folder does not exist; returns the file (if SQLite)."""
    path = setup.sqlite_file()
    if path is not None and not path.parent.is_dir():
        raise fail(
            gettext(
                "the folder %(folder)s for the database does not exist; create it or set "
                "LEERWIKI_DATABASE_URL to another place",
                folder=str(path.parent),
            )
        )
    return path


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the failures a user can cause or fix into one line on stderr and exit status 1."""
    try:
        yield
    except ValidationFailed as exc:
        shown = "; ".join(
            f"{gettext(OPTION_LABELS.get(error.field, error.field))}: {error.message}"
            for error in exc.errors
        )
        raise fail(shown) from exc
    except DomainError as exc:
        raise fail(exc.message) from exc
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise fail(gettext("the database cannot be used: %(reason)s", reason=reason)) from exc
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise fail(f"{exc.strerror or exc}{where}") from exc


class LeerwikiGroup(FlaskGroup):
    """The `leerwiki` command group; commands from plugins (`db upgrade`) fail in one line too."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (DomainError, DBAPIError, OSError) as exc:
            # Told in the wiki's language, which needs an app context (the command's is gone).
            with _app_context(ctx), friendly_errors():
                raise exc


@contextmanager
def _app_context(ctx: click.Context) -> Iterator[None]:
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except Exception:  # noqa: BLE001 - the app itself failed to load: tell it untranslated
        yield
        return
    with app.app_context():
        yield
