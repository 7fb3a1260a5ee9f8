"""C — certificates: a certificate must come from a training, after it, to one person."""

from __future__ import annotations

from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import repeated

_KEYED = "c.id_number IS NOT NULL AND c.id_number NOT LIKE '%*%'"


@rule(
    "C301",
    "cert-without-training",
    severity=Severity.WARNING,
    reads=("certificates", "trainees"),
    needs=(
        "certificates.id_number",
        "trainees.id_number",
        "certificates.occupation",
        "trainees.occupation",
        "trainees.level",
    ),
    column="id_number",
    message={
        "en": "certificate {cert_no} ({occupation} {level}) but no enrollment in that occupation and level",
        "zh": "证书{cert_no}（{occupation}{level}）无对应职业、等级的培训记录",
    },
)
def cert_without_training(ctx: RuleContext) -> str:
    """A certificate for an ID with no enrollment in that occupation and level.

    Why it matters: seed 004 ties the subsidy to training (要按规定取得相应证书); a
    certificate with no class behind it is either outside the subsidised scheme or the
    trace of 先证后训 / another training passed off as this one.
    Cannot tell apart: a certificate earned without subsidised training (legitimate,
    but then it draws no subsidy) from a missing roster line. Hence a warning.
    How to resolve: attach the enrollment, or make sure no subsidy is paid on it.
    """
    return f"""
        SELECT 'certificates' AS _table, c._row, c.id_number AS subject,
               c.id_number, c.cert_no, c.occupation, c.level
        FROM certificates c
        WHERE {_KEYED} AND c.occupation IS NOT NULL AND c.level IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM trainees t
              WHERE t.id_number = c.id_number AND t.occupation = c.occupation AND t.level = c.level
          )
    """


@rule(
    "C302",
    "cert-before-training-end",
    severity=Severity.ERROR,
    reads=("certificates", "trainees"),
    needs=(
        "certificates.id_number",
        "trainees.id_number",
        "certificates.issue_date",
        "trainees.end_date",
        "trainees.level",
    ),
    column="issue_date",
    message={
        "en": "issued {issue_date}, before class {class_id} ended {end_date}",
        "zh": "发证日期{issue_date}早于班级{class_id}结业日期{end_date}",
    },
)
def cert_before_training_end(ctx: RuleContext) -> str:
    """Issued before the matching enrollment (same ID, occupation, level) ended.

    When the person has several matching enrollments, the certificate fires only if it
    predates the end of every one of them (it could belong to any that had ended).
    Why it matters: an exam cannot certify a training that has not happened yet
    (先证后训, or a back-filled roster).
    """
    return """
        WITH early AS (
            -- certificates issued before every matching enrollment ended: one aggregation
            -- per certificate, so that only the few that fire have their matches ranked
            SELECT c._row
            FROM certificates c
            JOIN trainees t
              ON t.id_number = c.id_number AND t.occupation = c.occupation AND t.level = c.level
            WHERE c.issue_date IS NOT NULL AND t.end_date IS NOT NULL
            GROUP BY c._row, c.issue_date
            HAVING min(t.end_date) > c.issue_date
        )
        SELECT _table, _row, subject, id_number, issue_date, class_id, end_date
        FROM (
            SELECT 'certificates' AS _table, c._row, c.id_number AS subject, c.id_number,
                   c.issue_date, t.class_id, t.end_date,
                   row_number() OVER (PARTITION BY c._row ORDER BY t.end_date, t._row) AS n
            FROM early e
            JOIN certificates c ON c._row = e._row
            JOIN trainees t
              ON t.id_number = c.id_number AND t.occupation = c.occupation AND t.level = c.level
            WHERE t.end_date IS NOT NULL
        ) m
        WHERE n = 1
    """


@rule(
    "C303",
    "cert-number-reused",
    severity=Severity.ERROR,
    reads=("certificates",),
    needs=("certificates.cert_no", "certificates.id_number"),
    column="cert_no",
    message={
        "en": "certificate number {cert_no} is on {holders} different ID numbers",
        "zh": "证书编号{cert_no}出现在{holders}个不同身份证号码上",
    },
)
def cert_number_reused(ctx: RuleContext) -> str:
    """One certificate number on rows of different ID numbers; all those rows flagged.

    A masked ID (I112) is no second holder: it may be the same person, and cannot be
    audited anyway.

    Why it matters: a certificate belongs to one person; a number on two IDs is a copied
    or forged certificate (滥发证书) or one certificate claimed twice.
    """
    return f"""
        SELECT 'certificates' AS _table, c._row, c.id_number AS subject, c.id_number, c.cert_no,
               r.holders
        FROM certificates c
        JOIN (
            SELECT c.cert_no, count(DISTINCT c.id_number) AS holders
            FROM certificates c
            WHERE c.cert_no IS NOT NULL AND {_KEYED}
              AND {repeated("certificates c", "c.cert_no", f"c.cert_no IS NOT NULL AND {_KEYED}")}
            GROUP BY c.cert_no
            HAVING count(DISTINCT c.id_number) > 1
        ) r ON r.cert_no = c.cert_no
        WHERE {_KEYED}
    """
