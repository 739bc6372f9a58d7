"""`make proto-lint` runs `buf breaking` against the last commit on main (scripts/proto_breaking.sh): a
renumbered or removed field fails, an added one passes, and a clone without the previous commit says so."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUF = ROOT / "tools" / "node_modules" / "@bufbuild" / "buf-linux-x64" / "bin" / "buf"
SCRIPT = ROOT / "scripts" / "proto_breaking.sh"
EVENTS = Path("protos/yousync/analysis/v1/events.proto")


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def check(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(BUF)],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(repo), **env},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if not BUF.exists():
        pytest.fail("buf is missing: run `make _buf`")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "buf.yaml", repo)
    for folder in ("protos", "third_party"):
        shutil.copytree(ROOT / folder, repo / folder)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "protos")
    return repo


def edit(repo: Path, old: str, new: str) -> None:
    path = repo / EVENTS
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_renumbered_field_fails_against_main_and_an_added_one_passes(repo: Path) -> None:
    git(repo, "checkout", "-qb", "feature")
    edit(repo, "string job_id = 2;", "string job_id = 20;")
    broken = check(repo)
    assert broken.returncode != 0 and "merge base with main" in broken.stdout
    assert "TakeCompleted" in broken.stdout + broken.stderr

    git(repo, "checkout", "--", str(EVENTS))
    edit(repo, "string job_id = 2;", "string job_id = 2;\n  string note = 30;")
    assert check(repo).returncode == 0


def test_on_main_the_previous_commit_is_the_base_and_a_shallow_clone_says_it_skipped(
    repo: Path, tmp_path: Path
) -> None:
    edit(repo, "  string take_id = 3;\n", "")
    git(repo, "commit", "-qam", "remove a field")
    on_main = check(repo)
    assert on_main.returncode != 0 and "HEAD~1" in on_main.stdout
    assert "take_id" in on_main.stdout + on_main.stderr

    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(shallow))
    skipped = check(shallow)
    assert skipped.returncode == 0 and "SKIPPED" in skipped.stdout and "--deepen" in skipped.stdout
