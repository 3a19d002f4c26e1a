"""A YAML alias bomb (nine lists of nine, `--levels` deep, a few hundred bytes) through
`leerwiki import-content` on a fresh database: seconds, peak memory and bytes printed."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "---\ntitle: Bom\nmunicipality: Tilburg\nowner: Wijkteam\nthemes: [onderwijs]\n"


def bomb(levels: int) -> str:
    """Nine times nine times ... 'lol' under `type:`."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    lines.append(f"type: [{','.join([f'*a{levels - 1}'] * 9)}]")
    return HEADER + "\n".join(lines) + "\n---\n\nTekst.\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        folder.mkdir()
        text = bomb(args.levels)
        (folder / "bom.md").write_text(text, encoding="utf-8")
        env = {
            **os.environ,
            "LEERWIKI_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
            "LEERWIKI_INDEX_DIR": f"{tmp}/index",
        }
        leerwiki = str(Path(sys.executable).with_name("leerwiki"))
        subprocess.run([leerwiki, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        run = subprocess.run(
            [leerwiki, "import-content", str(folder)], env=env, capture_output=True, check=False
        )
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"file: {len(text.encode())} bytes, {args.levels} levels of aliases")
    print(f"import-content: exit {run.returncode}, {seconds:.2f} s, peak {peak} MB")
    print(f"output: {len(run.stdout) + len(run.stderr)} bytes")
    print((run.stderr + run.stdout).decode(errors="replace")[:300])


if __name__ == "__main__":
    main()
