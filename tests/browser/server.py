"""`leerwiki serve` for the browser tests: a fresh database and index, the sample content,
the accounts of support.ACCOUNTS (made with `leerwiki users create`), stored logins per role."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import CONTENT_DIR, Databases  # tests/conftest.py

from .support import ACCOUNTS, PASSWORD, TIMEOUT_MS, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

LEERWIKI = Path(sys.executable).with_name("leerwiki")
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Wiki:
    """A running `leerwiki serve` with its accounts; stored logins per role."""

    def __init__(self, root: Path, database_url: str, browser: Browser, **env: str) -> None:
        self.root = root
        self.database_url = database_url
        self.browser = browser
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = root / "serve.log"
        (root / "cwd").mkdir(exist_ok=True)
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEERWIKI_")}
        self.env = {
            **inherited,
            "LEERWIKI_DATABASE_URL": database_url,
            "LEERWIKI_INDEX_DIR": str(root / "index"),
            "LEERWIKI_SECRET_KEY": "browser-tests-" + "x" * 32,
            "LEERWIKI_CONTENT_DIR": str(CONTENT_DIR),
            "LEERWIKI_LOGIN_RATE_LIMIT": "1000 per minute",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.env.pop("FLASK_APP", None)
        self._states: dict[str, Any] = {}
        self._out = self.log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            [str(LEERWIKI), "serve", "--port", str(self.port)],
            cwd=root / "cwd",
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def create_accounts(self, roles: Iterable[str]) -> None:
        """`leerwiki users create` for these accounts, side by side (each is a process)."""
        made = []
        for account in (ACCOUNTS[role] for role in roles):
            args = [str(LEERWIKI), "users", "create", account.email, "--role", account.role]
            for option, value in (
                ("--municipality", account.municipality),
                ("--name", account.name),
                ("--organisation", account.organisation),
            ):
                if value:
                    args += [option, value]
            made.append(
                (
                    account,
                    subprocess.Popen(  # noqa: S603
                        args,
                        cwd=self.root / "cwd",
                        env=self.env,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                    ),
                )
            )
        failed = []
        for account, process in made:
            output, _ = process.communicate(PASSWORD + "\n", timeout=START_TIMEOUT)
            if process.returncode != 0:
                failed.append(f"users create {account.email} failed:\n{output}")
        if failed:
            pytest.fail("\n".join(failed))

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                pytest.fail(f"leerwiki serve exited with {code}:\n{self.output()}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own server on 127.0.0.1
                    self.base + "/api/v1/lessons?per_page=1", timeout=5
                ) as response:
                    # Served at once; the sample lessons come when the privacy scanner is ready.
                    if response.status == 200 and "Voorbeeldlessen geïmporteerd" in self.output():
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        pytest.fail(f"leerwiki serve did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def context(self, role: str | None = None) -> BrowserContext:
        """A new browser context on this server, signed in as `role` (None: anonymous)."""
        context = self.browser.new_context(
            base_url=self.base,
            locale="nl-NL",
            storage_state=self.storage_state(role) if role else None,
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def storage_state(self, role: str) -> Any:
        """Cookies of a signed-in session for `role`, signing in once through the form."""
        if role not in self._states:
            context = self.context()
            try:
                sign_in(context.new_page(), ACCOUNTS[role])
                self._states[role] = context.storage_state()
            finally:
                context.close()
        return self._states[role]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._out.close()


def start_wiki(
    tmp_path_factory: pytest.TempPathFactory,
    databases: Databases,
    browser: Browser,
    roles: Iterable[str] = tuple(ACCOUNTS),
    **env: str,
) -> Wiki:
    """A new server on a fresh database (migrated copy) and index, answering, with the
    accounts of these roles."""
    root = tmp_path_factory.mktemp("wiki")
    wiki = Wiki(root, databases.fresh(root), browser, **env)
    try:
        wiki.create_accounts(roles)  # while the server starts and loads the sample content
        wiki.wait_until_up()
    except BaseException:
        wiki.stop()
        databases.drop(wiki.database_url)
        raise
    return wiki


def stop_wiki(wiki: Wiki, databases: Databases) -> None:
    wiki.stop()
    databases.drop(wiki.database_url)
