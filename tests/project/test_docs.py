"""The documentation keeps up with the code: settings page, command help, quick start."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from tenderwatch.cli import app
from tenderwatch.settings import settings_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_settings_page_matches_code() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert page == settings_markdown(), (
        "run: .venv/bin/python -m tenderwatch.settings > docs/settings.md"
    )


def _walk(command: object, path: str = "tenderwatch") -> list[tuple[str, object]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, f"{path} {name}"))
    return found


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    commands = _walk(root)
    assert len(commands) > 1
    for path, command in commands:
        assert getattr(command, "help", None), f"`{path}` has no help text"


def test_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "quick start needs a bash block"
    commands = [
        line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()
    ]
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), f".ci/run must call exactly `{commands[1]}`"


def test_every_command_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    for name in getattr(root, "commands", {}):
        assert f"`{name}" in readme, f"README's command table does not mention `{name}`"


def test_rendered_help_keeps_every_word_of_the_help_texts() -> None:
    # What --help prints must hold each option's help and each command's summary whole:
    # a help renderer may read "[default: ...]" as markup and drop it, or keep a
    # docstring's line breaks inside the summary that the command list shows.
    runner = CliRunner()
    root = typer.main.get_command(app)
    for path, command in _walk(root):
        args = path.split()[1:]
        shown = " ".join(
            runner.invoke(app, [*args, "--help"], env={"COLUMNS": "300"}).output.split()
        )
        for param in getattr(command, "params", []):
            for word in re.findall(r"\S+", param.help or ""):
                assert word.strip("`") in shown, f"`{path} --help` lost {word!r} of {param.name}"
        for name, sub in getattr(command, "commands", {}).items():
            summary = (sub.help or "").split("\n\n")[0]
            assert "\n" not in summary.strip(), f"`{path} {name}`: summary of one line"
            assert " ".join(summary.replace("`", "").split()) in shown, f"`{path}` lists {name}"
