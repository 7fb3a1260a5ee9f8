"""R — enrollment and repeat training: one person, one subsidised seat at a time."""

from __future__ import annotations

from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import PERSON_SUBJECT, accepted_first, repeated

_ENROLLED = "id_number IS NOT NULL AND id_number NOT LIKE '%*%'"
"""Rows whose ID can key a person (a masked ID matches nobody)."""
_R202_REPEATED = repeated(
    "trainees",
    "id_number, occupation, level",
    f"{_ENROLLED} AND occupation IS NOT NULL AND level IS NOT NULL",
)
_R203_REPEATED = repeated(
    "trainees", "id_number", f"{_ENROLLED} AND start_date IS NOT NULL", "$max_trainings_per_year"
)


@rule(
    "R201",
    "duplicate-enrollment",
    severity=Severity.ERROR,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.class_id"),
    column="id_number",
    message={
        "en": "enrolled twice in class {class_id} (first at row {first_row})",
        "zh": "同一人在班级{class_id}中重复登记（首次见第{first_row}行）",
    },
)
def duplicate_enrollment(ctx: RuleContext) -> str:
    """The same ID twice in the same class; every copy after the first is flagged.

    Why it matters: each roster line draws a training subsidy and a living allowance.
    How to resolve: delete the extra line; if two people share the ID, see I109.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number, class_id, first_row
        FROM (
            SELECT *, row_number() OVER w AS n, first_value(_row) OVER w AS first_row
            FROM trainees
            WHERE {_ENROLLED} AND class_id IS NOT NULL
              AND {repeated("trainees", "id_number, class_id", f"{_ENROLLED} AND class_id IS NOT NULL")}
            WINDOW w AS (PARTITION BY id_number, class_id ORDER BY _row)
        ) t
        WHERE n > 1
    """


@rule(
    "R202",
    "repeat-level",
    severity=Severity.ERROR,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.occupation", "trainees.level"),
    column="level",
    message={
        "en": "already trained in {occupation} at {level} (class {first_class}, row {first_row})",
        "zh": "已于班级{first_class}（第{first_row}行）参加过{occupation}{level}培训，同一职业同一等级不可重复参加",
    },
)
def repeat_level(ctx: RuleContext) -> str:
    """Same person, same occupation, same level, subsidised again in another class.

    Source: seed 004 — 同一职业同一等级不可重复参加. Compared across all years in the data.
    The earliest enrollment by start_date stays quiet; the later ones are flagged.
    Occupation names are compared after normalisation (电工（四级） = 电工).
    How to resolve: keep the earliest enrollment; reject the later claim.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number,
               occupation, level, first_class, first_row
        FROM (
            SELECT *, row_number() OVER w AS n,
                   first_value(class_id) OVER w AS first_class,
                   first_value(_row) OVER w AS first_row
            FROM trainees
            WHERE {_ENROLLED} AND occupation IS NOT NULL AND level IS NOT NULL
              AND {_R202_REPEATED}
            WINDOW w AS (PARTITION BY id_number, occupation, level
                         ORDER BY {accepted_first()}, start_date NULLS LAST, _row)
        ) t
        WHERE $forbid_repeat_level AND n > 1 AND class_id IS DISTINCT FROM first_class
    """


@rule(
    "R203",
    "annual-limit",
    severity=Severity.ERROR,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.start_date"),
    column="start_date",
    message={
        "en": "training no. {nth} starting in {year}; at most {max_allowed} a year",
        "zh": "{year}年第{nth}次参加补贴性培训，每人每年不超过{max_allowed}次",
    },
)
def annual_limit(ctx: RuleContext) -> str:
    """More than max_trainings_per_year classes starting in one calendar year.

    Source: seed 004 — 每人每年可参加补贴性培训不超过3次. Counted per class (a line
    entered twice in one class is R201, not a second training; a row with no class_id
    is its own enrollment), in start_date order; those beyond the limit are flagged.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number,
               year, nth, $max_trainings_per_year AS max_allowed
        FROM (
            SELECT *, row_number() OVER (PARTITION BY id_number, year
                                         ORDER BY {accepted_first()}, start_date, _row) AS nth
            FROM (
                SELECT *, extract(year FROM start_date) AS year,
                       row_number() OVER (PARTITION BY id_number, class_id,
                                                       CASE WHEN class_id IS NULL THEN _row END
                                          ORDER BY _row) AS copy
                FROM trainees
                WHERE {_ENROLLED} AND start_date IS NOT NULL
                  -- more classes than the limit in a year needs more rows than the limit;
                  -- whole IDs are left out, so both windows see every row of the rest
                  AND {_R203_REPEATED}
            ) one_per_class
            WHERE copy = 1
        ) t
        WHERE nth > $max_trainings_per_year
    """


@rule(
    "R204",
    "overlapping-training",
    severity=Severity.ERROR,
    reads=("trainees",),
    needs=("trainees.id_number", "trainees.start_date", "trainees.end_date"),
    column="start_date",
    message={
        "en": "in class {class_id} ({start_date}–{end_date}) while also in class {other_class} ({other_start}–{other_end}, row {other_row})",
        "zh": "班级{class_id}（{start_date}至{end_date}）与班级{other_class}（{other_start}至{other_end}，第{other_row}行）培训时间重叠",
    },
)
def overlapping_training(ctx: RuleContext) -> str:
    """One person in two classes whose periods share at least one day; both rows flagged.

    Why it matters: nobody attends two full-time classes at once — one of the two is a
    name on paper (挂名). Each row names the earliest other class it collides with.
    """
    return """
        SELECT _table, _row, subject, id_number, class_id, start_date, end_date,
               other_class, other_start, other_end, other_row
        FROM (
            SELECT 'trainees' AS _table, a._row, coalesce(a.id_number, '') AS subject, a.id_number,
                   a.class_id, a.start_date, a.end_date,
                   b.class_id AS other_class, b.start_date AS other_start,
                   b.end_date AS other_end, b._row AS other_row,
                   row_number() OVER (PARTITION BY a._row ORDER BY b.start_date, b._row) AS n
            FROM trainees a
            JOIN trainees b
              ON a.id_number = b.id_number
             AND a.class_id <> b.class_id
             AND a.start_date <= b.end_date
             AND b.start_date <= a.end_date
            WHERE a.id_number NOT LIKE '%*%'
              AND a.start_date <= a.end_date AND b.start_date <= b.end_date
        ) t
        WHERE n = 1
    """


@rule(
    "R205",
    "class-size",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.class_id", "trainees.id_number"),
    message={
        "en": "class {subject} has {size} trainees, above {max_allowed}",
        "zh": "班级{subject}共{size}人，超过每班{max_allowed}人上限",
    },
)
def class_size(ctx: RuleContext) -> str:
    """A class with more distinct trainees than max_class_size (default 60).

    Why it matters: oversized classes are the commonest trace of padded headcount
    (虚报人数/拉人头). Class-level: the finding names the class, not a row.
    """
    return f"""
        SELECT 'trainees' AS _table, NULL AS _row, class_id AS subject,
               count(DISTINCT id_number) AS size, $max_class_size AS max_allowed
        FROM trainees
        WHERE {_ENROLLED} AND class_id IS NOT NULL
          -- so many IDs need as many rows: count rows first, then IDs where there are
          AND {repeated("trainees", "class_id", f"{_ENROLLED} AND class_id IS NOT NULL", "$max_class_size")}
        GROUP BY class_id
        HAVING count(DISTINCT id_number) > $max_class_size
    """


@rule(
    "R206",
    "implausible-hours",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.hours", "trainees.start_date", "trainees.end_date"),
    column="hours",
    message={
        "en": "{hours} hours in {days} days is more than 8 a day",
        "zh": "{days}天培训申报{hours}课时，超过每天8课时",
    },
)
def implausible_hours(ctx: RuleContext) -> str:
    """Declared hours above 8 × training days (end − start + 1, both ends included).

    Why it matters: inflated hours inflate the subsidy; a short class declared as long
    (缩短课时) is a reported fraud pattern.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number, hours,
               (date_diff('day', start_date, end_date) + 1) AS days
        FROM trainees
        WHERE hours IS NOT NULL AND start_date <= end_date
          AND hours > 8 * (date_diff('day', start_date, end_date) + 1)
    """


@rule(
    "R207",
    "occupation-not-in-catalogue",
    severity=Severity.ERROR,
    reads=("trainees", "occupations"),
    needs=("trainees.occupation",),
    column="occupation",
    message={
        "en": "{occupation} {level} is not in the catalogue of subsidised occupations",
        "zh": "{occupation}{level}不在补贴性培训职业（工种）目录内",
    },
)
def occupation_not_in_catalogue(ctx: RuleContext) -> str:
    """The occupation (and level, when the catalogue lists levels for it) is not in the
    provincial catalogue of subsidised occupations.

    Source: seed 000 — 严格按照省级公布的职业培训补贴工种（项目）目录组织开展各类培训.
    Names are compared after normalisation (电工（四级） = 电工); a catalogue row
    without a level admits every level of that occupation.
    Cannot tell apart: a local synonym (低压电工 for 电工) from an unlisted occupation —
    add such synonyms to the catalogue.
    """
    return f"""
        SELECT 'trainees' AS _table, t._row, {PERSON_SUBJECT} AS subject, t.id_number,
               t.occupation, coalesce(t.level, '') AS level
        FROM trainees t
        WHERE t.occupation IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM occupations o
              WHERE o.occupation = t.occupation AND (o.level IS NULL OR o.level = t.level)
          )
    """
