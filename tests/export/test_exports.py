import csv
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from openpyxl import load_workbook
from pydantic import ValidationError
from referencing import Registry, Resource

from tenderwatch.export import EXPORTERS, Table, make_bundle, records_from_store
from tenderwatch.facts import NoticeType
from tenderwatch.settings import Settings

OCDS = Path("/work/shared/ocds")
if not OCDS.is_dir():  # CI clones main with shared/ beside it
    OCDS = Path(__file__).resolve().parents[3] / "shared" / "ocds"


def render(bundle, name, table=Table.FACTS) -> bytes:
    out = io.BytesIO()
    EXPORTERS.get(name).write(bundle, out, table)
    return out.getvalue()


def test_registry_has_every_format():
    assert {"ocds", "ftm", "csv", "jsonl", "xlsx"} <= set(EXPORTERS.names())


def test_one_process_links_tender_award_contract(bundle):
    (linked,) = [p for p in bundle.processes if p.project_code == "XJKS-2024-0031"]
    assert [n.notice_type for n in linked.notices] == [
        NoticeType.TENDER,
        NoticeType.AWARD,
        NoticeType.CONTRACT,
    ]
    assert linked.stage is NoticeType.CONTRACT
    assert len(bundle.processes) == 2


def ocds_validator():
    registry = Registry()
    for name in ("release-schema.json", "release-package-schema.json"):
        schema = json.loads((OCDS / name).read_text("utf-8"))
        registry = registry.with_resource(
            schema["id"], Resource.from_contents(schema, default_specification=_draft4())
        )
    package_schema = json.loads((OCDS / "release-package-schema.json").read_text("utf-8"))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def _draft4():
    from referencing.jsonschema import DRAFT4

    return DRAFT4


def test_ocds_release_package_validates_against_the_official_schema(bundle):
    package = json.loads(render(bundle, "ocds"))
    errors = sorted(ocds_validator().iter_errors(package), key=str)
    assert not errors, [e.message for e in errors[:5]]
    releases = package["releases"]
    assert len(releases) == 4
    ocids = {r["ocid"] for r in releases}
    assert len(ocids) == 2  # one per process
    award = next(
        r for r in releases if r["tag"] == ["award"] and r["buyer"]["name"] == "莎车县公安局"
    )
    assert [a["value"]["amount"] for a in award["awards"]] == [2986000, 450000]
    assert award["parties"][0]["address"]["region"] == "新疆维吾尔自治区"
    tender = next(r for r in releases if r["tag"] == ["tender"])
    assert tender["tender"]["value"] == {"amount": 3500000, "currency": "CNY"}
    assert tender["tender"]["items"][1]["quantity"] == 200
    contract = next(r for r in releases if r["tag"] == ["contract"])
    assert contract["contracts"][0]["dateSigned"].startswith("2024-05-20")


def test_ocds_leaves_unreadable_amounts_out(bundle):
    package = json.loads(render(bundle, "ocds"))
    other = next(
        r for r in package["releases"] if r.get("buyer", {}).get("name") == "杭州市西湖区图书馆"
    )
    assert all("value" not in a for a in other.get("awards", []))


def test_the_ocid_prefix_is_a_setting(stored, bundle):
    _, store = stored
    ours = make_bundle(
        records_from_store(store), bundle.generated_at, Settings(ocds_ocid_prefix="ocds-abc123")
    )
    package = json.loads(render(ours, "ocds"))
    assert not list(ocds_validator().iter_errors(package))
    default = json.loads(render(bundle, "ocds"))
    assert [r["ocid"] for r in package["releases"]] == [
        r["ocid"].replace("ocds-tw0000-", "ocds-abc123-", 1) for r in default["releases"]
    ]
    with pytest.raises(ValidationError, match="ocds_ocid_prefix"):
        Settings(ocds_ocid_prefix="tw")  # OCDS prefixes are ocds- and six characters


def test_ocds_validator_catches_a_broken_release(bundle):
    package = json.loads(render(bundle, "ocds"))
    del package["releases"][0]["ocid"]
    assert list(ocds_validator().iter_errors(package))


def test_ftm_entities(bundle):
    lines = [json.loads(line) for line in render(bundle, "ftm").splitlines()]
    schemata = [e["schema"] for e in lines]
    assert schemata.count("PublicBody") == 2 and schemata.count("Contract") == 2
    assert len({e["id"] for e in lines}) == len(lines)
    awards = [e for e in lines if e["schema"] == "ContractAward"]
    assert {a["properties"]["amount"][0] for a in awards if "amount" in a["properties"]} >= {
        "2986000",
        "450000",
    }
    ftm = pytest.importorskip("followthemoney")
    ids = {e["id"] for e in lines}
    for entity in lines:
        proxy = ftm.model.make_entity(entity["schema"])
        proxy.id = entity["id"]
        for prop, values in entity["properties"].items():
            proxy.add(prop, values)  # cleans each value; raises on an unknown property
            assert len(proxy.get(prop)) == len(values), (entity["schema"], prop, values)
            if proxy.schema.get(prop).type.name == "entity":
                assert set(values) <= ids  # references point at exported entities


def test_csv_tables(bundle):
    for table in Table:
        text = render(bundle, "csv", table).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][0] == "doc_id" and len(rows) > 1, table
    facts = list(
        csv.DictReader(io.StringIO(render(bundle, "csv", Table.FACTS).decode("utf-8-sig")))
    )
    bad = [r for r in facts if r["field"] == "amount.award" and r["error"]]
    assert bad and bad[0]["original"].startswith("'=")  # spreadsheet formula defused
    flags = list(
        csv.DictReader(io.StringIO(render(bundle, "csv", Table.FLAGS).decode("utf-8-sig")))
    )
    assert any(f["rule"].startswith("ethnic.") for f in flags)


def test_jsonl_and_xlsx(bundle):
    lines = [json.loads(line) for line in render(bundle, "jsonl").splitlines()]
    assert len(lines) == 4 and all(line["process_id"] for line in lines)
    book = load_workbook(io.BytesIO(render(bundle, "xlsx")), read_only=True)
    assert book.sheetnames == [t.value for t in Table]
    products = list(book["products"].iter_rows(values_only=True))
    assert {row[3] for row in products[1:]} == {"T4", "DS-2CD3T47WD-L"}
