import pytest
import yaml

from tenderwatch.facts.products import (
    InvalidProducts,
    catalogue_text,
    find_products,
    parse_catalogue,
)

ENTRIES = yaml.safe_load(catalogue_text())["patterns"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_pattern_examples(entry):
    for example in entry["examples"]:
        assert any(p.pattern == entry["id"] for p in find_products(example)), example
    for counter in entry["counter_examples"]:
        assert not any(p.pattern == entry["id"] for p in find_products(counter)), counter


def test_every_pattern_cites_a_source():
    assert all(e.get("source", "").startswith("https://") for e in ENTRIES)


@pytest.mark.parametrize(
    ("text", "model", "maker"),
    [
        ("DS-1F01OO-AI", "DS-1F0100-AI", "Hikvision"),  # O read for 0
        ("1PC2122LR3-PF40-A", "IPC2122LR3-PF40-A", "Uniview"),  # 1 read for I
        ("GPU卡：A1OO 80GB", "A100", "NVIDIA"),
        ("8块英伟达T4显卡", "T4", "NVIDIA"),
        ("Atlas 300I Pro", "Atlas 300I Pro", "Huawei"),
    ],
)
def test_ocr_tolerant_normalisation(text, model, maker):
    found = find_products(text)
    assert [(p.model, p.maker) for p in found] == [(model, maker)]
    assert text[found[0].source.start : found[0].source.end] == found[0].source.text


def test_bad_catalogue():
    with pytest.raises(InvalidProducts):
        parse_catalogue("makers: {a: {name: A}}\npatterns:\n  - {id: x, maker: b, regex: 'X'}\n")
    with pytest.raises(InvalidProducts):
        parse_catalogue("makers: {a: {name: A}}\npatterns:\n  - {id: x, maker: a, regex: '(['}\n")
