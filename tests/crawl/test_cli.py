"""`tenderwatch sources ls|test` and `watch --once` through the real command line app."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

import tenderwatch.cli.crawl  # noqa: F401  (registers the commands)
from tenderwatch.cli.app import app


def _write(source, tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    (folder / f"{source.name}.yaml").write_text(
        yaml.safe_dump(source.model_dump(mode="json"), allow_unicode=True), encoding="utf-8"
    )
    return folder


def test_sources_ls_lists_builtin_portals():
    result = CliRunner().invoke(app, ["sources", "ls", "--format", "json"])
    assert result.exit_code == 0, result.output
    names = {json.loads(line)["name"] for line in result.output.splitlines()}
    assert {"ccgp", "xinjiang", "yunnan"} <= names


def test_sources_test_reads_list_and_first_notice(portal, source, tmp_path, monkeypatch):
    monkeypatch.setenv("TENDERWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    folder = _write(source, tmp_path)
    result = CliRunner().invoke(
        app,
        ["sources", "test", "fixture", "--sources-dir", str(folder), "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "announced: 5" in result.output
    assert "示例采购项目1公告" in result.output
    assert "1 attachment(s)" in result.output and "/files/n1.txt" in result.output


def test_sources_test_fails_when_selectors_match_nothing(
    portal, make_source, tmp_path, monkeypatch
):
    monkeypatch.setenv("TENDERWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    listing = dict(make_source().listing.model_dump(), items="table.nothing tr")
    folder = _write(make_source(listing=listing), tmp_path)
    result = CliRunner().invoke(
        app,
        ["sources", "test", "fixture", "--sources-dir", str(folder), "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 4
    assert "selectors" in result.output


def test_unknown_source_and_bad_definition(tmp_path):
    result = CliRunner().invoke(app, ["sources", "test", "nope"])
    assert result.exit_code == 3
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "bad.yaml").write_text("name: bad\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["sources", "ls", "--sources-dir", str(folder)])
    assert result.exit_code == 2 and "bad.yaml" in result.output


def test_watch_once_reports_incomplete_crawls_with_exit_2(
    portal, source, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("TENDERWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("TENDERWATCH_CRAWL_BACKOFF_S", "0.01")
    monkeypatch.setenv("TENDERWATCH_WORKERS", "1")
    portal.state.announce = 7
    folder = _write(source, tmp_path)
    feed = tmp_path / "feed.xml"
    result = CliRunner().invoke(
        app,
        [
            "watch",
            "--once",
            "-s",
            "fixture",
            "--sources-dir",
            str(folder),
            "--date",
            "2024-01-05",
            "--data-dir",
            str(tmp_path / "data"),
            "--feed",
            str(feed),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "INCOMPLETE CRAWL of fixture" in result.output
    assert "announced 7 notices" in " ".join(result.output.split())
    assert feed.read_text(encoding="utf-8").startswith("<?xml")
