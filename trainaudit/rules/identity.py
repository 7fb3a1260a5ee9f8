"""I — identity: is the ID number a real, well-formed resident ID, and does it fit the person?"""

from __future__ import annotations

from ..ids import PROVINCE_CODES
from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import ID_SEX, ID_SHAPED, ID_TABLES, PERSON_SUBJECT, age_at, id_union

_RAW_SUBJECT = "coalesce(id_number, id_number__raw, '')"


def _id_rule_sql(where: str, extra: str = "") -> str:
    return f"""
        SELECT _table, _row, {_RAW_SUBJECT} AS subject, id_number, id_number__raw AS _value{extra}
        FROM ({id_union()}) ids
        WHERE {where}
    """


@rule(
    "I101",
    "id-format",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "ID '{_value}' is not 18 characters of digits with a digit or X last",
        "zh": "身份证号码“{_value}”格式错误（应为18位，末位为数字或X）",
    },
)
def id_format(ctx: RuleContext) -> str:
    """Not 18 characters of digits with a digit or X last, nor a 15-digit legacy number.

    Checked after normalisation (spaces, full-width digits, a lower-case x, dashes and
    quote wrappers are forgiven). Masked IDs are I112, not this rule.
    Example: 11010519491231002 (17 digits), 11O10519491231002X (letter O for zero).
    How to resolve: copy the number again from the ID card; never guess a digit.
    """
    # A cell of only dashes or quotes (—, '') is typed, not blank (D002 and the payment
    # rules go by the raw text), yet normalises to nothing: it is no ID either.
    return _id_rule_sql(
        "id_number__raw IS NOT NULL AND (id_number IS NULL OR (id_number NOT LIKE '%*%' "
        "AND NOT regexp_full_match(id_number, '[0-9]{17}[0-9X]')))"
    )


@rule(
    "I102",
    "id-checksum",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "ID check character wrong (GB 11643 MOD 11-2)",
        "zh": "身份证号码校验位错误（GB 11643）",
    },
)
def id_checksum(ctx: RuleContext) -> str:
    """The 18th character does not match the ISO 7064 MOD 11-2 check of the first 17.

    Catches every single mistyped digit and every swap of two neighbouring digits.
    A valid check character proves nothing about existence (fake IDs are trivial).
    How to resolve: re-type the ID from the card; a wrong check is always a wrong ID.
    """
    return _id_rule_sql("id_check_ok = FALSE")


@rule(
    "I103",
    "id-birthdate",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "birth date in the ID ({birth_text}) is not a real date or is in the future",
        "zh": "身份证号码中的出生日期（{birth_text}）不存在或晚于今天",
    },
)
def id_birthdate(ctx: RuleContext) -> str:
    """Positions 7–14 are not a real date (19900230) or lie after the audit date.

    Why it matters: an ID with an impossible birth date was typed wrong or invented;
    a checksum alone does not catch it (fake IDs with valid checks are easy to make).
    How to resolve: re-type the ID from the card.
    """
    return _id_rule_sql(
        f"{ID_SHAPED} AND (id_birth IS NULL OR id_birth > $audit_date)",
        ", substr(id_number, 7, 8) AS birth_text",
    )


_PROVINCES = ", ".join(f"'{c}'" for c in PROVINCE_CODES)


@rule(
    "I104",
    "id-region",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "ID starts with {region}, not a province-level code",
        "zh": "身份证号码前两位{region}不是省级行政区划代码",
    },
)
def id_region(ctx: RuleContext) -> str:
    """The first two digits are not a province (11–15, 21–23, 31–37, 41–46, 50–54, 61–65,
    71, 81, 82, 83). County codes change over time and old IDs keep old codes, so only
    the province is checked."""
    return _id_rule_sql(
        f"{ID_SHAPED} AND substr(id_number, 1, 2) NOT IN ({_PROVINCES})",
        ", substr(id_number, 1, 2) AS region",
    )


@rule(
    "I105",
    "id-mangled",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "ID '{_value}' was stored as a number by Excel; its last digits are lost",
        "zh": "身份证号码“{_value}”被Excel存成了数字，后几位已丢失，无法恢复",
    },
)
def id_mangled(ctx: RuleContext) -> str:
    """Excel stored the ID as a number and kept only 15 significant digits.

    Signs: the cell is a number cell (not text) holding more than 15 digits; text in
    scientific notation (1.10101E+17) or with a float tail (…0020.0); 18 digits ending
    in 000 that fail the check. The lost digits cannot be recovered, so the row is
    never silently repaired.
    How to resolve: set the column to Text (文本) in Excel and re-type the IDs.
    """
    return _id_rule_sql(
        "(id_number__numeric AND length(id_number) > 15)"
        " OR regexp_full_match(id_number__raw, '\\s*[0-9](\\.[0-9]+)?[eE]\\+?[0-9]+\\s*')"
        " OR regexp_full_match(id_number__raw, '\\s*[0-9]{15,}\\.[0-9]+\\s*')"
        " OR (id_number LIKE '%000' AND id_check_ok = FALSE)"
    )


@rule(
    "I106",
    "id-legacy",
    severity=Severity.INFO,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "15-digit legacy ID, matched as {id_number}",
        "zh": "15位旧身份证号码，已按18位{id_number}比对",
    },
)
def id_legacy(ctx: RuleContext) -> str:
    """A first-generation 15-digit number (valid until 2013), converted to 18 digits
    (19 inserted, check character added) so the same person is one key everywhere."""
    return _id_rule_sql("id_legacy")


@rule(
    "I112",
    "id-masked",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    any_table=True,
    column="id_number",
    message={
        "en": "ID '{_value}' is masked with *, it cannot be audited",
        "zh": "身份证号码“{_value}”含*号（已脱敏），无法核验",
    },
)
def id_masked(ctx: RuleContext) -> str:
    """The ID contains mask characters, as copied from a public notice (公示名单).
    A masked number matches nobody, so none of the person rules can protect the fund.
    How to resolve: take the full number from the internal system, not the notice."""
    return _id_rule_sql("id_number LIKE '%*%'")


@rule(
    "I107",
    "age-out-of-range",
    severity=Severity.WARNING,
    reads=("trainees",),
    column="id_number",
    message={
        "en": "aged {age} at class start, outside {age_min}–{age_max}",
        "zh": "开班时年龄{age}岁，超出{age_min}至{age_max}岁范围",
    },
)
def age_out_of_range(ctx: RuleContext) -> str:
    """Age at start_date (from the ID's birth date) outside the policy's working age:
    16–60 for men and 16–55 for women by default (seeds 000/004: 劳动年龄段内).

    It is a warning, not an error: some jurisdictions subsidise older people (seed 003
    encourages 老年群体). Switch it off with `age_check = false` or move the bounds.
    Cannot tell apart: a wrong birth date in the ID from a real out-of-range trainee.
    """
    age = age_at("start_date", "id_birth")
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number,
               age, $age_min AS age_min, age_max
        FROM (
            SELECT *, {age} AS age,
                   CASE WHEN {ID_SEX} = 'M' THEN $age_max_male ELSE $age_max_female END AS age_max
            FROM trainees
            WHERE {ID_SHAPED} AND id_birth IS NOT NULL AND start_date IS NOT NULL
        ) t
        WHERE $age_check AND (age < $age_min OR age > age_max)
    """


@rule(
    "I108",
    "gender-mismatch",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.gender",),
    column="gender",
    message={
        "en": "gender {gender__raw} but the ID's 17th digit says {id_sex}",
        "zh": "性别填写为“{gender__raw}”，身份证号码第17位表示{id_sex_label}",
    },
)
def gender_mismatch(ctx: RuleContext) -> str:
    """The gender column contradicts the ID's 17th digit (odd = male, even = female).

    Why it matters: a mismatch is a classic sign of a borrowed ID (冒名顶替).
    Cannot tell apart: a clerk's slip in the gender column from a borrowed identity.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number, gender__raw,
               CASE WHEN {ID_SEX} = 'M' THEN '男' ELSE '女' END AS id_sex_label,
               CASE WHEN {ID_SEX} = 'M' THEN 'male' ELSE 'female' END AS id_sex
        FROM trainees
        WHERE {ID_SHAPED} AND gender IS NOT NULL AND gender <> {ID_SEX}
    """
