"""P — payments: every yuan must follow a real enrollment, within its cap, to the right payee."""

from __future__ import annotations

from ..model import Severity
from ..policy import LEVELS
from .registry import RuleContext, rule
from .sqlbits import accepted_first, repeated

PERSON = "p.id_number__raw IS NOT NULL"
"""A person-level payment names an ID; an institution-level one (a class total) does not."""
INSTITUTION = "p.id_number__raw IS NULL"
KEYED = "p.id_number IS NOT NULL AND p.id_number NOT LIKE '%*%'"

_SUBSIDY_ZH = "CASE p.subsidy_type WHEN 'training' THEN '培训补贴' WHEN 'certificate' THEN '取证补贴' WHEN 'living' THEN '生活费补贴' WHEN 'pre_job' THEN '岗前培训补贴' END"


def _per_person_cap(kind: str = "p.subsidy_type") -> str:
    """Cap of one trainee's training or pre-job subsidy (SQL, policy-bound)."""
    return f"CASE {kind} WHEN 'training' THEN $training_subsidy_cap WHEN 'pre_job' THEN $pre_job_subsidy_cap END"


@rule(
    "P401",
    "payment-no-enrollment",
    severity=Severity.ERROR,
    reads=("payments", "trainees"),
    needs=("payments.id_number", "trainees.id_number"),
    column="id_number",
    message={
        "en": "{subsidy_type} paid for an ID with no enrollment{scope_en}",
        "zh": "{subsidy_zh}支付对象无培训登记记录{scope_zh}",
    },
)
def payment_no_enrollment(ctx: RuleContext) -> str:
    """A person-level payment for an ID that is not on the roster (in that class, when the
    payment names one).

    Why it matters: money without a trainee is the plainest form of 虚报人数; seed 004
    requires a payment ledger that matches the real-name training records.
    How to resolve: produce the enrollment, or recover the payment.
    """
    return f"""
        SELECT 'payments' AS _table, p._row, p.id_number AS subject, p.id_number, p.subsidy_type,
               {_SUBSIDY_ZH} AS subsidy_zh, '' AS scope_en, '' AS scope_zh
        FROM payments p
        -- one anti-join per case on plain equality keys: an OR inside the correlated
        -- subquery makes the engine join every payment to every enrollment of its ID
        WHERE {PERSON} AND {KEYED} AND p.class_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM trainees t WHERE t.id_number = p.id_number)
        UNION ALL
        SELECT 'payments', p._row, p.id_number, p.id_number, p.subsidy_type, {_SUBSIDY_ZH},
               ' in class ' || p.class_id, '（班级' || p.class_id || '）'
        FROM payments p
        WHERE {PERSON} AND {KEYED} AND p.class_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM trainees t
                          WHERE t.id_number = p.id_number AND t.class_id = p.class_id)
    """


@rule(
    "P402",
    "payment-no-certificate",
    severity=Severity.ERROR,
    reads=("payments", "certificates"),
    needs=("payments.id_number", "payments.subsidy_type", "certificates.id_number"),
    column="subsidy_type",
    stages=("stage_payment_certificate",),
    message={
        "en": "certificate subsidy paid but the ID holds no certificate{scope_en}",
        "zh": "已支付取证补贴，但该人员无相应证书{scope_zh}",
    },
)
def payment_no_certificate(ctx: RuleContext) -> str:
    """A certificate subsidy (取证补贴) for an ID that holds no certificate — in that
    occupation and level when the payment names them or its class does (SPEC §5
    readings; the resolution is staging.payment_certificate's).

    Source: seed 004 — 以取证为补贴申领依据; the subsidy is for a certificate obtained.
    """
    return f"""
        SELECT 'payments' AS _table, p._row, p.id_number AS subject, p.id_number,
               CASE WHEN p.occupation IS NULL AND p.level IS NULL THEN ''
                    ELSE ' (' || concat_ws(' ', p.occupation, p.level) || ')' END AS scope_en,
               CASE WHEN p.occupation IS NULL AND p.level IS NULL THEN ''
                    ELSE '（' || coalesce(p.occupation, '') || coalesce(p.level, '') || '）' END AS scope_zh
        FROM stage_payment_certificate p
        WHERE {KEYED} AND p.certificates = 0
    """


def _uncapped_levels(ctx: RuleContext, lang: str) -> str:
    missing = [lv for lv in LEVELS if lv not in ctx.policy.certificate_subsidy_caps]
    if not missing:
        return ""
    if lang == "zh":
        return f"未核查：{'、'.join(missing)}取证补贴未设标准（政策未规定）"
    return f"not checked: certificate subsidy for {', '.join(missing)} (no cap configured)"


@rule(
    "P403",
    "payment-over-cap",
    severity=Severity.ERROR,
    reads=("payments",),
    needs=("payments.amount", "payments.subsidy_type"),
    column="amount",
    note=_uncapped_levels,
    stages=("stage_payment_certificate",),
    message={
        "en": "{subsidy_type} of {amount} is above the cap of {cap} ({basis_en})",
        "zh": "{subsidy_zh}{amount}元，超过标准{cap}元（{basis_zh}）",
    },
)
def payment_over_cap(ctx: RuleContext) -> str:
    """A person-level payment above the policy cap for its subsidy type.

    Caps (seed 004, overridable in policy.toml):
    - 培训补贴 training: 1000 per person (培训补贴标准每人不超过1000元);
    - 取证补贴 certificate: 专项职业能力 150, 五级/初级工 300, 三级/高级工 600
      (每人150元、初级工每人300元、高级工每人600元); the level is the payment's own, else
      its class's (SPEC §5 readings), else the one level of the person's certificates
      in that occupation (staging.payment_certificate); a level with no cap is not
      checked and the result says so;
    - 岗前培训补贴 pre-job: 300 per person;
    - 生活费补贴 living: 15 per training day, days = end − start + 1 of the person's
      enrollment in that class (all their enrollments when no class is named).
    Institution-level payments (no ID) are P408's business.
    Example: 取证补贴 450 for a 五级 certificate, cap 300.
    How to resolve: recover the excess; check whether the rate table applied was right.
    """
    return f"""
        WITH living AS (
            SELECT _row, id_number, class_id FROM payments WHERE subsidy_type = 'living'
        ),
        periods AS (
            -- the enrollments of people paid a living allowance (the join then builds on
            -- those, not on the whole roster)
            SELECT id_number, class_id, date_diff('day', start_date, end_date) + 1 AS days
            FROM trainees
            WHERE start_date <= end_date AND id_number IN (SELECT id_number FROM living)
        ),
        days AS (
            -- the named class, or all enrollments when none is named: two equality joins
            SELECT p._row, sum(t.days) AS days
            FROM living p JOIN periods t ON t.id_number = p.id_number AND t.class_id = p.class_id
            GROUP BY p._row
            UNION ALL
            SELECT p._row, sum(t.days) AS days
            FROM living p JOIN periods t ON t.id_number = p.id_number
            WHERE p.class_id IS NULL
            GROUP BY p._row
        ),
        judged AS (
            SELECT p._row, p.id_number, p.amount, p.subsidy_type, {_SUBSIDY_ZH} AS subsidy_zh,
                   cl.cap_level AS level, d.days,
                   CASE p.subsidy_type
                       WHEN 'certificate' THEN k.cap
                       WHEN 'living' THEN $living_allowance_per_day * d.days
                       ELSE {_per_person_cap()}
                   END AS cap
            FROM payments p
            LEFT JOIN stage_payment_certificate cl ON cl._row = p._row
            LEFT JOIN policy_certificate_caps k ON k.level = cl.cap_level
            LEFT JOIN days d ON d._row = p._row
            WHERE {PERSON} AND p.amount IS NOT NULL
        )
        SELECT 'payments' AS _table, _row, coalesce(id_number, '') AS subject, id_number, amount,
               cap, subsidy_type, subsidy_zh,
               CASE subsidy_type WHEN 'certificate' THEN 'level ' || level
                                 WHEN 'living' THEN CAST(days AS VARCHAR) || ' training days'
                                 ELSE 'per person' END AS basis_en,
               CASE subsidy_type WHEN 'certificate' THEN level
                                 WHEN 'living' THEN '培训' || CAST(days AS VARCHAR) || '天'
                                 ELSE '每人' END AS basis_zh
        FROM judged
        WHERE cap IS NOT NULL AND amount > cap + 0.005
    """


_P404_KEYS = (
    "p.id_number, p.subsidy_type, p.class_id, CASE WHEN p.class_id IS NULL THEN p.occupation END, "
    "CASE WHEN p.class_id IS NULL THEN p.level END"
)
_P404_WHERE = (
    f"{PERSON} AND {KEYED} AND p.subsidy_type IS NOT NULL "
    "AND (p.class_id IS NOT NULL OR (p.occupation IS NOT NULL AND p.level IS NOT NULL))"
)


@rule(
    "P404",
    "duplicate-payment",
    severity=Severity.ERROR,
    reads=("payments",),
    needs=("payments.id_number", "payments.subsidy_type"),
    column="subsidy_type",
    message={
        "en": "{subsidy_type} paid again for the same {key_en} (first at row {first_row})",
        "zh": "同一{key_zh}重复支付{subsidy_zh}（首次见第{first_row}行）",
    },
)
def duplicate_payment(ctx: RuleContext) -> str:
    """The same ID paid the same subsidy type again for the same class (or, when no class
    is named, the same occupation and level); the first payment stays quiet.

    Why it matters: double payment (重复享受) is the most direct loss to the fund.
    Payments that name neither a class nor an occupation and level cannot be matched
    and are not judged.
    """
    return f"""
        SELECT 'payments' AS _table, _row, id_number AS subject, id_number, subsidy_type,
               subsidy_zh, first_row,
               CASE WHEN class_id IS NOT NULL THEN 'class ' || class_id
                    ELSE occupation || ' ' || level END AS key_en,
               CASE WHEN class_id IS NOT NULL THEN '班级' || class_id
                    ELSE occupation || level END AS key_zh
        FROM (
            SELECT p.*, {_SUBSIDY_ZH} AS subsidy_zh,
                   row_number() OVER w AS n, first_value(p._row) OVER w AS first_row
            FROM payments p
            WHERE {PERSON} AND {KEYED} AND p.subsidy_type IS NOT NULL
              AND (p.class_id IS NOT NULL OR (p.occupation IS NOT NULL AND p.level IS NOT NULL))
              AND {repeated("payments p", _P404_KEYS, _P404_WHERE)}
            WINDOW w AS (
                PARTITION BY p.id_number, p.subsidy_type, p.class_id,
                             CASE WHEN p.class_id IS NULL THEN p.occupation END,
                             CASE WHEN p.class_id IS NULL THEN p.level END
                ORDER BY {accepted_first("p")}, p.pay_date NULLS LAST, p._row)
        ) t
        WHERE n > 1
    """


@rule(
    "P405",
    "paid-before-completion",
    severity=Severity.WARNING,
    reads=("payments", "trainees"),
    needs=("payments.pay_date", "trainees.end_date"),
    column="pay_date",
    stages=("stage_payment_certificate",),
    message={
        "en": "paid {pay_date}, before {event_en} {event_date}{share_en}",
        "zh": "支付日期{pay_date}早于{event_zh}{event_date}{share_zh}",
    },
)
def paid_before_completion(ctx: RuleContext) -> str:
    """Paid before the training ended (a certificate subsidy: before the certificate was
    issued), beyond the advance share.

    Person-level: any payment dated before the person's class ended (the class named by
    the payment; when it names none, before every one of the person's enrollments ended,
    since it may be for any class already over), or a certificate subsidy dated before
    the first certificate of its occupation and level (the payment's, else its class's:
    staging.payment_certificate).
    Institution-level: payments for a class dated before it ended whose running total
    exceeds advance_share (default 50 %, seed 002: 可先行拨付５０％的培训补贴资金) of the
    class's capped total (enrolled IDs × per-person cap, training and pre-job subsidies).
    A warning: an approved advance may be documented outside these tables.
    """
    return f"""
        WITH class_end AS (
            SELECT class_id, max(end_date) AS end_date, count(DISTINCT id_number) AS enrolled
            FROM trainees
            WHERE class_id IN (SELECT p.class_id FROM payments p WHERE {INSTITUTION})
            GROUP BY class_id
        ),
        paid AS (
            SELECT p._row, p.id_number, p.pay_date, p.class_id, p.occupation, p.level,
                   p.subsidy_type = 'certificate' AS is_cert
            FROM payments p
            WHERE {PERSON} AND {KEYED} AND p.pay_date IS NOT NULL
        ),
        -- the three event dates without correlated subqueries over a million payments
        issued AS (
            SELECT _row, first_issued AS event_date FROM stage_payment_certificate
        ),
        first_end AS (
            SELECT id_number, min(end_date) AS event_date FROM trainees
            WHERE id_number IN (SELECT id_number FROM paid
                                WHERE class_id IS NULL AND is_cert IS NOT TRUE)
            GROUP BY id_number
        ),
        person AS (
            SELECT p._row, p.id_number, p.pay_date, p.is_cert, i.event_date
            FROM paid p JOIN issued i ON i._row = p._row
            UNION ALL
            SELECT p._row, p.id_number, p.pay_date, p.is_cert, f.event_date
            FROM paid p JOIN first_end f ON f.id_number = p.id_number
            WHERE p.is_cert IS NOT TRUE AND p.class_id IS NULL
            UNION ALL
            -- paid before max(end_date) of the class: some row of it ends after the payment.
            -- Only those rows join (the few late ones, not a million on-time payments), and
            -- their max is the class's max, which is after the payment
            SELECT p._row, p.id_number, p.pay_date, p.is_cert, max(t.end_date) AS event_date
            FROM paid p
            JOIN trainees t
              ON t.id_number = p.id_number AND t.class_id = p.class_id AND t.end_date > p.pay_date
            WHERE p.is_cert IS NOT TRUE AND p.class_id IS NOT NULL
            GROUP BY p._row, p.id_number, p.pay_date, p.is_cert
        ),
        institution AS (
            SELECT p._row, p.pay_date, e.end_date AS event_date,
                   sum(p.amount) OVER (PARTITION BY p.class_id, p.subsidy_type
                                       ORDER BY p.pay_date, p._row) AS running,
                   $advance_share * e.enrolled * {_per_person_cap()} AS allowed
            FROM payments p JOIN class_end e ON e.class_id = p.class_id
            WHERE {INSTITUTION} AND p.pay_date IS NOT NULL AND p.amount IS NOT NULL
              AND p.pay_date < e.end_date AND p.subsidy_type IN ('training', 'pre_job')
        )
        SELECT 'payments' AS _table, _row, coalesce(id_number, '') AS subject, id_number, pay_date,
               event_date,
               CASE WHEN is_cert THEN 'the certificate was issued' ELSE 'the class ended' END AS event_en,
               CASE WHEN is_cert THEN '发证日期' ELSE '结业日期' END AS event_zh,
               '' AS share_en, '' AS share_zh
        FROM person WHERE event_date IS NOT NULL AND pay_date < event_date
        UNION ALL
        SELECT 'payments', _row, '', NULL, pay_date, event_date, 'the class ended', '结业日期',
               ', and the running total ' || CAST(running AS VARCHAR) || ' exceeds the advance of ' || CAST(allowed AS VARCHAR),
               '，累计' || CAST(running AS VARCHAR) || '元超过预拨上限' || CAST(allowed AS VARCHAR) || '元'
        FROM institution WHERE running > allowed + 0.005
    """


@rule(
    "P406",
    "payee-mismatch",
    severity=Severity.ERROR,
    reads=("payments", "trainees"),
    needs=(
        "payments.id_number",
        "payments.institution",
        "trainees.id_number",
        "trainees.institution",
    ),
    column="institution",
    message={
        "en": "paid to {payee}, but {trained_by} trained this {who_en}",
        "zh": "收款单位为{payee}，但该{who_zh}的培训机构是{trained_by}",
    },
)
def payee_mismatch(ctx: RuleContext) -> str:
    """Paid to an institution other than the one that trained that ID in that class.

    Person-level payments are compared with the person's enrollment in the named class
    (any of their enrollments when no class is named); institution-level payments with
    the class's institution. Names are compared after normalisation (spaces, full-width).
    Why it matters: subsidy diverted to a payee that did not train (套取 via payee).
    Cannot tell apart: a renamed institution from a different one — keep names uniform.
    """
    return f"""
        WITH enrolled AS (
            SELECT id_number, class_id, institution FROM trainees WHERE institution IS NOT NULL
        ),
        -- payments no enrollment of that person (in that class) trained at: two
        -- anti-joins on plain keys, so the million matching payments cost no aggregation.
        -- They read the base tables: over a shared CTE the engine would materialise it
        -- and decorrelate each NOT EXISTS through a distinct of its keys
        unmatched AS (
            SELECT p._row, p.id_number, p.class_id, p.institution
            FROM payments p
            WHERE {PERSON} AND {KEYED} AND p.institution IS NOT NULL AND p.class_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM trainees t
                              WHERE t.id_number = p.id_number AND t.institution = p.institution)
            UNION ALL
            SELECT p._row, p.id_number, p.class_id, p.institution
            FROM payments p
            WHERE {PERSON} AND {KEYED} AND p.institution IS NOT NULL AND p.class_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM trainees t
                              WHERE t.id_number = p.id_number AND t.class_id = p.class_id
                                AND t.institution = p.institution)
        ),
        person AS (
            SELECT p._row, p.id_number, p.institution AS payee,
                   string_agg(DISTINCT t.institution, '、' ORDER BY t.institution) AS trained_by,
                   0 AS matches
            FROM unmatched p
            JOIN enrolled t ON t.id_number = p.id_number AND (p.class_id IS NULL OR t.class_id = p.class_id)
            GROUP BY p._row, p.id_number, p.institution
        ),
        class_level AS (
            SELECT p._row, p.class_id, p.institution AS payee,
                   string_agg(DISTINCT t.institution, '、' ORDER BY t.institution) AS trained_by,
                   max(CASE WHEN t.institution = p.institution THEN 1 ELSE 0 END) AS matches
            FROM payments p
            JOIN trainees t ON t.class_id = p.class_id
            WHERE {INSTITUTION} AND p.institution IS NOT NULL AND t.institution IS NOT NULL
            GROUP BY p._row, p.class_id, p.institution
        )
        SELECT 'payments' AS _table, _row, id_number AS subject, id_number, payee, trained_by,
               'person' AS who_en, '人员' AS who_zh
        FROM person WHERE matches = 0
        UNION ALL
        SELECT 'payments', _row, class_id, NULL, payee, trained_by, 'class', '班级'
        FROM class_level WHERE matches = 0
    """


@rule(
    "P407",
    "banned-institution",
    severity=Severity.ERROR,
    reads=("institutions",),
    needs=("institutions.institution", "institutions.status"),
    column="institution",
    message={
        "en": "{institution} is banned{since_en}",
        "zh": "{institution}已被禁入{since_zh}",
    },
)
def banned_institution(ctx: RuleContext) -> str:
    """Payment to, or enrollment at, an institution marked banned (禁入) on that date.

    Source: seed 004 — 对以虚假培训等套取、骗取资金的…禁止其再承担政府补贴性培训; seed 001
    — 对信用不达标的实行政府培训项目禁入. Enrollment rows of classes starting on or
    after banned_from and payments dated on or after it are flagged; a ban with no date
    flags every row of that institution. Matched by name, or by credit code when both
    sides have one.
    """
    return """
        WITH bans AS (
            SELECT institution, institution_code, banned_from
            FROM institutions WHERE status = 'banned'
        ),
        hits AS (
            SELECT 'trainees' AS _table, t._row, t.id_number, t.institution, b.banned_from
            FROM trainees t JOIN bans b
              ON t.institution = b.institution
              OR (t.institution_code IS NOT NULL AND t.institution_code = b.institution_code)
            WHERE b.banned_from IS NULL OR t.start_date >= b.banned_from
            UNION ALL
            SELECT 'payments', p._row, p.id_number, p.institution, b.banned_from
            FROM payments p JOIN bans b ON p.institution = b.institution
            WHERE b.banned_from IS NULL OR p.pay_date >= b.banned_from
        )
        SELECT _table, _row, coalesce(id_number, institution) AS subject, id_number, institution,
               banned_from,
               CASE WHEN banned_from IS NULL THEN '' ELSE ' since ' || CAST(banned_from AS VARCHAR) END AS since_en,
               CASE WHEN banned_from IS NULL THEN '' ELSE '（自' || CAST(banned_from AS VARCHAR) || '起）' END AS since_zh
        FROM (
            SELECT *, row_number() OVER (PARTITION BY _table, _row ORDER BY banned_from NULLS FIRST) AS n
            FROM hits
        ) h
        WHERE n = 1
    """


@rule(
    "P408",
    "class-total-over-cap",
    severity=Severity.ERROR,
    reads=("payments", "trainees"),
    needs=("payments.amount", "payments.class_id", "trainees.class_id", "trainees.id_number"),
    message={
        "en": "class {subject}: {subsidy_type} paid {paid} in total, above {enrolled} trainees × cap = {allowed}",
        "zh": "班级{subject}{subsidy_zh}合计支付{paid}元，超过{enrolled}人×标准={allowed}元",
    },
)
def class_total_over_cap(ctx: RuleContext) -> str:
    """Institution-level payments for a class exceed enrolled IDs × the per-person cap.

    Caps per trainee: training 1000, pre-job 300, living 15 × that trainee's training days
    (seed 004). Certificate subsidies paid as class totals are not judged here (the cap
    depends on each certificate's level). A class with nobody on the roster has a cap of
    0, so any payment for it is flagged. Class-level: the finding names the class.
    """
    return f"""
        WITH paid AS (
            SELECT p.class_id, p.subsidy_type, {_SUBSIDY_ZH} AS subsidy_zh, sum(p.amount) AS paid
            FROM payments p
            WHERE {INSTITUTION} AND p.class_id IS NOT NULL AND p.amount > 0
              AND p.subsidy_type IN ('training', 'pre_job', 'living')
            GROUP BY p.class_id, p.subsidy_type
        ),
        enrolled AS (
            -- the rosters of the classes paid as a whole only, not of every class
            SELECT class_id, count(DISTINCT id_number) AS enrolled,
                   sum(date_diff('day', start_date, end_date) + 1) AS person_days
            FROM (SELECT DISTINCT class_id, id_number, start_date, end_date FROM trainees
                  WHERE class_id IN (SELECT class_id FROM paid) AND id_number IS NOT NULL) t
            GROUP BY class_id
        )
        SELECT 'payments' AS _table, NULL AS _row, x.class_id AS subject, x.subsidy_type, x.subsidy_zh,
               x.paid, x.enrolled, x.allowed
        FROM (
            SELECT pd.*, coalesce(e.enrolled, 0) AS enrolled,
                   CASE WHEN e.class_id IS NULL THEN 0
                        WHEN pd.subsidy_type = 'living' THEN $living_allowance_per_day * e.person_days
                        ELSE e.enrolled * {_per_person_cap("pd.subsidy_type")} END AS allowed
            FROM paid pd LEFT JOIN enrolled e ON e.class_id = pd.class_id
        ) x
        WHERE x.paid > x.allowed + 0.005
    """


@rule(
    "P409",
    "cert-subsidy-before-policy",
    severity=Severity.ERROR,
    reads=("payments", "certificates"),
    needs=("payments.id_number", "certificates.id_number", "certificates.issue_date"),
    column="subsidy_type",
    stages=("stage_payment_certificate",),
    message={
        "en": "certificate subsidy for a certificate issued {issue_date}, before the policy start {policy_start}",
        "zh": "取证补贴对应的证书发证日期{issue_date}早于政策起始日{policy_start}",
    },
)
def cert_subsidy_before_policy(ctx: RuleContext) -> str:
    """A certificate subsidy whose matching certificates were all issued before
    certificate_policy_start (seed 004: 从2019年7月1日取得证书开始算起).
    Matching: same ID, and the occupation and level the payment names, else those of
    its class (SPEC §5 readings; staging.payment_certificate).
    """
    return """
        SELECT 'payments' AS _table, _row, id_number AS subject, id_number,
               last_issued AS issue_date, $certificate_policy_start AS policy_start
        FROM stage_payment_certificate
        WHERE last_issued < $certificate_policy_start
    """
