"""The commands README.md and docs/ tell operators to run work as written.

Every `celery`, `gunicorn` and `python manage.py` line of a shell block in the README and
docs/*.md is run as written, from the project directory, in a clean embedded-mode
environment, with `--help` appended (celery loads the app and checks every option before it
prints its help; manage.py finds the command) or, for gunicorn, `--check-config` (which
imports the WSGI application). So the documentation cannot drift from what the tools accept:
the worker command once given, `celery -A candor worker --workdir src`, fails with "The
module candor was not found", because celery's `--workdir` must come before `-A`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_process import child_env

PROJECT_DIR = Path(__file__).resolve().parent.parent
DOCUMENTS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
TOOLS = ("celery ", "gunicorn ", "python manage.py ")
BIN = Path(sys.executable).parent


def documented_commands() -> list[tuple[str, str]]:
    """(document, command line) for each tool line of each ```sh block."""
    found = []
    for document in DOCUMENTS:
        for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", document.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                command = re.split(r"\s+#", line.strip(), maxsplit=1)[0].strip()
                if command.startswith(TOOLS):
                    found.append((document.name, command))
    return found


COMMANDS = documented_commands()


def run_checked(command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    if words[0] == "python":
        words[0] = sys.executable
    else:
        words[0] = str(BIN / words[0])
    words.append("--check-config" if Path(words[0]).name == "gunicorn" else "--help")
    env = child_env(tmp_path, "documented-commands-test-key")
    del env["PYTHONPATH"]  # as an operator runs them: only the commands' own options find src/
    return subprocess.run(
        words,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documents_give_the_commands_to_run():
    """The control: the worker, beat and web commands are all found."""
    lines = [command for _, command in COMMANDS]
    assert any(" worker" in c for c in lines) and any(" beat" in c for c in lines)
    assert any(c.startswith("gunicorn ") for c in lines)
    assert any(c.startswith("python manage.py process_unsubscribe_mail") for c in lines)


@pytest.mark.parametrize(("document", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_a_documented_command_runs_as_written(document, command, tmp_path):
    result = run_checked(command, tmp_path)
    assert result.returncode == 0, f"{document}: {command}\n{result.stdout}\n{result.stderr}"
    if command.startswith("celery "):
        subcommand = next(w for w in ("worker", "beat") if f" {w}" in command)
        assert f"Usage: celery {subcommand}" in result.stdout


def test_the_check_catches_the_command_that_was_documented_wrongly(tmp_path):
    """`--workdir` after the subcommand is too late for `-A`: the check sees it fail."""
    result = run_checked("celery -A candor worker --workdir src --concurrency 2", tmp_path)
    assert result.returncode != 0
    assert "The module candor was not found." in result.stdout + result.stderr
    misspelt = run_checked("celery --workdir src -A candor worker --concurrenc 2", tmp_path)
    assert misspelt.returncode != 0
