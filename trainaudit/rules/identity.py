"""I — identity: is the ID number a real, well-formed resident ID, and does it fit the person?"""

from __future__ import annotations

from ..ids import PROVINCE_CODES
from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import ID_SEX, ID_SHAPED, ID_TABLES, NAME_KEY, PERSON_SUBJECT, age_at, id_union

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
    needs=("*.id_number",),
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
    # id_check_ok is null exactly where id_number is not 17 digits and a digit or X
    # (ids.id_facts): the same test as a regex, without running one on every ID
    return _id_rule_sql(
        "id_number__raw IS NOT NULL AND (id_number IS NULL OR (id_number NOT LIKE '%*%' "
        "AND id_check_ok IS NULL))"
    )


@rule(
    "I102",
    "id-checksum",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    needs=("*.id_number",),
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
    needs=("*.id_number",),
    any_table=True,
    column="id_number",
    message={
        "en": "birth date in the ID ({birth_text}) is not a real date, is before 1900 or is in the future",
        "zh": "身份证号码中的出生日期（{birth_text}）不存在、早于1900年或晚于今天",
    },
)
def id_birthdate(ctx: RuleContext) -> str:
    """Positions 7–14 are not a real date (19900230), lie before 1900-01-01 (00000101)
    or after the audit date.

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
    needs=("*.id_number",),
    any_table=True,
    column="id_number",
    message={
        "en": "ID starts with {region}, not a province-level code",
        "zh": "身份证号码前两位{region}不是省级行政区划代码",
    },
)
def id_region(ctx: RuleContext) -> str:
    """The first two digits are not a province (11–15, 21–23, 31–37, 41–46, 50–54, 61–65,
    71, 81, 82, 83), and the number is not a foreigner's permanent-residence ID of the
    2023 format (9, a province code, a nationality code, then birth date, sequence and
    check as in a resident ID). County codes change over time and old IDs keep old codes, so only
    the province is checked."""
    return _id_rule_sql(
        f"{ID_SHAPED} AND substr(id_number, 1, 2) NOT IN ({_PROVINCES})"
        # a foreigner's permanent-residence ID of the 2023 format: 9, then a province
        f" AND NOT (substr(id_number, 1, 1) = '9' AND substr(id_number, 2, 2) IN ({_PROVINCES}))",
        ", substr(id_number, 1, 2) AS region",
    )


_WS = "[ " + "".join(map(chr, (9, 10, 12, 13))) + "]"
"""RE2's \\s (space, tab, newline, form feed, return) as a class of the characters
themselves: a backslash in a regex would depend on how an engine unescapes string
literals (portable SQL, SPEC §6)."""


@rule(
    "I105",
    "id-mangled",
    severity=Severity.ERROR,
    reads=ID_TABLES,
    needs=("*.id_number",),
    any_table=True,
    column="id_number",
    message={
        "en": "ID '{_value}' {seen_en}",
        "zh": "身份证号码“{_value}”{seen_zh}",
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
    # each regex only where the text holds the letter or the dot it needs (a LIKE is cheap)
    signs = {
        "number": "(id_number__numeric AND length(id_number) > 15)",
        "scientific": "(id_number__raw ILIKE '%e%' AND regexp_matches(id_number__raw, "
        f"'^(?:{_WS}*[0-9]([.][0-9]+)?[eE][+]?[0-9]+{_WS}*)$'))",
        "decimal": "(id_number__raw LIKE '%.%' AND regexp_matches(id_number__raw, "
        f"'^(?:{_WS}*[0-9]{{15,}}[.][0-9]+{_WS}*)$'))",
        "zeroed": "(id_number LIKE '%000' AND id_check_ok = FALSE)",
    }
    # say what was seen: a text cell ending in 000 was not seen to be a number
    seen = {
        lang: "CASE "
        + " ".join(f"WHEN {signs[k]} THEN '{_seen(_MANGLED[k][lang])}'" for k in signs)
        + " END"
        for lang in ("en", "zh")
    }  # fmt: skip
    return _id_rule_sql(
        " OR ".join(signs.values()), f", {seen['en']} AS seen_en, {seen['zh']} AS seen_zh"
    )


_MANGLED = {
    "number": {
        "en": "was stored as a number by Excel (which shows {excel}); its last digits are lost",
        "zh": "被Excel存成了数字（Excel中显示为{excel}），后几位已丢失，无法恢复",
    },
    "scientific": {
        "en": "is in scientific notation, as Excel shows a long number; its last digits are lost",
        "zh": "是科学计数法（Excel显示长数字的写法），后几位已丢失，无法恢复",
    },
    "decimal": {
        "en": "has a decimal tail, as a number written out as text; its last digits may be lost",
        "zh": "带有小数部分（数字被转写成了文本），后几位可能已丢失",
    },
    "zeroed": {
        "en": "ends in 000 and fails the check digit: its tail looks zeroed, as Excel does "
        "to a long number",
        "zh": "以000结尾且校验位不符：末几位疑似被清零（Excel处理长数字时会这样）",
    },
}
"""What I105 saw, in the message (issue 14.12): only a number cell was seen to be one."""

_EXCEL_SHOWS = "regexp_replace(printf('%.5E', CAST(id_number AS DOUBLE)), '[.]?0+E', 'E')"
"""A long number as Excel's General format shows it (3.70523E+17): six significant
digits, trailing zeros dropped; the message quotes it beside the digits (issue 13.7)."""


def _seen(text: str) -> str:
    """A _MANGLED text as the body of an SQL string literal, {excel} computed per row."""
    return text.replace("{excel}", f"' || {_EXCEL_SHOWS} || '")


@rule(
    "I106",
    "id-legacy",
    severity=Severity.INFO,
    reads=ID_TABLES,
    needs=("*.id_number",),
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
    needs=("*.id_number",),
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
    needs=("trainees.id_number", "trainees.start_date"),
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
    needs=("trainees.gender", "trainees.id_number"),
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


# --- I109–I111: one ID, several names; one person, several IDs (issue 4) ---------------
# Appended below the format rules; imports sit here so the block stays self-contained.

import threading  # noqa: E402
import weakref  # noqa: E402

import pyarrow as pa  # noqa: E402
from rapidfuzz.distance import OSA, Hamming  # noqa: E402

LONG_NAME = 6
"""From this many characters a name is a transliteration (minority or foreign name),
where spelling variants are common: two edits still count as one name."""

_NAME_CONFLICTS = f"""
    WITH typed_twice AS (
        -- IDs with two names as typed: the IDs with two compared names are among them, and
        -- only their rows need the compared form
        SELECT id_number
        FROM trainees
        WHERE id_number IS NOT NULL AND id_number NOT LIKE '%*%' AND name IS NOT NULL
        GROUP BY id_number
        HAVING min(name) <> max(name)
    ),
    named AS (
        SELECT _row, id_number, name, {NAME_KEY} AS name_key
        FROM trainees
        WHERE name IS NOT NULL AND id_number IN (SELECT id_number FROM typed_twice)
    ),
    conflicted AS (
        SELECT id_number FROM named GROUP BY id_number HAVING count(DISTINCT name_key) > 1
    ),
    spellings AS (
        SELECT n.id_number, n.name_key, count(*) AS uses, min(n._row) AS first_row
        FROM named n JOIN conflicted c ON c.id_number = n.id_number
        GROUP BY n.id_number, n.name_key
    ),
    roster AS (
        SELECT id_number, name_key AS roster_key, first_row AS roster_row
        FROM spellings
        QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY uses DESC, first_row) = 1
    )
    SELECT n._row, n.id_number, n.name, n.name_key, r.roster_key, r.roster_row,
           f.name AS roster_name
    FROM named n
    JOIN roster r ON r.id_number = n.id_number
    JOIN named f ON f.id_number = r.id_number AND f._row = r.roster_row
    WHERE n.name_key <> r.roster_key
    ORDER BY n._row
"""
"""Every roster row whose name differs from its ID's roster name: the most frequent
name of the ID, ties going to the one seen first."""


def is_name_slip(a: str, b: str) -> bool:
    """True when two (compared-form) names differ by a one-character slip.

    Short names (2–5 characters: every Han name) must have the same length and differ
    in exactly one character (Hamming distance 1): 张伟/张玮, 王/汪 in the surname.
    Latin-script names may also differ by one inserted, dropped or swapped letter
    (OSA distance 1: Jon/John, Wnag/Wang). Long names (6+ characters, transliterated
    minority or foreign names) may differ by up to two edits (阿卜杜拉/阿布都拉).
    """
    if a == b:
        return False
    longest = max(len(a), len(b))
    if longest >= LONG_NAME:
        return OSA.distance(a, b) <= 2
    if a.isascii() and b.isascii():
        return OSA.distance(a, b) == 1
    return len(a) == len(b) and Hamming.distance(a, b) == 1


_CANDIDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""engine -> the I109/I110 candidate rows: both rules read the same query, run once."""
_CANDIDATES_LOCK = threading.Lock()
"""I109 and I110 run side by side (api._in_pairs): the second waits for the first's query."""


def _name_conflicts(ctx: RuleContext, slips: bool) -> pa.Table:
    """The candidate rows SQL found, kept when their kind (slip or not) is `slips`."""
    with _CANDIDATES_LOCK:
        if ctx.engine not in _CANDIDATES:
            found = ctx.engine.query("I109-I110 candidates", _NAME_CONFLICTS).to_pylist()
            _CANDIDATES[ctx.engine] = found
        rows = _CANDIDATES[ctx.engine]
    kept = [r for r in rows if is_name_slip(r["name_key"], r["roster_key"]) == slips]
    return pa.table(
        {
            "_table": pa.array(["trainees"] * len(kept), pa.string()),
            "_row": pa.array([r["_row"] for r in kept], pa.int64()),
            "subject": pa.array([r["id_number"] for r in kept], pa.string()),
            "id_number": pa.array([r["id_number"] for r in kept], pa.string()),
            "name": pa.array([r["name"] for r in kept], pa.string()),
            "_value": pa.array([r["name"] for r in kept], pa.string()),
            "roster_name": pa.array([r["roster_name"] for r in kept], pa.string()),
            "roster_row": pa.array([r["roster_row"] for r in kept], pa.int64()),
        }
    )


@rule(
    "I109",
    "id-name-conflict",
    severity=Severity.ERROR,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.name"),
    column="name",
    message={
        "en": "this ID is {roster_name} at row {roster_row}, but the name here is {name}: two different people",
        "zh": "同一身份证号在第{roster_row}行登记为“{roster_name}”，本行为“{name}”，姓名明显不是同一人",
    },
)
def id_name_conflict(ctx: RuleContext) -> pa.Table:
    """One ID number carries names that are clearly different people.

    The ID's roster name is its most frequent name (ties: the one on the earliest row);
    every row with another name is flagged, I109 when the names are clearly different,
    I110 when they differ by a slip. Names are compared after NFKC, with `·`, spaces
    and Latin case ignored (阿卜杜拉·艾力 = 阿卜杜拉艾力), so formatting is never a conflict.
    Threshold (rapidfuzz): a slip is a one-character difference at the same length
    (Hamming distance 1: 张伟/张玮), one edit for Latin names (OSA distance 1), up to two
    edits for transliterated names of 6+ characters. Anything else is a different
    person: 张伟/李强, 张伟/张伟明, 王芳/李娜. A similarity ratio cannot draw this line for
    2–4 character names: one slip in 张伟 scores 50, exactly like two changed characters
    in a four-character name, so the threshold is an edit count, not a percentage.
    What it catches: an ID borrowed or sold to someone else (冒名顶替), or an ID pasted
    onto the wrong person's row. Seed 001 makes the ID the one key of a training record.
    Example: 140105199001020011 is 李明 in class C1 (rows 2, 5) and 王强 in class C2
    (row 9) — row 9 is flagged.
    How to resolve: compare both rows with the ID card; correct the ID of the wrong row.
    Cannot tell apart: a legal change of name, a name written in pinyin on one row and in
    characters on another (Zhang Wei / 张伟), or traditional against simplified characters
    (張偉 / 张伟), from a different person using the ID. With only two rows of different
    names the first row is taken as the roster name, so the wrong one may be either.
    """
    return _name_conflicts(ctx, slips=False)


@rule(
    "I110",
    "id-name-variant",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.name"),
    column="name",
    message={
        "en": "name {name} is a near-identical variant of {roster_name}, the name of this ID at row {roster_row}: a typing slip?",
        "zh": "姓名“{name}”与同一身份证号第{roster_row}行的“{roster_name}”仅个别字不同，疑为录入错误",
    },
)
def id_name_variant(ctx: RuleContext) -> pa.Table:
    """One ID number carries near-identical names: a one-character slip (张伟/张玮).

    Same rows and same comparison as I109 (see there for the threshold): the ID's most
    frequent name is its roster name, and a row whose name differs from it by one
    character at the same length (one edit for Latin names, two for transliterated names
    of 6+ characters) is a variant rather than another person.
    Why it matters: the certificate and the payment must carry the holder's exact name;
    a homophone slip (张/章, 伟/玮) blocks matching against other systems.
    Example: 140105199001020011 is 张伟 on rows 2 and 5 and 张玮 on row 9 — row 9.
    How to resolve: correct the name to match the ID card.
    Cannot tell apart: a typing slip from an ID lent to a relative whose name differs by one
    character (brothers 张伟 and 张玮), or from a different person whose surname alone
    differs (张伟/李伟 is treated as a slip in the surname).
    """
    return _name_conflicts(ctx, slips=True)


@rule(
    "I111",
    "same-person-many-ids",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.name"),
    column="id_number",
    message={
        "en": "same name {name}, birth date {birth}, gender and region {region} as the ID first seen at row(s) {other_rows}: one person with {ids} ID numbers?",
        "zh": "与第{other_rows}行的身份证号姓名（{name}）、出生日期（{birth}）、性别和地区码（{region}）均相同，疑为同一人使用{ids}个身份证号",
    },
)
def same_person_many_ids(ctx: RuleContext) -> str:
    """The same name, birth date, gender and region under different ID numbers.

    Birth date is digits 7–14 of the ID, gender its 17th digit (odd male), region its
    first 6 digits; names compare as in I109 (`·`, spaces, Latin case ignored). All rows
    of each such ID are flagged, each naming the first row of the other ID(s).
    What it catches: one person enrolled under a second, invented or mistyped ID number
    to get past the once-per-occupation-and-level and three-a-year limits (重复享受).
    Example: 王伟, 140105199001020011 in class C1 and 王伟, 140105199001020038 in class C2.
    Not a finding: two different 王伟 in one county with different birth dates, or born
    the same day but one male and one female.
    How to resolve: ask which number is on the person's ID card; the other one is either a
    typing error (I102 often fires on it too) or a second identity.
    Cannot tell apart: two real people with the same name, born the same day, same sex, in
    the same county (rare, but common names make it possible) from one person with two
    numbers.
    """
    return f"""
        WITH people AS (
            SELECT id_number, {NAME_KEY} AS name_key, min(name) AS name, min(_row) AS first_row,
                   substr(id_number, 1, 6) AS region, id_birth, {ID_SEX} AS sex
            FROM trainees
            WHERE {ID_SHAPED} AND id_number NOT LIKE '%*%' AND id_birth IS NOT NULL
              AND name IS NOT NULL
            GROUP BY id_number, name_key, region, id_birth, sex
        ),
        pairs AS (
            SELECT p.id_number, p.name, p.region, p.id_birth, q.id_number AS other_id,
                   q.first_row AS other_row
            FROM people p
            JOIN people q
              ON p.name_key = q.name_key AND p.region = q.region AND p.id_birth = q.id_birth
             AND p.sex = q.sex AND p.id_number <> q.id_number
        ),
        others AS (
            SELECT DISTINCT id_number, other_id, other_row FROM pairs
        ),
        per_id AS (
            SELECT id_number, count(DISTINCT other_id) + 1 AS ids,
                   string_agg(CAST(other_row AS VARCHAR), ', ' ORDER BY other_row) AS other_rows
            FROM others
            GROUP BY id_number
        ),
        shown AS (
            SELECT id_number, min(name) AS name, min(region) AS region, min(id_birth) AS birth
            FROM pairs
            GROUP BY id_number
        )
        SELECT 'trainees' AS _table, t._row, t.id_number AS subject, t.id_number,
               s.name, s.region, s.birth, o.ids, o.other_rows
        FROM trainees t
        JOIN per_id o ON o.id_number = t.id_number
        JOIN shown s ON s.id_number = t.id_number
    """
