"""A clone stays clean: what `slackapp sandbox` writes in the folder it runs from (its database,
the SQLite files beside it, what its workspace shows) is ignored by git, while it runs and after."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import eventually
from tests.sandbox.test_cli import free_port, page_answers

ROOT = Path(__file__).resolve().parents[2]


def _untracked(folder: Path) -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=folder, capture_output=True, text=True, check=True)
    return [line[3:] for line in status.stdout.splitlines() if line.startswith("??")]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_what_the_sandbox_writes_is_ignored_by_git(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "add", ".gitignore"], cwd=tmp_path, check=True)
    port = free_port()
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update(PORT=str(port), PYTHONPATH=str(ROOT))
    with open(tmp_path.parent / f"{tmp_path.name}-sandbox.log", "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "slackapp", "sandbox"], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: process.poll() is None and page_answers(port) and (tmp_path / "sandbox.json").exists(), timeout=60)
        written = {path.name for path in tmp_path.iterdir()} - {".git", ".gitignore"}
        assert {"sandbox.db", "sandbox.json"} <= written
        assert _untracked(tmp_path) == [], written
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert _untracked(tmp_path) == []
