"""Canonical tables, their columns and the header aliases that find them (SPEC §2)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


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
    "姓名", "学员姓名", "参训人员姓名", "申请人", "持证人", "持证人姓名", "人员姓名",
    "学员名称", "名称", "培训人员姓名", "职工姓名", "员工姓名", "个人姓名", "考生姓名",
    "name", "trainee name", "full name",
)  # fmt: skip
_ID = (
    "身份证号码", "身份证号", "公民身份号码", "身份证件号码", "证件号码", "18位身份证号",
    "身份证", "证件号", "身份证件号", "公民身份证号码", "公民身份证号", "社会保障号码",
    "社会保障号", "身份证号码（18位）", "证件号码（身份证）", "id number", "id no", "id",
    "idnumber", "id card", "id card no",
)  # fmt: skip
_OCCUPATION = (
    "培训工种", "职业（工种）", "职业(工种)", "职业(工种)名称", "培训职业", "培训专业",
    "培训项目", "工种", "职业", "职业名称", "鉴定工种", "证书工种", "培训工种（项目）",
    "职业（工种）名称", "工种名称", "培训职业（工种）", "申报职业", "申报工种", "鉴定职业",
    "考核职业", "考核工种", "培训项目名称", "职业工种", "项目名称",
    "职业资格名称", "技能等级认定职业", "认定职业", "鉴定职业（工种）", "occupation",
)  # fmt: skip
_LEVEL = (
    "培训等级", "技能等级", "鉴定等级", "证书等级", "等级", "工种等级", "职业等级", "level",
    "职业资格等级", "职业技能等级", "申报等级", "申报级别", "级别", "考核等级",
    "技工院校职业资格等级", "认定等级", "技能等级（职业资格等级）", "skill level",
)  # fmt: skip
_INSTITUTION = (
    "培训机构", "培训机构名称", "培训单位", "承训机构", "培训学校", "学校名称",
    "培训机构（印章）", "培训机构（盖章）", "培训单位名称", "承训单位", "定点培训机构",
    "institution", "training institution",
)  # fmt: skip
_INSTITUTION_CODE = ("统一社会信用代码", "机构代码", "institution code", "uscc")
_CLASS = (
    "班级编号", "培训班号", "班次", "班级名称", "班期", "开班编号", "培训班次", "批次",
    "班级", "班级号", "培训班级", "班级代码", "开班编号（班号）", "期次", "培训期次",
    "class", "class id", "class no",
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
                "电话号码",
                "手机",
                "联系手机",
                "phone number",
                "mobile",
            ),
            _c("institution", "text", True, *_INSTITUTION),
            _c("institution_code", "text", False, *_INSTITUTION_CODE),
            _c("class_id", "text", True, *_CLASS),
            _c("occupation", "occupation", True, *_OCCUPATION),
            _c("level", "level", False, *_LEVEL),
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
                "开始时间",
                "开课日期",
                "开课时间",
                "培训开始",
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
                "结束时间",
                "结课日期",
                "结课时间",
                "培训结束",
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
                "证书颁发日期",
                "颁证日期",
                "颁证时间",
                "获证时间",
                "获证日期",
                "发证时间（获证时间）",
                "发放时间",
                "证书发放时间",
                "证书发放日期",
                "issue date",
            ),
            _c(
                "cert_type",
                "text",
                False,
                "证书类型",
                "证书名称",
                "证书种类",
                "职业资格证书名称",
                "certificate type",
            ),
            _c(
                "issuer",
                "text",
                False,
                "发证机构",
                "鉴定机构",
                "评价机构",
                "颁证机构",
                "发证机关",
                "颁证单位",
                "职业资格证书颁发单位",
                "发证单位",
                "认定机构",
                "评价机构名称",
                "issuer",
            ),
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
            _c(
                "subsidy_type",
                "subsidy",
                True,
                "补贴类型",
                "补贴项目",
                "补贴类别",
                "补贴类型名称",
                "补贴种类",
                "subsidy type",
            ),
            _c(
                "amount",
                "amount",
                True,
                "金额",
                "补贴金额",
                "支付金额",
                "拨付金额",
                "实发金额",
                "实发",
                "补贴标准",
                "发放金额",
                "补贴金额（元）",
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
                "发放时间",
                "拨付时间",
                "支付时间",
                "补贴时间",
                "补贴发放时间",
                "到账日期",
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
                "银行卡号（社保卡号）",
                "社会保障卡卡号",
                "一卡通账号",
                "社保卡账号",
                "银行卡账号",
                "银行账户",
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

PERIODS: dict[str, dict[str, tuple[str, str]]] = {
    "trainees": {"period": ("start_date", "end_date")},
}
"""Headers whose one cell holds two dates (`2024.03.01-2024.03.20`): the pseudo column
and the two canonical columns it fills when the table has neither."""
PERIOD_ALIASES = (
    "培训时间", "培训起止时间", "培训起止日期", "培训期间", "起止时间", "起止日期",
    "培训日期", "培训周期", "培训时间段", "开班起止时间", "开结班时间", "training period",
)  # fmt: skip

NOT_COLUMNS = (
    "序号", "编号", "备注", "民族", "年龄", "出生年月", "出生日期", "文化程度", "学历", "籍贯",
    "政治面貌", "户籍地址", "户籍所在地", "家庭住址", "现住址", "工作单位", "单位", "职务",
    "职称", "职称等级", "职级", "职类", "岗位", "部门", "成绩", "考核成绩", "考核结果",
    "理论成绩", "实操成绩", "签名", "本人签字", "学员签字", "签到", "是否合格", "就业状态",
    "就业单位", "职业培训补贴标准", "培训补贴标准", "培训费", "人数", "合计",
    "证件类型", "身份类型", "性质", "学号", "考号", "准考证号",
)  # fmt: skip
"""Headers real forms carry that are no canonical column, though a word of theirs is an
alias's (职称等级 is not 等级, 职业培训补贴标准 is not 职业): they take no column."""

KNOWN_PREFIXES = (
    "学员", "参训", "参训人员", "培训人员", "培训", "人员", "学生", "本人", "个人", "持证人",
    "申请人", "申报", "报名", "所属", "所在", "获证", "实际", "补贴", "发放",
)  # fmt: skip
"""Words that may stand before an alias without changing what it names (学员姓名)."""
KNOWN_SUFFIXES = ("名称", "全称", "号码", "代码", "编号", "日期", "时间", "名", "号")
"""Words that may stand after an alias without changing what it names (培训机构名称)."""

SCORE_EXACT, SCORE_NOTE, SCORE_ENGLISH, SCORE_AFFIX, SCORE_TOKEN = 100, 90, 80, 60, 40
"""How sure a header match is: the whole text is an alias; it is once its `（…）` note
is dropped; the English half of a bilingual header is; a known word before or after an
alias; it ends in an alias after a short qualifier (申报工种)."""

_SPACES = re.compile(r"[\s\u200b\ufeff\u3000]+")
_MARKS = re.compile(r"[:：*＊#△▲★☆※\"'“”‘’]")
_NOTE = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]")
_BILINGUAL = re.compile(r"^(.*[\u3400-\u9fff)\]】])[\s_/|-]*([a-z][a-z0-9 _./-]*)$")


@dataclass(frozen=True)
class HeaderForms:
    """A header cell in the forms it is compared in."""

    full: str
    """NFKC, lower case, no spaces or marks, brackets half-width"""
    core: str
    """`full` without its `（…）` notes (units, hints: 身份证号码（18位）)"""
    english: str
    """the English half of a bilingual header (培训项目名称_training_project_name)"""


def header_forms(text: object) -> HeaderForms:
    """Normalise one header cell: full-width, spaces, line breaks, marks, notes, and the
    English half of a bilingual system's header."""
    if text is None:
        return HeaderForms("", "", "")
    s = unicodedata.normalize("NFKC", str(text)).lower().strip()
    s = _MARKS.sub("", s)
    english = ""
    if m := _BILINGUAL.match(s):
        s, english = m.group(1), _SPACES.sub("", m.group(2)).strip("_./-")
    s = _SPACES.sub("", s)
    core = _NOTE.sub("", s) or s
    return HeaderForms(s, core, english)


def normalise_header(text: object) -> str:
    """The form in which a header and an alias are compared whole."""
    return header_forms(text).full


@dataclass(frozen=True)
class Vocabulary:
    """The aliases of one table (and the user's), normalised once."""

    table: str
    exact: dict[str, str]
    """normalised alias (full and core form) -> column; the user's first"""
    cores: dict[str, str]
    """alias core (two characters or more) -> column, for the affix and token matches"""
    ignored: frozenset[str]
    scored: dict[str, tuple[str, int] | None] = field(default_factory=dict, compare=False)
    """header text -> score_header's answer (a sheet's first rows are scored for every
    table, the same texts again and again)"""


_VOCABULARIES: dict[tuple, Vocabulary] = {}


def vocabulary(table: str, extra_aliases: dict[str, list[str]] | None = None) -> Vocabulary:
    """The aliases `table`'s columns answer to; `extra_aliases` (column -> aliases, from
    the policy file) win over the built-in ones."""
    key = (table, tuple(sorted((k, tuple(v)) for k, v in (extra_aliases or {}).items())))
    if key in _VOCABULARIES:
        return _VOCABULARIES[key]
    spec = TABLES[table]
    pairs: list[tuple[str, str]] = []
    for column, aliases in (extra_aliases or {}).items():
        pairs += [(a, column) for a in aliases]
    for col in spec.columns:
        pairs += [(a, col.name) for a in col.aliases]
    for period in PERIODS.get(table, {}):
        pairs += [(a, period) for a in (period, *PERIOD_ALIASES)]
    exact: dict[str, str] = {}
    cores: dict[str, str] = {}
    for alias, column in pairs:
        forms = header_forms(alias)
        for form in (forms.full, forms.core):
            if form:
                exact.setdefault(form, column)
        if len(forms.core) >= 2:
            cores.setdefault(forms.core, column)
    user = {header_forms(a).full for aliases in (extra_aliases or {}).values() for a in aliases}
    ignored = frozenset(header_forms(a).full for a in NOT_COLUMNS) - user
    found = Vocabulary(table, exact, cores, ignored)
    _VOCABULARIES[key] = found
    return found


def score_header(text: object, vocab: Vocabulary) -> tuple[str, int] | None:
    """The column one header cell names and how sure that is (SCORE_*), or None.

    A header is matched whole: never because an alias occurs somewhere inside it."""
    key = "" if text is None else str(text)
    if key in vocab.scored:
        return vocab.scored[key]
    found = _score_header(key, vocab)
    if len(vocab.scored) < 100_000:
        vocab.scored[key] = found
    return found


_FACT = re.compile(r"^[^：:]{1,20}[：:]\s*\S")
"""`姓名：张三` is a fact written above a table (or a form's field), never a header."""


def _score_header(text: str, vocab: Vocabulary) -> tuple[str, int] | None:
    if _FACT.match(unicodedata.normalize("NFKC", text)):
        return None
    forms = header_forms(text)
    if not forms.full or forms.full in vocab.ignored or forms.core in vocab.ignored:
        return None
    if forms.full in vocab.exact:
        return vocab.exact[forms.full], SCORE_EXACT
    if forms.core in vocab.exact:
        return vocab.exact[forms.core], SCORE_NOTE
    if forms.english and forms.english in vocab.exact and not _has_cjk(forms.core):
        return vocab.exact[forms.english], SCORE_ENGLISH
    core = forms.core
    for suffix in KNOWN_SUFFIXES:
        if core.endswith(suffix) and core[: -len(suffix)] in vocab.cores:
            return vocab.cores[core[: -len(suffix)]], SCORE_AFFIX
    for prefix in KNOWN_PREFIXES:
        if core.startswith(prefix) and core[len(prefix) :] in vocab.cores:
            return vocab.cores[core[len(prefix) :]], SCORE_AFFIX
    for cut in (1, 2):  # a qualifier of one or two characters before an alias (申报工种)
        rest, alias = core[:cut], core[cut:]
        if (
            alias in vocab.cores
            and alias not in KNOWN_SUFFIXES  # 材料名称 is no 名称 (a person's name)
            and _has_cjk(alias)
            and _has_cjk(rest)
            and rest not in vocab.ignored
            and rest not in vocab.cores
        ):
            return vocab.cores[alias], SCORE_TOKEN
    if forms.english and forms.english in vocab.exact:
        return vocab.exact[forms.english], SCORE_ENGLISH
    return None


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@dataclass
class HeaderMapping:
    """The best one-to-one assignment of a row's header cells to canonical columns."""

    columns: dict[str, int]
    """canonical column (or a period pseudo column) -> index of its header cell"""
    scores: dict[str, int]
    """canonical column -> how sure (SCORE_*)"""
    ties: dict[str, list[int]]
    """canonical column -> the indices of headers that named it as surely as the one
    chosen (the leftmost wins): reported, never silently settled"""


def assign_headers(headers: list[object], vocab: Vocabulary) -> HeaderMapping:
    """Score every header cell, then give each column the header that names it most
    surely, each header one column at most (the leftmost wins a tie and the tie is kept)."""
    hits = []
    for index, text in enumerate(headers):
        hit = score_header(text, vocab)
        if hit is not None:
            hits.append((hit[1], index, hit[0]))
    # A header names one column only (score_header gives one), so the one-to-one
    # assignment is the best header per column: taken by score, then from the left.
    hits.sort(key=lambda h: (-h[0], h[1]))
    columns: dict[str, int] = {}
    scores: dict[str, int] = {}
    ties: dict[str, list[int]] = {}
    for score, index, column in hits:
        if column not in columns:
            columns[column], scores[column] = index, score
        elif scores[column] == score:
            ties.setdefault(column, [columns[column]]).append(index)
    return HeaderMapping(columns, scores, ties)


def map_headers(
    headers: list[object], table: str, extra_aliases: dict[str, list[str]] | None = None
) -> dict[str, int]:
    """canonical column -> index of the header that names it, for a list of header
    strings (a sheet's header row, a Parquet file's column names)."""
    return assign_headers(headers, vocabulary(table, extra_aliases)).columns


def nearest_alias(column: str, headers: list[str], table: str) -> str | None:
    """The header found that is closest to one of `column`'s aliases (for the message
    of a missing column), by shared characters; None when nothing is close."""
    best: tuple[float, str] | None = None
    aliases = [header_forms(a).core for a in TABLES[table].column(column).aliases]
    for header in headers:
        core = header_forms(header).core
        if not core:
            continue
        for alias in aliases:
            if not alias:
                continue
            common = set(core) & set(alias)
            shared = len(common) / len(set(core) | set(alias))
            if len(common) >= 2 and shared >= 0.5 and (best is None or shared > best[0]):
                best = (shared, header)
    return best[1] if best else None
