"""Build the bundled example corpus from its text sources, and write examples/manifest.yaml.

    .venv/bin/python examples/build/make_examples.py            # rebuild examples/corpus/
    .venv/bin/python examples/build/make_examples.py --out DIR  # build somewhere else

Sources: examples/build/notices/*.txt (one notice each), archives.yaml (WARC and zip) and
damaged.yaml (deliberately unreadable files). Building into examples/ also regenerates the file
table in examples/README.md. The build is deterministic: the same sources give byte-identical
files, so the sha256 in the manifest (tenderwatch's document id) is stable. tests/examples/
rebuilds and compares.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from containers import PACKERS, ArchiveMeta, Member, load_archives
from notice_source import Notice, SourceError, load_notices
from pydantic import BaseModel, ConfigDict
from renderers import MEDIA_TYPES, RENDERERS

BUILD = Path(__file__).resolve().parent
EXAMPLES = BUILD.parent
RISK_ORDER = ["none", "low", "medium", "high"]

# How a corpus file is spoiled into an unreadable input (damaged.yaml names one per file).
DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "truncate": lambda data: data[: len(data) * 2 // 5],
    "empty": lambda data: b"",
}


class DamagedMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    source: str  # a standalone corpus file, relative to examples/
    damage: Literal["truncate", "empty"]
    description: str


def _damaged_entry(meta: DamagedMeta, original: dict[str, Any], data: bytes) -> dict[str, Any]:
    return {
        "file": meta.file,
        "format": original["format"],
        "media_type": original["media_type"],
        "extraction": "failed",
        "expected_risk": None,  # nothing can be read, so nothing can be judged
        "expected_categories": [],
        "description": meta.description,
        "damaged_from": meta.source,
        **_digest(data),
    }


def _labels(notice: Notice) -> dict[str, Any]:
    meta = notice.meta
    return {
        "format": "pdf" if meta.format == "pdf-scan" else meta.format,
        "media_type": MEDIA_TYPES[meta.format],
        "encoding": meta.encoding if meta.format in ("html", "txt") else None,
        "language": meta.language,
        "notice_type": meta.notice_type,
        "project_code": meta.project_code,
        "published": meta.published.isoformat(),
        "extraction": "ocr" if meta.format == "pdf-scan" else "text",
        "expected_risk": meta.risk,
        "expected_categories": sorted(meta.categories),
        "title": notice.title,
        "description": meta.description,
        "source": notice.source.relative_to(EXAMPLES).as_posix(),
    }


def _digest(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _archive_entry(meta: ArchiveMeta, members: list[Member], data: bytes) -> dict[str, Any]:
    labels = [{"member": n.meta.member, **_labels(n), **_digest(payload)} for n, payload in members]
    return {
        "file": meta.file,
        "format": meta.format,
        "media_type": MEDIA_TYPES[meta.format],
        "expected_risk": max((m["expected_risk"] for m in labels), key=RISK_ORDER.index),
        "expected_categories": sorted({c for m in labels for c in m["expected_categories"]}),
        "description": meta.description,
        **_digest(data),
        "members": labels,
    }


def build(out: Path) -> dict[str, Any]:
    """Render every source into ``out`` and return the manifest (also written there)."""
    notices = load_notices(BUILD / "notices")
    archives = load_archives(BUILD / "archives.yaml")
    known = {a.file for a in archives}
    entries: list[dict[str, Any]] = []
    members: dict[str, list[Member]] = {a.file: [] for a in archives}
    for notice in notices:
        data = RENDERERS[notice.meta.format](notice)
        if notice.meta.file is not None:
            target = out / notice.meta.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            entries.append({"file": notice.meta.file, **_labels(notice), **_digest(data)})
        elif notice.meta.archive in known:
            members[notice.meta.archive].append((notice, data))
        else:
            raise SourceError(f"{notice.source}: unknown archive {notice.meta.archive!r}")
    for meta in archives:
        if not members[meta.file]:
            raise SourceError(f"archives.yaml: {meta.file} has no members")
        members[meta.file].sort(key=lambda m: m[0].meta.member or "")
        data = PACKERS[meta.format](meta, members[meta.file])
        target = out / meta.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(_archive_entry(meta, members[meta.file], data))
    by_file = {e["file"]: e for e in entries}
    raw = yaml.safe_load((BUILD / "damaged.yaml").read_text("utf-8"))
    for damaged in (DamagedMeta.model_validate(item) for item in raw):
        if damaged.source not in by_file:
            raise SourceError(f"damaged.yaml: {damaged.source} is not a standalone corpus file")
        data = DAMAGES[damaged.damage]((out / damaged.source).read_bytes())
        target = out / damaged.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(_damaged_entry(damaged, by_file[damaged.source], data))
    entries.sort(key=lambda e: e["file"])
    manifest = {
        "about": "Ground truth for the tenderwatch example corpus; see examples/README.md. "
        "Generated by examples/build/make_examples.py; edit the sources, not this file.",
        "files": entries,
    }
    (out / "manifest.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=100), "utf-8"
    )
    return manifest


README_START = "<!-- files: generated by make_examples.py from manifest.yaml -->"
README_END = "<!-- end of files -->"


def _row(entry: dict[str, Any], name: str) -> str:
    kind = entry["format"] + (f" ({entry['encoding']})" if entry.get("encoding") else "")
    if entry.get("extraction") == "ocr":
        kind += ", scan"
    categories = ", ".join(entry.get("expected_categories") or []) or "-"
    cells = [
        name,
        kind,
        entry.get("language", "-"),
        entry.get("notice_type", "-"),
        entry.get("project_code") or "-",
        entry.get("expected_risk") or "unreadable",
        categories,
        entry["description"].replace("|", "/"),
    ]
    return "| " + " | ".join(cells) + " |"


def readme_table(manifest: dict[str, Any]) -> str:
    """The README's table of every file (archive members indented under their archive)."""
    lines = [
        "| file | format | lang | type | project code | risk | categories | description |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in manifest["files"]:
        lines.append(_row(entry, f"`{entry['file']}`"))
        lines += [_row(m, f"↳ `{m['member']}`") for m in entry.get("members", [])]
    return "\n".join(lines)


def update_readme(path: Path, manifest: dict[str, Any]) -> None:
    """Replace the generated table in README.md, keeping the hand-written text around it."""
    text = path.read_text("utf-8")
    head, start, rest = text.partition(README_START)
    _, end, tail = rest.partition(README_END)
    if not (start and end):
        raise SourceError(f"{path}: the generated-table markers are missing")
    path.write_text(f"{head}{start}\n{readme_table(manifest)}\n{end}{tail}", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=EXAMPLES, help="output folder [examples/]")
    args = parser.parse_args(argv)
    manifest = build(args.out)
    if (args.out / "README.md").exists():
        update_readme(args.out / "README.md", manifest)
    files = manifest["files"]
    listed = {e["file"] for e in files}
    for stale in sorted(p for p in (args.out / "corpus").rglob("*") if p.is_file()):
        if stale.relative_to(args.out).as_posix() not in listed:
            print(f"warning: {stale} has no source any more; delete it")
    documents = sum(len(e.get("members", [])) or 1 for e in files if "damaged_from" not in e)
    size = sum(e["bytes"] for e in files)
    print(f"{len(files)} files, {documents} notices, {size / 1e6:.2f} MB -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
