"""No file the project ships keeps the markers of an unresolved merge."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = {".py", ".md", ".yaml", ".yml", ".toml", ".js", ".css", ".html", ".sh", ".json"}
    return [REPO / name for name in listed if Path(name).suffix in suffixes]


def test_no_tracked_file_holds_merge_conflict_markers() -> None:
    marked = [
        str(path.relative_to(REPO))
        for path in tracked_text_files()
        if path.exists()
        and any(line.startswith(MARKERS) for line in path.read_text(errors="replace").splitlines())
    ]
    assert marked == []
