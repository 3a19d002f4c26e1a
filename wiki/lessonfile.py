"""The lesson file format: Markdown with YAML front matter. The only module that reads or
writes it, so import and export round-trip through one definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext
from frontmatter.default_handlers import YAMLHandler

from wiki.services.errors import shorten
from wiki.vocabulary import FRONT_MATTER_KEYS

_HANDLER = YAMLHandler()


class FileFormatError(Exception):
    """The file cannot be read as a lesson at all (before any field is checked)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class LessonFile:
    """A parsed file: its raw front matter (unchecked) and its Markdown body."""

    front_matter: dict[str, Any]
    body: str


def parse(data: bytes) -> LessonFile:
    """Parse the bytes of a lesson file; raises FileFormatError with a specific reason."""
    if not data.strip():
        raise FileFormatError("file", gettext("the file is empty"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            "file",
            gettext(
                "the file is not UTF-8 (invalid byte at position %(position)s)",
                position=exc.start,
            ),
        ) from exc
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not _HANDLER.detect(text):
        raise FileFormatError(
            "front matter", gettext("no front matter: the file must begin with '---'")
        )
    try:
        raw_yaml, body = _HANDLER.split(text)
    except ValueError as exc:
        raise FileFormatError(
            "front matter", gettext("the front matter is not closed with '---'")
        ) from exc
    try:
        meta = yaml.load(raw_yaml, Loader=_Loader)  # noqa: S506 - a safe loader
    except _AliasFound as exc:
        raise FileFormatError(
            "front matter",
            gettext(
                "invalid YAML (line %(line)s): YAML aliases (&/*) are not supported",
                line=exc.line + 2,
            ),
        ) from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 4,300+ digits
        raise FileFormatError(
            "front matter", gettext("invalid YAML: %(problem)s", problem=shorten(str(exc)))
        ) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        problem = shorten(getattr(exc, "problem", None) or str(exc))
        message = (
            gettext(
                "invalid YAML (line %(line)s): %(problem)s", line=where.line + 2, problem=problem
            )
            if where is not None
            else gettext("invalid YAML: %(problem)s", problem=problem)
        )
        raise FileFormatError("front matter", message) from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FileFormatError(
            "front matter", gettext("the front matter must consist of 'key: value' lines")
        )
    return LessonFile(front_matter={str(k): v for k, v in meta.items()}, body=normalise_body(body))


def normalise_body(body: str) -> str:
    """Bodies are stored without leading blank lines and with one final newline."""
    body = body.replace("\r\n", "\n").strip("\n")
    lines = [line.rstrip() for line in body.split("\n")]
    return "\n".join(lines).strip("\n") + "\n" if any(lines) else ""


def dump(front_matter: dict[str, Any], body: str) -> str:
    """Serialise a lesson in the canonical form: known keys in contract order, then others."""
    ordered = {k: front_matter[k] for k in FRONT_MATTER_KEYS if _present(front_matter.get(k))}
    ordered.update(
        {k: v for k, v in front_matter.items() if k not in ordered and k not in FRONT_MATTER_KEYS}
    )
    header = yaml.dump(
        ordered,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=4096,
    )
    return f"---\n{header}---\n\n{normalise_body(body)}"


def _present(value: Any) -> bool:
    return value not in (None, "", [])


class _AliasFound(Exception):
    """The front matter repeats a node through an alias (*name)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"alias at line {line + 1}")
        self.line = line


# libyaml's safe loader when present (about 10x faster on bulk imports), else the pure one.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, refusing aliases: a few hundred bytes of nested aliases (a "billion
    laughs") expand into billions of values once validated or shown, and the file format
    has no use for them."""

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()
        if node is not None:
            _refuse_aliases(node)
        return node


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise _AliasFound when any node is reached twice (an alias shares its anchor's node).

    Iterative, and each node is visited once, so the walk costs what the text costs."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound(node.start_mark.line)
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


class _Dumper(yaml.SafeDumper):
    """A safe dumper that writes multi-line strings as readable block scalars."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
