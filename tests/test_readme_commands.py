"""The README's two set-up commands: one line each, in a virtualenv, and CI runs the second."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of the README's first code block, without their comments."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_two_commands_that_make_and_use_a_virtualenv() -> None:
    serve, test = readme_commands()
    for command in (serve, test):
        # pip outside a virtualenv stops with "externally-managed-environment" (PEP 668).
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e "), command
        assert " pip install" not in command.replace(".venv/bin/pip install", "")
    assert serve.endswith("&& .venv/bin/leerwiki serve")
    assert test.endswith("&& .venv/bin/python -m pytest")


def test_ci_runs_the_readmes_test_command_word_for_word() -> None:
    _serve, test = readme_commands()
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in [line.strip() for line in ci.splitlines()]
