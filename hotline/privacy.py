"""Redaction of personal data (ID numbers, phone numbers, bank cards, addresses, emails, names,
and numbers spoken in Chinese digits).

Raw text stays only in the case record (citizens, utterances, cases). Everything that leaves
it (audit log, analytics, exports, packets, application logs) goes through `redact`.
"""
from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote, unquote_plus

_CN_DIGIT = "零〇一二三四五六七八九幺两"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 18-digit resident ID (last char may be X), and the old 15-digit form
    ("身份证号", re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")),
    # bank cards: 16-19 digits (never starting with 0), optionally grouped by spaces or dashes
    ("银行卡号", re.compile(r"(?<!\d)[1-9](?:[ -]?\d){15,18}(?!\d)")),
    # mobile numbers, optional +86
    ("手机号", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    # other countries' and regions' numbers: +852 9123 4567, +85291234567
    ("电话", re.compile(r"(?<![0-9A-Za-z+])\+\d{1,3}(?:[ -]?\d){6,12}(?!\d)")),
    # mobile numbers spoken as Chinese digits (ASR output)
    ("手机号", re.compile(rf"(?:幺|一)[{_CN_DIGIT}]{{10}}")),
    # landlines: area code (or area code in brackets) + number, optional extension:
    # 0755-86001234, (0755)86001234, （0755）8600 1234, 0755 8600 1234, 0755-86001234-123
    ("电话", re.compile(r"(?<!\d)(?:[(（]0\d{2,3}[)）] ?|0\d{2,3}[ \-－]?)(?:\d{7,8}|\d{3,4}[ -]\d{4})"
                       r"(?:(?:[-－]|转)\d{1,5})?(?!\d)")),
    ("邮箱", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
]


# --- addresses --------------------------------------------------------------------------------
# An address is a run of levels: province, city, district/county, town/street office, road/
# village/estate, house number ("广东省深圳市宝安区西乡街道", "XX县XX镇XX村3组",
# "XX花园5号楼2单元301室"). Chinese has no spaces, so a place name is a short run of characters
# before a level suffix, and some characters never occur in one.

def _cjk_except(excluded: str) -> str:
    """A character class: the CJK ideographs (U+4E00-U+9FA5) without `excluded`, plus the
    placeholders of anonymised documents (XX县, ××村)."""
    ranges, start = [], 0x4E00
    for code in sorted({ord(c) for c in excluded}):
        if code > start:
            ranges.append(f"{chr(start)}-{chr(code - 1)}")
        start = code + 1
    ranges.append(f"{chr(start)}-{chr(0x9FA5)}")
    return "[" + "".join(ranges) + "Xx×＊*]"


# Never part of a place name but often right before one ("我住在", "位于", "搬到"), so not
# swallowed into the redaction.
_N = _cjk_except("的了是我你他她它们在住址这那么吗呢吧啊把被给让就都也还很请说想要有没不号于从向往对为由"
                 "离跟与或并而但该各每此其到去来个")
# a level suffix that begins another word: 县级, 村民, 村庄, 区域, 区划, 路标, 乡镇, 社区矫正 ...
_END = r"(?![级庄民域划标镇矫戒])\s?"
_PROVINCE_NAME = ("北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
                  "海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门")
_PROVINCE = rf"(?:{_PROVINCE_NAME})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)"
_CITY = rf"(?:{_N}{{2,9}}?自治州|{_N}{{2,4}}?(?:市|州|盟))\s?"
_DISTRICT = rf"(?:{_N}{{2,9}}?自治(?:县|旗)|{_N}{{1,4}}?(?:县|旗)|{_N}{{2,4}}?区){_END}"
_TOWN = rf"{_N}{{2,5}}?(?:街道|镇|乡){_END}"
_STREET = (rf"{_N}{{2,7}}?(?:大道|大街|路|街|巷|胡同|弄|新村|村|屯|小区|花园|公寓|大厦|社区|家园|苑|广场|工业区|"
           rf"工业园){_END}")
_NUM = r"(?:第?[0-9０-９一二三四五六七八九十百千零〇两]+[A-Za-z]?|[A-Za-z])"
_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|室|楼|层|组|户|弄)"
_HOUSE = (rf"{_NUM}{_UNIT}(?:[-－#之]?{_NUM}{_UNIT})*"
          r"(?:(?<=[栋幢座元楼])[-－]?[0-9０-９]{1,5}(?![0-9０-９年月日号元万岁天个]))?")  # 3栋502

_ADDRESS = re.compile(
    rf"(?=(?:{_PROVINCE_NAME})|{_CITY}|{_DISTRICT}|{_TOWN}|{_STREET})"  # (fast: no empty matches)
    rf"(?:(?:{_PROVINCE_NAME})(?P<province>省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?\s?)?"
    rf"(?P<city>(?:{_CITY}){{1,2}})?(?P<district>{_DISTRICT})?(?P<town>{_TOWN})?(?P<street>(?:{_STREET}){{1,3}})?"
    rf"(?P<number>{_HOUSE})?"
)
# Words built like a level that name no place: 直辖市, 城镇, 农村, 行政区, 公路 ... (some only when
# alone: 南山区 and 东城区 are places).
_GENERIC = re.compile(
    r"(?:直辖市|城市|农村|乡村|城乡|城镇|乡镇|行政区|规划区|建成区|市区|老区|居民区|功能区|保护区|贸易区|情报区|"
    r"文教区|开发区|风景区|景区|辖区|片区|灾区|库区|地区|道路|公路|铁路|线路|出路|航路|行驶路)\s?$"
    r"|^(?:自治州|自治县|自治旗|城区|园区|矿区|郊区|山区|牧区|林区)\s?$"
)
# Institutions named after the place they serve are nobody's address: 深圳市宝安区人民法院,
# 南山区南头街道人民调解委员会, 北京市朝阳区人力资源和社会保障局, XX村村民委员会 ...
_INSTITUTION = re.compile(
    rf"{_N}{{0,4}}?(?:人民|法院|中级|高级|中院|检察|政府|公安|派出所|司法|法律援助|公共法律|仲裁|劳动人事|劳动争议|"
    r"劳动监察|劳动保障|人力资源|人社|市场监|税务|住房|住建|卫生|教育|民政|财政|交通|自然资源|信访|妇联|工会|委员会|"
    r"村委|居委|村民委员会|居民委员会|办事处|管委会|管理局|分局|公证|法庭|律师|不动产|医保|社保|社会保险|残联|城管|调解|"
    r"信用社|支行|分行)"
)


def _level(text: str | None) -> bool:
    return bool(text) and not _GENERIC.search(text)


def _address(match: re.Match[str]) -> str:
    """The run found by `_ADDRESS` is an address if a level is followed by a house number, or
    if it has two levels one of which is district/county or finer (so "北京市高级人民法院",
    "广东省工资支付条例" and "广东省深圳市" are kept) and no institution is named after it."""
    found = match.group(0)
    levels = [_level(match.group(g)) for g in ("province", "city", "district", "town", "street")]
    if match.group("number") and any(levels):
        return "【地址】"
    if sum(levels) >= 2 and any(levels[2:]) and not _INSTITUTION.match(match.string, match.end()):
        return "【地址】" + found[len(found.rstrip()):]
    return found


# --- numbers in Chinese digits, or mixed with Arabic ones (ASR output, "三五零1021990...") --------
_DIGITS = "0-9０-９零〇一二三四五六七八九幺两"
_CN_RUN = re.compile(rf"(?<![{_DIGITS}])[{_DIGITS}](?:[ \-]?[{_DIGITS}]){{6,}}[Xx]?(?![{_DIGITS}])")


def _cn_number(match: re.Match[str]) -> str:
    run = match.group(0)
    if not any(c in _CN_DIGIT for c in run):
        return run  # Arabic only: the patterns below label it
    digits = [c for c in run if c not in " -"]
    n = len(digits)
    if n in (15, 18):
        return "【身份证号】"
    if n == 11 and digits[0] in "1一幺":
        return "【手机号】"
    if 16 <= n <= 19:
        return "【银行卡号】"
    return "【号码】"


# --- names: self-introductions and 姓名 fields ---------------------------------------------------
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文|司徒|夏侯|端木|独孤|南宫|西门"
_SURNAME = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
            "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁"
            "冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
            "宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_GIVEN = _cjk_except("的了是我你他她它在想要问请有没不和与及也就都说吗呢吧啊这那个从到因为被给叫啥什么怎")
_NAME = re.compile(rf"(?P<lead>我叫|我的名字(?:是|叫)|名字叫|姓名(?:是|为)?[:：]?\s*|本人(?:叫|是)?|我是)"
                   rf"(?P<name>(?:{_COMPOUND}|[{_SURNAME}]){_GIVEN}{{1,2}})")
NAME_KEYS = {"name", "applicant_name", "citizen_name", "full_name", "姓名"}


def mask_name(name: str | None) -> str:
    """A name for readers who may not see it: the surname only (张三 -> 张*, 欧阳娜娜 -> 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    surname = re.match(_COMPOUND, name)
    keep = surname.end() if surname else 1
    return name[:keep] + "*" * max(1, len(name) - keep)


def redact(text: str) -> str:
    """Replace personal data in `text` with a bracketed label, e.g. 【手机号】."""
    if not text:
        return text
    text = _NAME.sub(lambda m: m.group("lead") + "【姓名】", text)
    text = _CN_RUN.sub(_cn_number, text)
    for label, pattern in _PATTERNS:
        text = pattern.sub(f"【{label}】", text)
    return _ADDRESS.sub(_address, text)


# A digest, hash or opaque id (hex, or a UUID): never personal text, and redacting inside one
# (d064f12e【电话】fa6c...) would stop it from checking what it points to.
_DIGEST = re.compile(r"[0-9a-fA-F]{32,128}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (digests, hashes and UUIDs are kept as they are)."""
    if isinstance(value, str):
        return value if _DIGEST.fullmatch(value) else redact(value)
    if isinstance(value, dict):
        return {k: mask_name(v) if k in NAME_KEYS and isinstance(v, str) else redact_value(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


def mask_phone(phone: str | None) -> str:
    """A phone number for readers who may not see it: the first 3 and the last 2 digits
    (13812345678 -> 138******78, +85291234567 -> +852******67)."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if len(digits) < 7:
        return "*" * len(digits)
    return ("+" if phone.strip().startswith("+") else "") + digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


# --- application logs -------------------------------------------------------------------------

_URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}|\+")
_TRACEBACKS = logging.Formatter()


def redact_log_text(text: str) -> str:
    """`redact`, seeing through URL encoding: a request path or query string in an access log
    holds %E5%8F%B7 for '号', whose last digit would shelter the number after it."""
    if _URL_ESCAPE.search(text):
        path, sep, query = text.partition("?")
        decoded = unquote(path) + sep + unquote_plus(query)
        if decoded != text:
            redacted = redact(decoded)
            if redacted != decoded:
                return redacted
    return redact(text)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record: its arguments, its message, its traceback.

    Attach it to handlers, not loggers: a logger's filters do not see its child loggers' records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):  # already seen by another handler
            return True
        record._redacted = True
        if isinstance(record.args, tuple):
            record.args = tuple(redact_log_text(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_log_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = redact(record.msg) if record.args else redact_log_text(record.msg)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's own error to report
            message = None
        # what only shows once arguments are put into the message (a number logged as an int)
        if message is not None and not record.name.startswith("uvicorn.access"):  # its formatter unpacks args
            redacted = redact_log_text(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        return True


_FILTER = RedactingFilter()


def _attach(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(_FILTER)


def install_log_redaction() -> None:
    """Redact at every handler configured now (the root logger's, uvicorn's, any other logger's)
    and at logging's last-resort handler, which prints when no handler is configured.
    `hotline serve` also configures uvicorn's handlers with the filter (see hotline.cli)."""
    loggers = [logging.getLogger()]
    loggers += [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            _attach(handler)
    if logging.lastResort is not None:
        _attach(logging.lastResort)
