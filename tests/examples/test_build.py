"""The corpus is reproducible from its text sources, and malformed sources are refused clearly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2
import pytest
import yaml
from rapidfuzz import fuzz

# Formats whose bytes come only from our own code; the others also depend on the versions of
# reportlab, Pillow, python-docx and openpyxl, so only their labels are compared.
OWN_BYTES = {"html", "txt"}


def _without_digests(entries: list[dict]) -> list[dict]:
    out = []
    for entry in entries:
        clean = {k: v for k, v in entry.items() if k not in ("sha256", "bytes")}
        if "members" in clean:
            clean["members"] = _without_digests(clean["members"])
        out.append(clean)
    return out


def test_rebuild_reproduces_the_committed_corpus(rebuilt: Path, examples_dir: Path) -> None:
    committed = yaml.safe_load((examples_dir / "manifest.yaml").read_text("utf-8"))
    fresh = yaml.safe_load((rebuilt / "manifest.yaml").read_text("utf-8"))
    assert _without_digests(fresh["files"]) == _without_digests(committed["files"])
    for entry in committed["files"]:
        if entry["format"] in OWN_BYTES:
            assert (rebuilt / entry["file"]).read_bytes() == (
                examples_dir / entry["file"]
            ).read_bytes(), f"{entry['file']}: rerun examples/build/make_examples.py"


def test_build_is_deterministic(rebuilt: Path, tmp_path: Path) -> None:
    import make_examples

    make_examples.build(tmp_path)
    first = sorted(p.relative_to(rebuilt) for p in rebuilt.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (rebuilt / name).read_bytes() == (tmp_path / name).read_bytes(), name


GOOD = """---
file: corpus/html/x.html
format: html
language: zh-Hans
notice_type: tender
project_code: X-1
published: 2024-01-02
risk: none
categories: []
description: d
---
# 标题
| 品名 | 数量 |
| 摄像机 | 2 |
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s, None),
        (lambda s: s.replace("risk: none", "risk: high"), "categories"),
        (lambda s: s.replace("format: html", "format: rtf"), "format"),
        (lambda s: s.replace("description: d", "description: d\ncolour: red"), "colour"),
        (lambda s: s.replace("file: corpus/html/x.html\n", ""), "either `file`"),
        (lambda s: s.replace("| 摄像机 | 2 |", "| 摄像机 |"), "cell count"),
        (lambda s: s.replace("# 标题", "标题"), "# title"),
        (lambda s: s.replace("description: d", "description: a: b"), "mapping values"),
        (lambda s: s.replace("format: html", "format: pdf\nencoding: big5"), "encoding"),
    ],
)
def test_malformed_sources_are_refused_with_the_file_name(change, message, tmp_path: Path):
    from notice_source import SourceError, Table, load_notice

    path = tmp_path / "notice.txt"
    path.write_text(change(GOOD), "utf-8")
    if message is None:
        notice = load_notice(path)
        assert notice.title == "标题"
        assert notice.blocks == (Table((("品名", "数量"), ("摄像机", "2"))),)
        return
    with pytest.raises(SourceError, match=message) as error:
        load_notice(path)
    assert str(path) in str(error.value)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_scans_are_readable_by_ocr(examples_dir: Path, readable_files, tmp_path: Path) -> None:
    """The scans are noisy but legible: tesseract recovers (nearly) the project code of each."""
    scans = [e for e in readable_files if e.get("extraction") == "ocr"]
    for entry in scans:
        pdf = pypdfium2.PdfDocument(examples_dir / entry["file"])
        try:
            image = tmp_path / "page.png"
            pdf[0].render(scale=200 / 72).to_pil().save(image)
        finally:
            pdf.close()
        text = subprocess.run(
            ["tesseract", str(image), "-", "-l", "chi_sim+eng"],
            capture_output=True,
            text=True,
            check=True,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
        ).stdout
        # OCR confuses look-alikes (J/I, 0/O), as on real scans; the code must still be close.
        assert fuzz.partial_ratio(entry["project_code"], text.replace(" ", "")) >= 85, text


def test_readme_lists_every_file_as_the_manifest_says(examples_dir: Path, manifest: dict) -> None:
    import make_examples

    readme = (examples_dir / "README.md").read_text("utf-8")
    table = readme.split(make_examples.README_START)[1].split(make_examples.README_END)[0]
    assert table.strip() == make_examples.readme_table(manifest)
    for entry in manifest["files"]:
        assert f"`{entry['file']}`" in table
