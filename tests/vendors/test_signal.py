from __future__ import annotations

from tenderwatch.model import Severity
from tenderwatch.vendors import VendorIndex, sanctioned_flag
from tenderwatch.vendors.signal import RULE_ID


def test_listed_supplier_raises_a_signal_quoting_mention_and_references(index: VendorIndex) -> None:
    mention = "杭州海康威视数字技术股份有限公司"
    flag = sanctioned_flag(index.match(mention), index, page=2, start=40, context="中标供应商：")
    assert flag is not None
    assert (flag.rule, flag.signal, flag.severity) == (RULE_ID, True, Severity.MEDIUM)
    assert (flag.text, flag.page, flag.start, flag.end) == (mention, 2, 40, 40 + len(mention))
    assert flag.context.startswith("中标供应商：\n「杭州海康威视数字技术股份有限公司」 matched")
    assert "FR Doc. 2019-22210 <https://federalregister.gov/d/2019-22210>" in flag.context
    assert flag.ruleset_version.startswith("vendors-")


def test_subsidiary_signal_names_the_listed_parent(index: VendorIndex) -> None:
    flag = sanctioned_flag(index.match("萤石网络"), index)
    assert flag is not None and "(parent 杭州海康威视数字技术股份有限公司)" in flag.context


def test_no_signal_for_unlisted_review_or_removed(index: VendorIndex) -> None:
    assert sanctioned_flag(index.match("浙江宇视科技有限公司"), index) is None  # not listed
    assert sanctioned_flag(index.match("杭州海康威视系统技术有限公司"), index) is None  # review
    assert sanctioned_flag(index.match("大华银行"), index) is None
    zte = sanctioned_flag(index.match("中兴通讯"), index)
    assert zte is not None and "Entity List" not in zte.context  # removed 2017
    assert "FCC Covered List" in zte.context
