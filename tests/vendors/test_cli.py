from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import tenderwatch.cli.vendors  # noqa: F401  (registers the command group)
from tenderwatch.cli.app import app

runner = CliRunner()


def _json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_match_json_explains_scores(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["vendors", "match", "浙江大华技术有限公司", "DS-2CD", "-d", str(tmp_path), "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    first, second = _json_lines(result.output)
    assert first["decision"] == "match"
    assert first["candidates"][0]["entity_id"] == "dahua"  # type: ignore[index]
    assert first["candidates"][0]["features"][0]["name"] == "core_exact"  # type: ignore[index]
    assert second["candidates"][0]["entity_id"] == "hikvision"  # type: ignore[index]


def test_show_ls_and_unknown(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["vendors", "show", "megvii", "-d", str(tmp_path)])
    assert shown.exit_code == 0 and "北京旷视科技有限公司" in shown.output
    missing = runner.invoke(app, ["vendors", "show", "nope", "-d", str(tmp_path)])
    assert missing.exit_code == 3
    listed = runner.invoke(app, ["vendors", "ls", "--listed", "-d", str(tmp_path), "-f", "json"])
    ids = {row["id"] for row in _json_lines(listed.output)}
    assert {"hikvision", "dahua", "sensetime"} <= ids and "uniview" not in ids


def test_import_then_match_then_judge(tmp_path: Path) -> None:
    lists = tmp_path / "list.jsonl"
    company = {
        "id": "NK-9",
        "schema": "Company",
        "properties": {"name": ["测试视频监控有限公司"]},
        "datasets": ["test"],
    }
    lists.write_text(json.dumps(company, ensure_ascii=False) + "\n{bad\n", encoding="utf-8")
    data = str(tmp_path / "data")
    imported = runner.invoke(app, ["vendors", "import", str(lists), "-d", data, "-f", "json"])
    assert imported.exit_code == 2  # one line was malformed; the rest was imported
    summary = _json_lines(imported.output)[0]
    assert summary["entities"] == 1 and summary["error_count"] == 1
    matched = runner.invoke(
        app, ["vendors", "match", "测试视频监控有限公司", "-d", data, "-f", "json"]
    )
    assert _json_lines(matched.output)[0]["candidates"][0]["entity_id"] == "NK-9"  # type: ignore[index]
    judged = runner.invoke(
        app,
        [
            "vendors",
            "judge",
            "测试视频监控有限公司",
            "NK-9",
            "not_same",
            "-u",
            "reviewer",
            "-d",
            data,
        ],
    )
    assert judged.exit_code == 0, judged.output
    again = runner.invoke(
        app, ["vendors", "match", "测试视频监控有限公司", "-d", data, "-f", "json"]
    )
    assert _json_lines(again.output)[0]["decision"] == "no_match"
