"""Hostile lesson files: YAML aliases (a "billion laughs"), huge values and numbers. Each is
rejected quickly with a short, specific reason, through the real `import-content` command."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from wiki.services.errors import ECHO_LIMIT, MESSAGE_LIMIT, shorten

HEADER = "---\ntitle: Bom\nmunicipality: Tilburg\nowner: Wijkteam\nthemes: [onderwijs]\n"


def alias_bomb(levels: int) -> str:
    """Nine times nine times ... 'lol' under `type:`: a few hundred bytes of text."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    lines.append(f"type: [{','.join([f'*a{levels - 1}'] * 9)}]")
    return HEADER + "\n".join(lines) + "\n---\n\nTekst.\n"


def _import(runner: FlaskCliRunner, folder: Path) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = runner.invoke(args=["import-content", str(folder)])
    return result.exit_code, result.output, time.perf_counter() - started


@pytest.mark.parametrize("levels", [8, 9])
def test_an_alias_bomb_is_refused_at_once_with_a_short_message(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, levels: int
) -> None:
    text = alias_bomb(levels)
    assert len(text) < 600
    (tmp_path / "bom.md").write_text(text, encoding="utf-8")
    code, output, seconds = _import(runner, tmp_path)
    assert code == 1
    assert "rejected 1" in output
    assert "YAML-aliassen (&/*) worden niet ondersteund" in output
    assert len(output) < 1000, output[:2000]
    assert seconds < 1


@pytest.mark.parametrize(
    "front_matter",
    [
        "a: &x Tilburg\nmunicipality2: *x\n",  # a plain alias of a scalar
        "base: &b {level: household}\nextra:\n  <<: *b\n",  # a merge key is an alias too
        "loop: &l [*l]\n",  # a recursive one
    ],
)
def test_every_alias_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, front_matter: str
) -> None:
    (tmp_path / "les.md").write_text(
        HEADER + "type: generic\n" + front_matter + "---\n\nTekst.\n", encoding="utf-8"
    )
    code, output, _ = _import(runner, tmp_path)
    assert code == 1
    assert "YAML-aliassen (&/*) worden niet ondersteund" in output


@pytest.mark.parametrize(
    ("front_matter", "field", "reason"),
    [
        ("type: " + "x" * 100_000, "(type)", "is niet toegestaan"),
        ("type: [" + ", ".join(["generic"] * 20_000) + "]", "(type)", "moet tekst zijn"),
        ("type: generic\nmunicipality2: 1\nslug: " + "é" * 50_000, "(slug)", "geen geldige slug"),
        ("type: generic\nyear: " + "9" * 5_000, "front matter", "ongeldige YAML"),
        ("type: generic\nyear: " + "9" * 4_000, "(year)", "geen jaartal"),
        ("type: generic\nthemes: [" + "q" * 150 + "]", "(themes)", "onbekend thema"),
        ("type: generic\nthemes: [" + "q" * 100_000 + "]", "(themes)", "langer dan 200"),
    ],
)
def test_huge_values_are_echoed_short(
    app: Flask,
    runner: FlaskCliRunner,
    tmp_path: Path,
    front_matter: str,
    field: str,
    reason: str,
) -> None:
    text = HEADER.replace("themes: [onderwijs]\n", "") if "themes:" in front_matter else HEADER
    (tmp_path / "les.md").write_text(text + front_matter + "\n---\n\nTekst.\n", encoding="utf-8")
    code, output, seconds = _import(runner, tmp_path)
    assert code == 1
    assert f"{field}: " in output and reason in output, output[:2000]  # "Type les (type): ..."
    assert len(output) < 1000, output[:2000]
    assert seconds < 2


def test_shorten_bounds_every_kind_of_value() -> None:
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]
    assert len(shorten("x" * 10**6)) == ECHO_LIMIT
    assert shorten("x" * 10**6).endswith("…")
    assert shorten("kort") == "kort"
    assert shorten("a\nb\x00\ud800") == "a\\nb\\x00\\ud800"
    assert len(shorten(deep)) <= ECHO_LIMIT
    assert len(shorten([["lol"] * 9] * 9)) <= ECHO_LIMIT
    assert shorten(10**5000) == "…"
    assert len(shorten("y" * 10**4, MESSAGE_LIMIT)) == MESSAGE_LIMIT
