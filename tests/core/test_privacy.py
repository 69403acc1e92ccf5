"""Redaction of personal data."""
import pytest

from hotline.privacy import redact


@pytest.mark.parametrize("raw, label, secret", [
    ("我的身份证号是110101199003071234，请帮我查", "身份证号", "110101199003071234"),
    ("身份证44030019851212123X", "身份证号", "44030019851212123X"),
    ("手机13812345678", "手机号", "13812345678"),
    ("电话 +86 138 1234 5678 找我", "手机号", "138 1234 5678"),
    ("我电话幺三八一二三四五六七八九", "手机号", "幺三八一二三四五六七八九"),
    ("座机0755-86001234", "电话", "86001234"),
    ("工资卡6222 0212 3456 7890 123", "银行卡号", "6222 0212 3456 7890 123"),
    ("卡号6217001234567890123", "银行卡号", "6217001234567890123"),
    ("我住在宝安区新安街道建安一路88号3栋502室", "地址", "建安一路88号"),
    ("邮箱 zhang.san@example.com", "邮箱", "zhang.san@example.com"),
])
def test_personal_data_is_redacted(raw: str, label: str, secret: str) -> None:
    out = redact(raw)
    assert secret not in out
    assert f"【{label}】" in out


def test_ordinary_text_is_kept() -> None:
    text = "老板拖欠了三个月工资，一共两万块，2025年3月15号入职，劳动合同法第三十条"
    assert redact(text) == text
