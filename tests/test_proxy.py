"""LEERWIKI_TRUST_PROXY under a real `leerwiki serve` (issue 13): behind a TLS proxy the
X-Forwarded-* headers reach the app, so HTTPS pages get HSTS and Secure cookies and each
client has its own login limit; without the setting a client cannot forge them."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from test_serve import LEERWIKI, Server

USER = "proxy@example.nl"
LIMIT = 3  # failed sign-ins per client per minute in these servers


def start(tmp: Path, databases: Any, trust: bool, *args: str) -> tuple[Server, str]:
    """A server on its own empty database, with an author made by the command line."""
    content = tmp / "content"
    content.mkdir()
    database_url = databases.fresh(tmp, empty=True)
    env = {
        **os.environ,
        "LEERWIKI_DATABASE_URL": database_url,
        "LEERWIKI_INDEX_DIR": str(tmp / "index"),
        "LEERWIKI_CONTENT_DIR": str(content),  # nothing to import: a quicker start
        "LEERWIKI_SECRET_KEY": "x" * 32,
        "LEERWIKI_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "LEERWIKI_PRIVACY_WORKERS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLASK_APP", None)
    env.pop("LEERWIKI_TRUST_PROXY", None)
    if trust:
        env["LEERWIKI_TRUST_PROXY"] = "1"
    server = Server(tmp, env, tmp / "serve.log", args)
    try:
        server.wait_until_up()
        subprocess.run(  # noqa: S603 - our own command line
            [LEERWIKI, "users", "create", USER, "--role", "author", "--municipality", "Tilburg"],
            env={**env, "LEERWIKI_INDEX_DIR": str(tmp / "index-cli")},
            input=PASSWORD + "\n", text=True, check=True, capture_output=True,
        )  # fmt: skip
    except BaseException:
        server.stop()
        raise
    return server, database_url


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory, databases: Any) -> Iterator[Server]:
    server, url = start(tmp_path_factory.mktemp("trusted"), databases, True)
    yield server
    server.stop()
    databases.drop(url)


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory: pytest.TempPathFactory, databases: Any) -> Iterator[Server]:
    server, url = start(tmp_path_factory.mktemp("untrusted"), databases, False)
    yield server
    server.stop()
    databases.drop(url)


class Client:
    """One browser behind the proxy: its own cookies, its own forwarded address."""

    def __init__(self, server: Server, headers: dict[str, str]) -> None:
        self.server = server
        self.headers = headers
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own server over http
            self.server.base + path, data=body, headers=self.headers
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read().decode()

    def sign_in(self, password: str) -> int:
        """GET the form (CSRF token and session cookie), then POST it; the status."""
        status, _, page = self.request("/login")
        assert status == 200
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert found, page
        status, _, _ = self.request(
            "/login", {"csrf_token": found.group(1), "email": USER, "password": password}
        )
        return status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A successful sign-in answers 302; keep it as the answer."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "wiki.example.nl"}


def test_a_tls_proxy_gives_hsts_secure_cookies_and_its_host(trusted: Server) -> None:
    status, headers, _ = Client(trusted, {**HTTPS, "X-Forwarded-For": "198.51.100.1"}).request(
        "/login"
    )
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie
    _, _, feed = Client(trusted, HTTPS).request("/recent.atom")
    assert '<link rel="self" href="https://wiki.example.nl/recent.atom"/>' in feed


def test_plain_http_through_the_proxy_stays_plain(trusted: Server) -> None:
    _, headers, _ = Client(trusted, {"X-Forwarded-Proto": "http"}).request("/login")
    assert "Strict-Transport-Security" not in headers
    assert "Secure" not in headers["Set-Cookie"]


def test_each_forwarded_client_has_its_own_login_limit(trusted: Server) -> None:
    guesser = Client(trusted, {"X-Forwarded-For": "203.0.113.7"})
    for _ in range(LIMIT):
        assert guesser.sign_in("wrong password here") == 401
    assert guesser.sign_in("wrong password here") == 429
    assert guesser.sign_in(PASSWORD) == 429  # that address is locked for now
    colleague = Client(trusted, {"X-Forwarded-For": "203.0.113.8"})
    assert colleague.sign_in(PASSWORD) == 302  # another client behind the same proxy


def test_without_the_setting_forwarded_headers_are_ignored(untrusted: Server) -> None:
    status, headers, _ = Client(untrusted, {**HTTPS, "X-Forwarded-For": "198.51.100.1"}).request(
        "/login"
    )
    assert status == 200
    assert "Strict-Transport-Security" not in headers
    assert "Secure" not in headers["Set-Cookie"]
    _, _, feed = Client(untrusted, HTTPS).request("/recent.atom")
    assert f'<link rel="self" href="{untrusted.base}/recent.atom"/>' in feed
    # A forged address does not buy more attempts: every client here is the proxy's address.
    for n in range(LIMIT):
        forged = Client(untrusted, {"X-Forwarded-For": f"192.0.2.{n}"})
        assert forged.sign_in("wrong password here") == 401
    assert Client(untrusted, {"X-Forwarded-For": "192.0.2.99"}).sign_in(PASSWORD) == 429


def test_several_processes_pass_the_headers_too(tmp_path: Path, databases: Any) -> None:
    server, url = start(tmp_path, databases, True, "--processes", "2")
    try:
        for _ in range(4):  # whichever worker answers
            _, headers, _ = Client(server, HTTPS).request("/login")
            assert headers["Strict-Transport-Security"] == "max-age=31536000"
            assert "Secure" in headers["Set-Cookie"]
    finally:
        server.stop()
        databases.drop(url)
