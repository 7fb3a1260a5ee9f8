"""Canonical tables, their columns and the header aliases that find them (SPEC §2)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    """text | id | date | level | amount | number | gender | phone | subsidy | occupation | status"""
    required: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    label_zh: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str, required: bool, *aliases: str) -> Column:
    return Column(name, kind, required, (name, *aliases))


_NAME = (
    "姓名",
    "学员姓名",
    "参训人员姓名",
    "申请人",
    "持证人",
    "持证人姓名",
    "name",
    "trainee name",
)
_ID = (
    "身份证号码", "身份证号", "公民身份号码", "身份证件号码", "证件号码", "18位身份证号",
    "身份证", "id number", "id no", "id", "idnumber", "id card",
)  # fmt: skip
_OCCUPATION = (
    "培训工种", "职业（工种）", "职业(工种)", "职业(工种)名称", "培训职业", "培训专业",
    "培训项目", "工种", "职业", "职业名称", "鉴定工种", "证书工种", "occupation",
)  # fmt: skip
_LEVEL = (
    "培训等级", "技能等级", "鉴定等级", "证书等级", "等级", "工种等级", "职业等级", "level",
    "skill level",
)  # fmt: skip
_INSTITUTION = (
    "培训机构", "培训机构名称", "培训单位", "承训机构", "培训学校", "学校名称",
    "institution", "training institution",
)  # fmt: skip
_INSTITUTION_CODE = ("统一社会信用代码", "机构代码", "institution code", "uscc")
_CLASS = (
    "班级编号", "培训班号", "班次", "班级名称", "班期", "开班编号", "培训班次", "批次",
    "班级", "class", "class id", "class no",
)  # fmt: skip

TABLES: dict[str, TableSpec] = {
    "trainees": TableSpec(
        "trainees",
        (
            _c("name", "text", True, *_NAME),
            _c("id_number", "id", True, *_ID),
            _c("gender", "gender", False, "性别", "sex"),
            _c(
                "phone",
                "phone",
                False,
                "联系电话",
                "手机号码",
                "手机号",
                "联系方式",
                "电话",
                "phone number",
                "mobile",
            ),
            _c("institution", "text", True, *_INSTITUTION),
            _c("institution_code", "text", False, *_INSTITUTION_CODE),
            _c("class_id", "text", True, *_CLASS),
            _c("occupation", "occupation", True, *_OCCUPATION),
            _c("level", "level", True, *_LEVEL),
            _c(
                "start_date",
                "date",
                True,
                "开班日期",
                "培训开始日期",
                "开班时间",
                "培训开始时间",
                "培训起始日期",
                "开始日期",
                "start date",
            ),
            _c(
                "end_date",
                "date",
                True,
                "结业日期",
                "培训结束日期",
                "结业时间",
                "培训结束时间",
                "培训截止日期",
                "结束日期",
                "end date",
            ),
            _c("hours", "number", False, "培训课时", "学时", "课时", "hours"),
            _c(
                "county",
                "text",
                False,
                "县区",
                "县(市、区)",
                "县（市、区）",
                "所属县区",
                "区县",
                "county",
            ),
            _c(
                "category",
                "text",
                False,
                "人员类别",
                "人员类型",
                "培训对象类别",
                "身份类别",
                "category",
            ),
        ),
        "培训人员花名册",
    ),
    "certificates": TableSpec(
        "certificates",
        (
            _c(
                "cert_no",
                "text",
                True,
                "证书编号",
                "证书号",
                "结业证书编号",
                "职业资格证书编号",
                "证书号码",
                "certificate no",
                "certificate number",
            ),
            _c("name", "text", True, *_NAME),
            _c("id_number", "id", True, *_ID),
            _c("occupation", "occupation", True, *_OCCUPATION),
            _c("level", "level", True, *_LEVEL),
            _c(
                "issue_date",
                "date",
                True,
                "发证日期",
                "发证时间",
                "取证时间",
                "证书获取时间",
                "取证日期",
                "issue date",
            ),
            _c("cert_type", "text", False, "证书类型", "证书名称", "证书种类", "certificate type"),
            _c("issuer", "text", False, "发证机构", "鉴定机构", "评价机构", "issuer"),
        ),
        "证书清单",
    ),
    "payments": TableSpec(
        "payments",
        (
            _c(
                "payment_id",
                "text",
                True,
                "支付编号",
                "流水号",
                "支付流水号",
                "付款编号",
                "payment id",
                "payment no",
            ),
            _c("id_number", "id", False, *_ID),
            _c("name", "text", False, *_NAME),
            _c(
                "institution",
                "text",
                True,
                *_INSTITUTION,
                "收款单位",
                "收款机构",
                "收款人",
                "payee",
            ),
            _c("class_id", "text", False, *_CLASS),
            _c("occupation", "occupation", False, *_OCCUPATION),
            _c("level", "level", False, *_LEVEL),
            _c("subsidy_type", "subsidy", True, "补贴类型", "补贴项目", "补贴类别", "subsidy type"),
            _c(
                "amount",
                "amount",
                True,
                "金额",
                "补贴金额",
                "支付金额",
                "拨付金额",
                "实发金额",
                "amount",
            ),
            _c(
                "pay_date",
                "date",
                True,
                "支付日期",
                "拨付日期",
                "发放日期",
                "付款日期",
                "pay date",
                "payment date",
            ),
            _c(
                "account",
                "phone",
                False,
                "银行账号",
                "银行卡号",
                "社保卡号",
                "社会保障卡号",
                "账号",
                "收款账号",
                "account",
                "bank account",
            ),
        ),
        "补贴支付清单",
    ),
    "institutions": TableSpec(
        "institutions",
        (
            _c("institution", "text", True, *_INSTITUTION, "机构名称"),
            _c("institution_code", "text", False, *_INSTITUTION_CODE),
            _c("status", "status", True, "状态", "机构状态", "信用状态", "status"),
            _c("banned_from", "date", False, "禁入日期", "禁入起始日期", "banned from", "ban date"),
        ),
        "培训机构名录",
    ),
    "watchlist": TableSpec(
        "watchlist",
        (
            _c("id_number", "id", True, *_ID),
            _c("reason", "text", False, "原因", "类别", "备注", "reason"),
            _c("since", "date", False, "起始日期", "日期", "since"),
        ),
        "比对名单",
    ),
    "occupations": TableSpec(
        "occupations",
        (
            _c("occupation", "occupation", True, *_OCCUPATION),
            _c("level", "level", False, *_LEVEL),
        ),
        "补贴职业目录",
    ),
}

MAIN_TABLES = ("trainees", "certificates", "payments")

_UNIT_SUFFIX = re.compile(r"[（(](元|人民币|天|学时|小时|yuan)[）)]$")
_DROP = re.compile(r"[\s\u200b\ufeff:：*＊#]")


def normalise_header(text: object) -> str:
    """The form in which headers and aliases are compared: NFKC, no spaces, no unit suffix."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _DROP.sub("", s).lower()
    s = _UNIT_SUFFIX.sub("", s)
    return s


def alias_table(spec: TableSpec, extra: dict[str, list[str]] | None = None) -> dict[str, str]:
    """normalised alias -> canonical column, user aliases first so they win."""
    out: dict[str, str] = {}
    for column, aliases in (extra or {}).items():
        for alias in aliases:
            out.setdefault(normalise_header(alias), column)
    for col in spec.columns:
        for alias in col.aliases:
            out.setdefault(normalise_header(alias), col.name)
    return out


def match_header(header: str, aliases: dict[str, str]) -> tuple[str, int] | None:
    """Canonical column for one header cell and how sure we are (3 exact, 2 suffix, 1 contains)."""
    key = normalise_header(header)
    if not key:
        return None
    if key in aliases:
        return aliases[key], 3
    best: tuple[int, int, str] | None = None
    for alias, column in aliases.items():
        # Short Latin aliases ("id") would match inside unrelated words ("paid").
        if len(alias) < 2 or (alias.isascii() and len(alias) < 4) or alias not in key:
            continue
        score = (2 if key.endswith(alias) else 1, len(alias), column)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None:
        return None
    return best[2], best[0]


def map_headers(headers: list[str], aliases: dict[str, str]) -> dict[str, int]:
    """canonical column -> index of the header cell that maps to it (best match wins)."""
    chosen: dict[str, tuple[int, int]] = {}
    for index, header in enumerate(headers):
        hit = match_header(header, aliases)
        if hit is None:
            continue
        column, strength = hit
        if column not in chosen or strength > chosen[column][1]:
            chosen[column] = (index, strength)
    return {column: index for column, (index, _) in chosen.items()}
