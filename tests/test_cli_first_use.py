"""Every `leerwiki` command on a database that does not exist yet, in a folder that does not
exist, and with bad arguments: it works (writing commands bring the schema up first) or says
in one Dutch line what is wrong, on stderr with a non-zero exit; never a traceback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import CONTENT_DIR, PASSWORD, TEST_DATABASE_URL, _config, dispose_app
from flask import Flask

from wiki import create_app
from wiki.services import privacy_pool, users

LEERWIKI = Path(sys.executable).with_name("leerwiki")
HOOK_INPUT = "Een-lang-wachtwoord-2026!\nEen-lang-wachtwoord-2026!\n"


def one_line_failure(result: Result, *expected: str) -> None:
    """A non-zero exit with one Dutch line on stderr (holding `expected`), no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fout: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.fixture
def new_app(tmp_path: Path, databases: Any) -> Iterator[Flask]:
    """An app on a database without a schema: an SQLite file that does not exist yet, or an
    empty PostgreSQL database (LEERWIKI_TEST_DATABASE_URL)."""
    url = databases.fresh(tmp_path, empty=True)
    app = create_app(_config(tmp_path, url))
    yield app
    dispose_app(app)
    databases.drop(url)


def one_lesson_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copy(sorted(CONTENT_DIR.rglob("*.md"))[0], folder)
    return folder


def test_writing_commands_bring_a_new_database_up_first(new_app: Flask, tmp_path: Path) -> None:
    runner = new_app.test_cli_runner()
    args = ["users", "create", "nieuw@example.org", "--role", "author", "--municipality", "Tilburg"]
    made = runner.invoke(args=args, input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert "Database aangemaakt" in made.stderr
    assert "Account aangemaakt: nieuw@example.org" in made.stdout
    with new_app.app_context():
        assert users.authenticate("nieuw@example.org", PASSWORD) is not None

    imported = runner.invoke(args=["import-content", str(one_lesson_folder(tmp_path))])
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    assert "Database" not in imported.stderr  # already current: nothing to tell

    token = runner.invoke(args=["tokens", "create", "nieuw@example.org"])
    assert token.exit_code == 0, token.output
    assert "geen account" not in token.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["import-content", "{lessons}"], "created 1"),
        (["reindex"], "0 lessen geïndexeerd"),
        (["tokens", "create", "niemand@example.org"], "geen account voor niemand@example.org"),
        (["tokens", "revoke", "lw_onbekend"], "onbekend of al ingetrokken token"),
    ],
)
def test_each_writing_command_on_a_new_database(
    new_app: Flask, tmp_path: Path, args: list[str], expected: str
) -> None:
    lessons = one_lesson_folder(tmp_path)
    result = new_app.test_cli_runner().invoke(args=[a.format(lessons=lessons) for a in args])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert "Database aangemaakt" in result.stderr
    assert expected in result.output


@pytest.mark.parametrize(
    "args",
    [["reindex", "--check"], ["export-content", "{tmp}/export"], ["backup", "{tmp}/copy.sqlite"]],
)
def test_read_only_commands_on_a_new_database_say_what_to_run(
    new_app: Flask, tmp_path: Path, args: list[str]
) -> None:
    result = new_app.test_cli_runner().invoke(args=[a.format(tmp=tmp_path) for a in args])
    one_line_failure(result, "leerwiki db upgrade")
    if not TEST_DATABASE_URL:
        assert not (tmp_path / "empty.sqlite").exists()  # a check creates no database
    assert not (tmp_path / "export").exists()
    assert not (tmp_path / "copy.sqlite").exists()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="a folder for an SQLite file")
@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["users", "create", "a@example.org", "--role", "author"], PASSWORD + "\n"),
        (["import-content", str(CONTENT_DIR)], None),
        (["export-content", "{tmp}/export"], None),
        (["tokens", "create", "a@example.org"], None),
        (["tokens", "revoke", "lw_x"], None),
        (["reindex"], None),
        (["reindex", "--check"], None),
        (["backup", "{tmp}/copy.sqlite"], None),
        (["restore", "{tmp}/copy.sqlite", "--yes"], None),
    ],
)
def test_a_database_folder_that_does_not_exist(
    tmp_path: Path, args: list[str], stdin: str | None
) -> None:
    (tmp_path / "copy.sqlite").write_bytes(b"")
    app = create_app(_config(tmp_path, f"sqlite:///{tmp_path}/nergens/wiki.sqlite"))
    try:
        result = app.test_cli_runner().invoke(
            args=[a.format(tmp=tmp_path) for a in args], input=stdin
        )
    finally:
        dispose_app(app)
    one_line_failure(result, f"de map {tmp_path}/nergens voor de database bestaat niet")
    assert not (tmp_path / "nergens").exists()


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (
            ["users", "create", "x@example.org", "--role", "author", "--municipality", "Tilbrug"],
            PASSWORD + "\n",
            ("--municipality", "onbekende gemeente 'Tilbrug'", "Tilburg"),
        ),
        (
            ["users", "create", "x@example.org", "--role", "baas"],
            PASSWORD + "\n",
            ("--role", "onbekende rol 'baas'", "reader, author, curator, admin"),
        ),
        (
            ["users", "create", "bestaat@example.org", "--role", "author"],
            PASSWORD + "\n",
            ("EMAIL", "er bestaat al een account voor bestaat@example.org"),
        ),
        (
            ["users", "create", "leeg@example.org", "--role", "author"],
            "",
            ("geen wachtwoord op standaardinvoer",),
        ),
        (["tokens", "create", "onbekend@example.org"], None, ("onbekend@example.org",)),
        (["import-content", "{tmp}/bestaat-niet"], None, ("de map", "bestaat niet")),
        (["import-content", "{tmp}/bestand.md"], None, ("is een bestand, geen map",)),
        (["export-content", "{tmp}/bestand.md"], None, ("is een bestand, geen map",)),
        (["restore", "{tmp}/bestaat-niet.sqlite", "--yes"], None, ("geen back-upbestand",)),
        (["restore", "{tmp}", "--yes"], None, ("geen back-upbestand",)),
        (["backup", "{tmp}/bestand.md"], None, ("bestaat al",)),
    ],
)
def test_bad_arguments_fail_in_one_line(
    runner: Any,
    make_user: Any,
    tmp_path: Path,
    args: list[str],
    stdin: str | None,
    expected: tuple[str, ...],
) -> None:
    make_user(role="author", email="bestaat@example.org")
    (tmp_path / "bestand.md").write_text("geen les\n")
    result = runner.invoke(args=[a.format(tmp=tmp_path) for a in args], input=stdin)
    if args[0] == "backup" and TEST_DATABASE_URL:
        expected = ("pg_dump",)  # PostgreSQL has its own backup tools
    one_line_failure(result, *expected)
    assert users.find_by_email("x@example.org") is None
    assert users.find_by_email("leeg@example.org") is None


def run_leerwiki(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real console script on a fresh database below tmp_path (as the shared hook runs it)."""
    (tmp_path / "content").mkdir(exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LEERWIKI_", "FLASK_"))},
        "LEERWIKI_DATABASE_URL": f"sqlite:///{tmp_path}/wiki.sqlite",
        "LEERWIKI_INDEX_DIR": str(tmp_path / "index"),
        "LEERWIKI_CONTENT_DIR": str(tmp_path / "content"),
        "LEERWIKI_SECRET_KEY": "first-use-0123456789abcdef",
    }
    return subprocess.run(  # noqa: S603 - our own console script
        [str(LEERWIKI), *args], env=env, input=stdin, text=True, capture_output=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_users_create_as_a_new_user_types_it(tmp_path: Path) -> None:
    done = run_leerwiki(
        tmp_path, "users", "create", "nieuw@example.org", "--role", "author",
        "--municipality", "Tilburg", stdin=HOOK_INPUT,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "Database aangemaakt (versie 0004)."
    assert done.stdout.strip() == "Account aangemaakt: nieuw@example.org (author)."


def test_a_read_only_check_on_a_new_database_says_what_to_run(tmp_path: Path) -> None:
    done = run_leerwiki(tmp_path, "reindex", "--check")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"Fout: de database {tmp_path}/wiki.sqlite bestaat nog niet; voer eerst "
        "'leerwiki db upgrade' uit (of 'leerwiki serve')"
    )
    assert not (tmp_path / "wiki.sqlite").exists()


def test_db_upgrade_in_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    """A command of Flask-Migrate's fails in one line too (the group catches it)."""
    env_path = tmp_path / "nergens" / "wiki.sqlite"
    done = subprocess.run(  # noqa: S603
        [str(LEERWIKI), "db", "upgrade"], text=True, capture_output=True, timeout=120,
        env={**os.environ, "LEERWIKI_DATABASE_URL": f"sqlite:///{env_path}",
             "LEERWIKI_SECRET_KEY": "first-use-0123456789abcdef"}, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("Fout: de database is niet te gebruiken"), done.stderr


def test_serve_on_a_port_in_use_says_so_before_any_work(runner: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = runner.invoke(args=["serve", "--port", str(port)])
    one_line_failure(result, "Address already in use", str(port))
    assert privacy_pool.installed() is None  # no scanner was started for nothing
