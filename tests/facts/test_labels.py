from decimal import Decimal

import pytest

from tenderwatch.facts.labels import (
    InvalidLabels,
    clean_label,
    label_scale,
    load_labels,
    parse_labels,
)


def test_synonyms_map_to_fields():
    labels = load_labels()
    assert labels.field("采购单位名称") == "buyer"
    assert labels.field("三、中标（成交）供应商名称") == "supplier"
    assert labels.field("Project No.") == "project_code"
    assert labels.field("预算金额（万元）") == "budget"
    assert labels.item_column("规格型号") == "model"


def test_unit_in_label():
    assert label_scale("金额（万元）") == Decimal(10_000)
    assert label_scale("单价(元)") == Decimal(1)
    assert label_scale("金额") is None
    assert clean_label(" 1. 项目 编号 ") == "项目编号"


@pytest.mark.parametrize(
    "text",
    [
        "- just a list",
        "fields: {nonsense: [x]}\nitems: {}\nsections: {}\nsection_fields: {}",
        "fields: {buyer: 采购人}\nitems: {}\nsections: {}\nsection_fields: {}",
    ],
)
def test_malformed_label_files_fail_loudly(text):
    with pytest.raises(InvalidLabels):
        parse_labels(text)
