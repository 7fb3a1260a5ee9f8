"""F — fabrication patterns: traces that rosters and payment lists were made up.

These rules are heuristics. Each finding is a lead for a reviewer, not proof (DOMAIN §2:
most fraud signals are evidence for a human, only breaches of an explicit rule are
errors), so they are warnings or info, and every docstring says what the rule cannot
tell apart.
"""

from __future__ import annotations

from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import ID_SHAPED, NAME_KEY, repeated

_KEYED = "id_number IS NOT NULL AND id_number NOT LIKE '%*%'"
"""Rows whose ID can key a person (a masked ID matches nobody)."""

MOBILE = "regexp_matches({col}, '^(?:(86)?1[3-9][0-9]{{9}})$')"
"""A mainland mobile number: 11 digits starting 13–19, optionally after country code 86."""

CLUSTER_MIN_IDS = 5
"""F503: distinct IDs sharing region and birth date in one class (SPEC §5)."""
REUSE_MIN_CLASS = 10
REUSE_MIN_SHARE = 0.8
"""F504: each class has at least 10 IDs and 80 % of each class's IDs are in the other."""
BENFORD_MIN_PAYMENTS = 100
BENFORD_MIN_DISTINCT = 20
BENFORD_MIN_SPREAD = 10
BENFORD_MAX_MAD = 0.015
"""F505: the applicability guard and Nigrini's nonconformity bound for first digits."""


@rule(
    "F501",
    "shared-phone",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.phone", "trainees.id_number"),
    column="phone",
    message={
        "en": "{phone_kind} {phone} is given for {ids} different IDs (at least {threshold} is suspicious)",
        "zh": "{phone_kind_zh}{phone}登记在{ids}个不同身份证号名下（达到{threshold}个即可疑）",
    },
)
def shared_phone(ctx: RuleContext) -> str:
    """One phone number on the roster rows of several different people.

    What it catches: rosters filled in by the institution or a recruiter (拉人头, 挂名):
    whoever types the roster gives their own number, or one number for everybody, because
    the trainees are names on paper and nobody will answer the phone.
    Why it matters: a shared contact is one of the signals audit offices use to find
    fabricated trainees (DOMAIN §2.2); a real trainee can be called to confirm attendance.
    Example: 13912345678 on the rows of four different ID numbers in two classes of one
    institution — all four people's rows are flagged.
    Threshold: `shared_contact_threshold` distinct IDs (default 3) for a mobile number
    (11 digits starting 13–19, a leading 86 ignored).

    A shared family landline: a household of three sharing one fixed line would reach the
    threshold, and spouses or a parent and grown children do train together in rural
    projects. A mobile number belongs to one person, a landline to a household or an
    office. So a number that is not a mobile (a landline, with or without its area code)
    fires only at twice the threshold (default 6 distinct IDs): more than a household
    normally sends to subsidised training, while an office switchboard written on every
    row of a class still fires. We did not restrict the count to one class or institution:
    recruiters who supply several institutions reuse their number across them.
    Numbers of fewer than 7 digits (0, 1, 123) are blanks in disguise, not phones, and
    are not counted. Measured on the clean synthetic population (bench/population.py,
    100k enrollments, 5 % of people on a landline shared by households of 1–4):
    counting landlines like mobiles would have flagged 2,078 honest rows, 0.8 % of all
    rows; with the doubled landline threshold, none.

    How to resolve: call the number and ask for each trainee by name; ask the institution
    for the trainees' own numbers (sign-in sheets, ID copies, payment receipts).
    Cannot tell apart: a family (or a parent's mobile given for school-leavers, 两后生) from
    a recruiter's or the institution's number; a village cadre who registered his villagers
    with his own phone from a roster made up at the institution. Landline households of
    six or more trainees, and mobile families of three or more, are flagged too.
    """
    return f"""
        WITH tails AS (
            -- a number on enough IDs is on at least as many rows, and so are its last 11
            -- characters (all of a mobile's key): count those first, without the regex
            SELECT right(phone, 11) AS tail
            FROM trainees
            WHERE {_KEYED} AND phone IS NOT NULL AND length(phone) >= 7
            GROUP BY tail
            HAVING count(*) >= $shared_contact_threshold
        ),
        typed AS (
            SELECT _row, id_number, phone, {MOBILE.format(col="phone")} AS mobile
            FROM trainees
            WHERE {_KEYED} AND phone IS NOT NULL AND length(phone) >= 7
              AND right(phone, 11) IN (SELECT tail FROM tails)
        ),
        phones AS (
            SELECT _row, id_number, CASE WHEN mobile THEN right(phone, 11) ELSE phone END AS phone_key,
                   mobile
            FROM typed
        ),
        shared AS (
            SELECT phone_key, count(DISTINCT id_number) AS ids, bool_or(mobile) AS mobile
            FROM phones
            GROUP BY phone_key
            HAVING count(DISTINCT id_number) >= CASE WHEN bool_or(mobile)
                       THEN $shared_contact_threshold ELSE 2 * $shared_contact_threshold END
        )
        SELECT 'trainees' AS _table, p._row, p.id_number AS subject, p.id_number,
               s.phone_key AS phone, s.ids,
               CASE WHEN s.mobile THEN $shared_contact_threshold
                    ELSE 2 * $shared_contact_threshold END AS threshold,
               CASE WHEN s.mobile THEN 'mobile' ELSE 'landline' END AS phone_kind,
               CASE WHEN s.mobile THEN '手机号' ELSE '固定电话' END AS phone_kind_zh
        FROM phones p JOIN shared s USING (phone_key)
    """


_MANGLED_ACCOUNT = "(length(account) >= 18 AND regexp_matches(substr(account, 16), '^(?:0+)$'))"
"""A long card number Excel stored as a number: digits after the 15th became zeros."""


@rule(
    "F502",
    "shared-account",
    severity=Severity.WARNING,
    reads=("payments",),
    needs=("payments.account", "payments.id_number"),
    column="account",
    message={
        "en": "account {account} receives person-level subsidies for {ids} different IDs (at least {threshold} is suspicious)",
        "zh": "银行账号{account}收取了{ids}个不同人员的个人补贴（达到{threshold}个即可疑）",
    },
)
def shared_account(ctx: RuleContext) -> str:
    """One bank account receives person-level payments for several different people.

    What it catches: subsidies "paid to trainees" that land in an account the institution
    or an agent controls (套取 via payee diversion, DOMAIN §2.2).
    Why it matters: a person-level subsidy belongs to that person; once the money sits in
    one account, nobody can show the trainees ever received it.
    Example: account 6222021234567890123 on the training-subsidy rows of three different
    ID numbers — all three payment rows are flagged.
    Counted: person-level payments only (a row with an ID number); institution-level
    payments to the institution's own account are the normal way to pay a class and are
    ignored. Threshold: `shared_contact_threshold` distinct IDs (default 3). Account
    numbers shorter than 8 digits are placeholders and not counted, and 18-or-more-digit
    numbers whose digits after the 15th are all zero are not compared either: Excel kept
    only 15 digits, so different people's cards from one issuing batch would look alike.
    How to resolve: ask the bank for the account holder's name; if it is not the trainee,
    recover the payments and pay the trainees directly.
    Cannot tell apart: a family account (parents receiving their children's subsidies), or
    a village collective account used for 代发, from an institution's account; an account
    number mangled into scientific notation (6.22202E+18) from a real shared account.
    """
    return f"""
        WITH paid AS (
            SELECT _row, id_number, account
            FROM payments
            WHERE id_number__raw IS NOT NULL AND {_KEYED}
              AND account IS NOT NULL AND length(account) >= 8 AND NOT {_MANGLED_ACCOUNT}
        ),
        shared AS (
            SELECT account, count(DISTINCT id_number) AS ids
            FROM paid
            WHERE {repeated("paid", "account", "TRUE", "$shared_contact_threshold - 1")}
            GROUP BY account
            HAVING count(DISTINCT id_number) >= $shared_contact_threshold
        )
        SELECT 'payments' AS _table, p._row, p.id_number AS subject, p.id_number, p.account,
               s.ids, $shared_contact_threshold AS threshold
        FROM paid p JOIN shared s USING (account)
    """


@rule(
    "F503",
    "clustered-ids",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.class_id", "trainees.id_number"),
    column="id_number",
    message={
        "en": "{ids} IDs in class {class_id} share region {region} and birth date {birth}",
        "zh": "班级{class_id}中有{ids}个身份证号地区码（{region}）和出生日期（{birth}）完全相同",
    },
)
def clustered_ids(ctx: RuleContext) -> str:
    """Within one class, five or more different IDs share their first 14 digits: the same
    county code and the same birth date.

    What it catches: ID numbers made up with a generator or by editing the last digits of
    one real number (fake IDs with a valid check character are trivial to make); a class
    of 40 people from one county almost never has five born on the same day.
    Why it matters: invented trainees draw the full subsidy (虚报人数).
    Example: 140105199003150011, …0038, …0054, …0071 and …0097 in class 2020-电工-03.
    How to resolve: check each ID against the population register (公安人口库) or the
    social-security system; ask for ID card copies of the flagged trainees.
    Cannot tell apart: real people registered with a default birth date (older rural
    residents whose birthday was unknown were often recorded as 1 January or 1 July of
    their year of birth), or quintuplets and a class recruited from one orphanage or
    collective household, from invented numbers.
    """
    return f"""
        WITH crowded AS (
            -- five distinct IDs need five rows: count rows first, then IDs only there
            SELECT class_id, substr(id_number, 1, 14) AS prefix
            FROM trainees
            WHERE {ID_SHAPED} AND {_KEYED} AND class_id IS NOT NULL
            GROUP BY class_id, prefix
            HAVING count(*) >= {CLUSTER_MIN_IDS}
        ),
        clusters AS (
            SELECT c.class_id, c.prefix, count(DISTINCT t.id_number) AS ids
            FROM trainees t
            JOIN crowded c ON t.class_id = c.class_id AND substr(t.id_number, 1, 14) = c.prefix
            WHERE {ID_SHAPED} AND {_KEYED}
            GROUP BY c.class_id, c.prefix
            HAVING count(DISTINCT t.id_number) >= {CLUSTER_MIN_IDS}
        )
        SELECT 'trainees' AS _table, t._row, t.id_number AS subject, t.id_number, t.class_id,
               c.ids, substr(c.prefix, 1, 6) AS region,
               substr(c.prefix, 7, 4) || '-' || substr(c.prefix, 11, 2) || '-' || substr(c.prefix, 13, 2) AS birth
        FROM trainees t
        JOIN clusters c ON t.class_id = c.class_id AND substr(t.id_number, 1, 14) = c.prefix
        WHERE {ID_SHAPED} AND t.id_number NOT LIKE '%*%'
    """


@rule(
    "F504",
    "roster-reuse",
    severity=Severity.WARNING,
    reads=("trainees",),
    needs=("trainees.class_id", "trainees.id_number"),
    message={
        "en": "class {subject} ({occupation} {level}, from {start_date}) shares {shared} of its {size} trainees with class {other_class} ({other_occupation} {other_level}, from {other_start}, {other_size} trainees)",
        "zh": "班级{subject}（{occupation}{level}，{start_date}开班）{size}名学员中有{shared}人与班级{other_class}（{other_occupation}{other_level}，{other_start}开班，{other_size}人）相同",
    },
)
def roster_reuse(ctx: RuleContext) -> str:
    """Two classes whose rosters are largely the same people: at least 80 % of each
    class's IDs are also in the other, and each class has at least 10 IDs. Class-level:
    both classes get a finding that names the other.

    What it catches: a roster copied from one class into another to claim a second
    subsidy for training that never happened (编造资料, 以其他培训抵顶), possibly with a few
    names swapped.
    Why it matters: the same group "trained" twice means at least one class is on paper.
    Example: class A (32 trainees) and class B (30 trainees) share 28 IDs: 28/32 = 88 %
    and 28/30 = 93 %, both at least 80 % — both classes are flagged.
    How it stays fast: the overlap is a join of (class, ID) pairs on the ID, grouped by
    class pair — it costs one row per pair of enrollments of the same person (a few per
    person), never all pairs of classes.
    How to resolve: ask for the sign-in sheets, teaching logs and photographs of both
    classes; check whether the dates and places allow the same people to attend both.
    Cannot tell apart: a cohort that legitimately trains together again — a company's staff
    in successive safety or job-transfer trainings, or one class moving up from 五级 to
    四级 in the same occupation — from a reused roster. The message shows both classes'
    occupations, levels and start dates so the reviewer can judge.
    """
    return f"""
        WITH enrolled AS (
            SELECT class_id, id_number FROM trainees WHERE {_KEYED} AND class_id IS NOT NULL
        ),
        pairs AS (
            -- the IDs two classes share, counted on the roster rows as they are (no
            -- distinct pass over the whole roster first); a pair that can fire shares at
            -- least 80 % of 10 IDs, so only such pairs go on
            SELECT a.class_id AS class_a, b.class_id AS class_b,
                   count(DISTINCT a.id_number) AS shared
            FROM enrolled a JOIN enrolled b ON a.id_number = b.id_number AND a.class_id < b.class_id
            GROUP BY a.class_id, b.class_id
            HAVING count(DISTINCT a.id_number) >= {REUSE_MIN_SHARE} * {REUSE_MIN_CLASS}
        ),
        sizes AS (
            SELECT class_id, count(DISTINCT id_number) AS size
            FROM enrolled
            WHERE class_id IN (SELECT class_a FROM pairs UNION SELECT class_b FROM pairs)
            GROUP BY class_id
            HAVING count(DISTINCT id_number) >= {REUSE_MIN_CLASS}
        ),
        reused AS (
            SELECT p.class_a, p.class_b, p.shared
            FROM pairs p
            JOIN sizes ca ON ca.class_id = p.class_a
            JOIN sizes cb ON cb.class_id = p.class_b
            WHERE p.shared >= {REUSE_MIN_SHARE} * greatest(ca.size, cb.size)
        ),
        sides AS (
            SELECT class_a AS class_id, class_b AS other_class, shared FROM reused
            UNION ALL
            SELECT class_b AS class_id, class_a AS other_class, shared FROM reused
        ),
        classes AS (
            -- what the message shows, read for the few classes found only
            SELECT s.class_id, s.size, min(t.occupation) AS occupation, min(t.level) AS level,
                   min(t.start_date) AS start_date
            FROM sizes s JOIN trainees t ON t.class_id = s.class_id
            WHERE s.class_id IN (SELECT class_id FROM sides)
            GROUP BY s.class_id, s.size
        )
        SELECT 'trainees' AS _table, NULL AS _row, s.class_id AS subject, s.shared,
               c.size, c.occupation, c.level, c.start_date,
               s.other_class, o.size AS other_size, o.occupation AS other_occupation,
               o.level AS other_level, o.start_date AS other_start
        FROM sides s
        JOIN classes c ON c.class_id = s.class_id
        JOIN classes o ON o.class_id = s.other_class
    """


_FIRST_DIGIT = "TRY_CAST(substr(printf('%.14e', amount), 1, 1) AS INTEGER)"
"""First significant digit of a positive amount (scientific notation avoids float
artefacts such as 0.3 / 0.1 = 2.9999…)."""


@rule(
    "F505",
    "benford-deviation",
    severity=Severity.INFO,
    reads=("payments",),
    needs=("payments.institution", "payments.amount"),
    message={
        "en": "payment amounts of {subject} deviate from Benford's first-digit law (MAD {mad} > {max_mad}; {payments} payments, most frequent first digit {top_digit} at {top_share_pct}% vs {top_expected_pct}% expected)",
        "zh": "{subject}的支付金额首位数字分布偏离本福特定律（平均绝对偏差{mad}，超过{max_mad}；共{payments}笔，首位数字{top_digit}占{top_share_pct}%，理论值{top_expected_pct}%）",
    },
)
def benford_deviation(ctx: RuleContext) -> str:
    """An institution's payment amounts whose first digits do not follow Benford's law.

    What it catches: amounts invented by people — invented numbers favour some first
    digits (5–9, "just under the cap") far more than amounts that arise naturally.
    Test: the share of each first digit 1–9 against log10(1 + 1/d); the mean absolute
    deviation (MAD) over the nine digits above 0.015 is nonconformity (Nigrini).
    Amounts fixed by policy are left out first: an amount equal to a configured cap or
    rate (training 1000, certificate 150/300/600, pre-job 300, living 15) or a whole
    multiple of the daily living allowance (15 × days). Then it applies only where
    Benford can apply: the institution has at least 100 of the remaining payments
    (person- and institution-level, amount > 0) with at least 20 distinct amounts, and
    the largest is at least 10 × the smallest.
    Example: 160 payments of 甲机构 from 55 to 9,800 yuan, 70 % of them starting with 8 or
    9: MAD 0.09 — flagged at institution level (no single row is wrong).
    How to resolve: sample the institution's payments and trace each amount to its
    calculation (people × rate × days); focus on those starting with the overrepresented
    digit.
    Cannot tell apart: invented amounts from amounts that are formulas of policy rates
    (15 yuan × training days, people × rate, 50 % advances) — those are legitimate and
    still not Benford-distributed, which is why this is only `info`. Before fixed
    amounts were left out, living allowances of freely varying durations (5–30 days)
    alone passed the guard and 198 of 200 honest institutions of the synthetic
    population (bench/population.py) were flagged. Read a finding as "look at
    how this institution's amounts are made", never as a sign of fraud by itself. It
    says nothing about any single payment.
    """
    expected = "log10(1 + 1.0 / g.digit)"
    return f"""
        WITH amounts AS (
            -- each distinct amount once: its first digit is worked out once, not per row
            -- amounts fixed by policy are no evidence of anything (SPEC 5 readings)
            SELECT institution, amount, count(*) AS n FROM payments
            WHERE institution IS NOT NULL AND amount > 0 AND NOT ({_FIXED_BY_POLICY})
            GROUP BY institution, amount
        ),
        eligible AS (
            SELECT institution, CAST(sum(n) AS BIGINT) AS payments
            FROM amounts
            GROUP BY institution
            HAVING sum(n) >= {BENFORD_MIN_PAYMENTS}
               AND count(*) >= {BENFORD_MIN_DISTINCT}
               AND max(amount) >= {BENFORD_MIN_SPREAD} * min(amount)
        ),
        counted AS (
            SELECT a.institution, {_FIRST_DIGIT} AS digit, CAST(sum(a.n) AS BIGINT) AS n
            FROM amounts a JOIN eligible e USING (institution)
            GROUP BY a.institution, digit
        ),
        grid AS (
            SELECT e.institution, e.payments, d.digit
            FROM eligible e
            CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS d(digit)
        ),
        shares AS (
            SELECT g.institution, g.payments, g.digit,
                   coalesce(c.n, 0) * 1.0 / g.payments AS share,
                   {expected} AS expected
            FROM grid g
            LEFT JOIN counted c ON c.institution = g.institution AND c.digit = g.digit
        ),
        scored AS (
            SELECT institution, payments,
                   avg(abs(share - expected)) OVER (PARTITION BY institution) AS mad,
                   digit AS top_digit, share AS top_share
            FROM shares
            QUALIFY row_number() OVER (PARTITION BY institution ORDER BY share DESC, digit) = 1
        )
        SELECT 'payments' AS _table, NULL AS _row, institution AS subject, payments,
               round(mad, 4) AS mad, {BENFORD_MAX_MAD} AS max_mad, top_digit,
               round(100 * top_share, 1) AS top_share_pct,
               round(100 * log10(1 + 1.0 / top_digit), 1) AS top_expected_pct
        FROM scored
        WHERE mad > {BENFORD_MAX_MAD}
    """


_FIXED_BY_POLICY = (
    "amount IN ($training_subsidy_cap, $pre_job_subsidy_cap, $living_allowance_per_day)"
    " OR amount IN (SELECT cap FROM policy_certificate_caps)"
    " OR ($living_allowance_per_day > 0"
    " AND amount = $living_allowance_per_day * round(amount / $living_allowance_per_day))"
)
"""F505: an amount equal to a configured cap or rate, or a whole multiple of the daily
living allowance (15 × training days): fixed by policy, left out before the guard and
the test (a mix of fixed rates otherwise fails Benford for every honest institution)."""


PLACEHOLDER_NAMES = ("测试", "张三", "李四", "王五", "赵六", "某某", "test")

_MAYBE_PLACEHOLDER = (
    "(name LIKE '%·%' OR name LIKE '% %' OR name LIKE '%某%' OR name LIKE '测试%'"
    " OR name IN ('张三', '李四', '王五', '赵六')"
    " OR substr(name, 1, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'T', 'x', 'X')"
    " OR length(name) = 1)"
)
"""F507's cheap first pass over the raw name, true for every name the exact test can flag:
a name without `·` or space is its own compared form up to case, and each placeholder
form then shows in the raw text (a 某, a leading 测试, a leading t/x/digit for test…,
xx…, digits, one of the textbook names, or a single character). Only the few rows it
lets through pay for the compared form and the regexes."""


@rule(
    "F507",
    "placeholder-name",
    severity=Severity.WARNING,
    reads=("trainees", "certificates", "payments"),
    needs=("*.name",),
    any_table=True,
    column="name",
    message={
        "en": "name '{name}' is not a person's name ({why_en})",
        "zh": "姓名“{name}”不是真实姓名（{why_zh}）",
    },
)
def placeholder_name(ctx: RuleContext) -> str:
    """A name that is a placeholder, digits only, or a single character.

    Placeholders: 测试 and test (with or without a number: 测试1, Test02), the textbook
    names 张三, 李四, 王五, 赵六, anything containing 某 (某某, 张某, 王某某: the anonymised
    form used in notices), and xx/xxx. Compared after removing spaces and `·`,
    case-insensitive. Checked on every table that has a name column.
    What it catches: test records left in an upload, and rows padded to reach a class
    size with names nobody bothered to invent.
    Why it matters: a placeholder is never a trainee; a subsidy for it is unsupported.
    Example: a roster row 张三 with a valid ID number; a payment row named 测试1.
    How to resolve: replace with the real name from the ID card, or delete the row.
    Cannot tell apart: a real person whose legal name is one of the textbook names (张三
    and 王五 do exist) — check the ID card; a single-character name that is really a
    truncated cell from one that is a placeholder.
    """
    names = ", ".join(f"'{n}'" for n in PLACEHOLDER_NAMES)
    parts = [
        f"SELECT '{t}' AS _table, _row, id_number, id_number__raw, name FROM {t}"
        f" WHERE name IS NOT NULL AND {_MAYBE_PLACEHOLDER}"
        for t in ("trainees", "certificates", "payments")
    ]
    union = "\n            UNION ALL\n            ".join(parts)
    return f"""
        SELECT _table, _row, coalesce(id_number, id_number__raw, '') AS subject, id_number,
               name, name AS _value,
               CASE WHEN regexp_matches(k, '^(?:[0-9]+)$') THEN 'digits only'
                    WHEN length(k) = 1 THEN 'a single character'
                    ELSE 'a placeholder name' END AS why_en,
               CASE WHEN regexp_matches(k, '^(?:[0-9]+)$') THEN '纯数字'
                    WHEN length(k) = 1 THEN '单个字符'
                    ELSE '占位姓名' END AS why_zh
        FROM (
            SELECT *, {NAME_KEY} AS k
            FROM (
                {union}
            ) maybe
        ) named
        WHERE (
              k IN ({names})
           OR regexp_matches(k, '^(?:(测试|test)[0-9]*)$')
           OR k LIKE '%某%'
           OR regexp_matches(k, '^(?:x{{2,}})$')
           OR regexp_matches(k, '^(?:[0-9]+)$')
           OR length(k) = 1
        )
    """


@rule(
    "F506",
    "watchlisted-id",
    severity=Severity.ERROR,
    reads=("watchlist",),
    needs=("watchlist.id_number",),
    column="id_number",
    message={
        "en": "ID is on the watchlist: {reason}{since_en}",
        "zh": "该身份证号码在比对名单中：{reason}{since_zh}",
    },
)
def watchlisted_id(ctx: RuleContext) -> str:
    """The ID is on the watchlist (deceased, in custody, a public servant in post, a
    pension recipient …); every row of it in trainees, certificates and payments is
    flagged.

    Why it matters: 假学员 — retirees, students, civil servants and the dead used to fill
    classes — is the largest fraud line in the 2022 national audit report. Watchlist IDs
    are normalised like any other (a lower-case x or a 15-digit number still matches).
    Cannot tell apart: a training taken before the listed status began (see `since`)
    from one taken after; the date is shown so a reviewer can judge.
    How to resolve: check the person's status on the class dates; recover the subsidy
    where the status applied.
    """
    return """
        WITH listed AS (
            SELECT id_number, min(coalesce(reason, '')) AS reason, min(since) AS since
            FROM watchlist WHERE id_number IS NOT NULL GROUP BY id_number
        ),
        hits AS (
            SELECT 'trainees' AS _table, _row, id_number FROM trainees
            UNION ALL SELECT 'certificates', _row, id_number FROM certificates
            UNION ALL SELECT 'payments', _row, id_number FROM payments
        )
        SELECT h._table, h._row, h.id_number AS subject, h.id_number, l.reason, l.since,
               CASE WHEN l.since IS NULL THEN '' ELSE ' (since ' || CAST(l.since AS VARCHAR) || ')' END AS since_en,
               CASE WHEN l.since IS NULL THEN '' ELSE '（自' || CAST(l.since AS VARCHAR) || '起）' END AS since_zh
        FROM hits h JOIN listed l ON l.id_number = h.id_number
    """
