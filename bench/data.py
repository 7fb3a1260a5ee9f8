"""Synthetic provincial inputs for `make bench`: enrollments, certificates, payments.

`generate(n)` builds n enrollments, 0.6 n certificates and 1.2 n payments as Arrow tables
of text under the Chinese headers a province exports, deterministically (one seed) and
without a Python loop per row: every column is a numpy or Arrow kernel over the whole
array, so 1M enrollments take seconds, not minutes.

The data are mostly clean (checksum-valid IDs, classes of about 40 with one occupation,
institution and period, certificates after the class, payments within the caps) with a
sprinkling of the defects the rules exist for, at rates of 0.01–0.2 % of rows, plus the
findings that arise by chance (people trained twice in one occupation and level, or in
two overlapping classes). The point is the cost of auditing, not a fraud model.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainaudit.ids import check_chars

SEED = 20190701

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")  # fmt: skip
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰辉鹏飞鑫波斌宇浩凯健俊帆帅旭宁龙林霞婷雪慧莉燕红萍玲丹颖琳倩洁晶志国文永德海晓宏家子立世学兴新春金玉成光天振和福庆东峰荣博轩豪亮梅")  # fmt: skip
COUNTIES = """140105 140106 140107 140108 140109 140110 140121 140122 140123 140181 140212 140213
140214 140215 140221 140222 140223 140224 140225 140226 140302 140303 140311 140321 140322 140403
140404 140405 140406 140423 140425 140426 140427 140428 140429 140430 140431 140502 140521 140522
140524 140525 140581 140602 140603 140621 140622 140623 140681 140702 140703 140721 140722 140723
140724 140725 140727 140728 140729 140781 140802 140821 140822 140823 140824 140825 140826 140827
140828 140829 140830 140881 140882""".split()
OCCUPATIONS = [
    # occupation, level, training days, training subsidy per person
    ("电工", "五级", 20, 1000), ("电工", "四级", 30, 1000), ("焊工", "五级", 20, 900),
    ("焊工", "四级", 30, 1000), ("中式烹调师", "五级", 15, 800), ("中式面点师", "五级", 15, 800),
    ("育婴员", "五级", 10, 700), ("育婴员", "四级", 15, 800), ("养老护理员", "五级", 10, 700),
    ("美容师", "五级", 15, 700), ("美发师", "五级", 15, 700), ("保安员", "五级", 7, 500),
    ("计算机操作员", "五级", 15, 600), ("家政服务员", "专项职业能力", 7, 500),
    ("电子商务师", "三级", 30, 1000), ("农业技术员", "专项职业能力", 10, 600),
    ("汽车维修工", "四级", 30, 1000), ("砌筑工", "五级", 15, 800),
]  # fmt: skip
CERT_SUBSIDY = {"专项职业能力": 150, "五级": 300, "四级": 300, "三级": 600}
CATEGORIES = ["农村转移就业劳动者", "城镇登记失业人员", "建档立卡贫困劳动力", "企业职工", "两后生"]
INSTITUTION_WORDS = ["职业培训学校", "职业技能培训中心", "技工学校", "职业技术培训学校"]
_EPOCH = np.datetime64("1970-01-01", "D")

TRAINEE_HEADERS = {
    "seq": "序号", "name": "姓名", "id_number": "身份证号码", "gender": "性别",
    "phone": "联系电话", "institution": "培训机构", "class_id": "班级编号",
    "occupation": "培训工种", "level": "培训等级", "start_date": "开班日期",
    "end_date": "结业日期", "hours": "培训课时", "county": "县区", "category": "人员类别",
}  # fmt: skip
CERTIFICATE_HEADERS = {
    "cert_no": "证书编号", "name": "姓名", "id_number": "身份证号码", "occupation": "职业（工种）",
    "level": "技能等级", "issue_date": "发证日期", "issuer": "发证机构",
}  # fmt: skip
PAYMENT_HEADERS = {
    "payment_id": "支付编号", "id_number": "身份证号码", "name": "姓名", "institution": "收款单位",
    "class_id": "班级编号", "occupation": "培训工种", "level": "培训等级",
    "subsidy_type": "补贴类型", "amount": "金额", "pay_date": "支付日期", "account": "银行账号",
}  # fmt: skip


# --- fixed-width text without a Python loop -------------------------------------------------


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digit bytes of non-negative integers, zero-padded."""
    values = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((len(values), width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        out[:, k] = 48 + values % 10
        values //= 10
    return out


def strings(matrix: np.ndarray) -> pa.Array:
    """An (n, w) byte matrix as n strings of w bytes."""
    n, w = matrix.shape
    offsets = pa.py_buffer(np.arange(0, w * (n + 1), w, dtype=np.int32).tobytes())
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(np.ascontiguousarray(matrix)))


def ascii_bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def prefixed(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded number, e.g. CERT00000012."""
    body = digits(values, width)
    head = np.broadcast_to(ascii_bytes(prefix), (len(values), len(prefix)))
    return strings(np.hstack([head, body]))


def pick(choices: list[str], index: np.ndarray) -> pa.Array:
    """choices[index] for an integer array, as one Arrow take (no per-row Python)."""
    return pa.array(choices, pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def date_text(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 as YYYY-MM-DD."""
    return pc.cast(pa.array(np.asarray(days, dtype=np.int32), pa.date32()), pa.string())


def make_ids(region: np.ndarray, birth_days: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """(n, 18) bytes of GB 11643 IDs: region, YYYYMMDD, 3-digit sequence, check character."""
    birth = (_EPOCH + birth_days.astype("timedelta64[D]")).astype("datetime64[D]")
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = years * 10_000 + months * 100 + days
    out = np.empty((len(seq), 18), dtype=np.uint8)
    out[:, :6] = digits(region, 6)
    out[:, 6:14] = digits(ymd, 8)
    out[:, 14:17] = digits(seq, 3)
    out[:, 17] = np.frombuffer(
        check_chars(out[:, :17].copy().view("S17").ravel()).astype("S1").tobytes(), np.uint8
    )
    return out


def _replace(arr: pa.Array, rows: np.ndarray, values: pa.Array | str) -> pa.Array:
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    rows = np.flatnonzero(mask)
    if isinstance(values, str):
        values = pa.array([values] * len(rows), arr.type)
    elif len(values) == len(arr):  # aligned with arr: its values at those rows
        values = values.take(pa.array(rows))
    return pc.replace_with_mask(arr, pa.array(mask), values.cast(arr.type))


def _some(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < rate)


# --- the three tables ---------------------------------------------------------------------


def generate(n: int, seed: int = SEED) -> dict[str, pa.Table]:
    """n enrollments, 0.6 n certificates, 1.2 n payments (Arrow tables of text, canonical
    column names; `headers()` gives the Chinese header each one is exported under)."""
    rng = np.random.default_rng(seed)

    # people: ~1.25 enrollments each (80 % once, 15 % twice, 5 % three times)
    n_people = int(n / 1.25 * 1.02) + 100  # a little spare: the rounds are random
    county = rng.integers(0, len(COUNTIES), n_people)
    region = np.array(COUNTIES, dtype=np.int64)[county]
    birth = rng.integers(-2190, 11_315, n_people)  # 1964-01-01 .. 2000-12-24
    male = rng.random(n_people) < 0.5
    seq = rng.integers(0, 100, n_people) * 10 + rng.integers(0, 5, n_people) * 2 + male
    person_ids = make_ids(region, birth, seq)
    surname = rng.integers(0, len(SURNAMES), n_people)
    given1 = rng.integers(0, len(GIVEN), n_people)
    given2 = rng.integers(0, len(GIVEN) * 3 // 2, n_people)  # a third have a one-character name
    phone_no = 13_000_000_000 + rng.permutation(n_people) * 37 + rng.integers(0, 37, n_people)
    account_no = rng.permutation(n_people).astype(np.int64) * 7919 + 6_217_000_000_000_000_000
    category = rng.choice(len(CATEGORIES), n_people, p=[0.45, 0.2, 0.15, 0.15, 0.05])

    rounds = rng.choice([1, 2, 3], n_people, p=[0.8, 0.15, 0.05])
    person = rng.permutation(np.repeat(np.arange(n_people), rounds))[:n]

    # classes of 40 in roster order: one occupation, institution, county and period each
    n_classes = -(-n // 40)
    cls = np.arange(n) // 40
    class_occ = rng.integers(0, len(OCCUPATIONS), n_classes)
    n_inst = max(20, n // 2000)
    class_inst = rng.integers(0, n_inst, n_classes)
    class_start = rng.integers(18_000, 18_000 + 1_000, n_classes)  # 2019-04 .. 2021-12
    occ_days = np.array([o[2] for o in OCCUPATIONS])
    class_end = class_start + occ_days[class_occ] - 1
    occ = class_occ[cls]

    ids = strings(person_ids[person])
    inst_names = join(
        pick(COUNTIES, np.arange(n_inst) % len(COUNTIES)),
        pick(INSTITUTION_WORDS, np.arange(n_inst) % len(INSTITUTION_WORDS)),
        prefixed("", np.arange(n_inst), 3),
    )
    institution = inst_names.take(pa.array(class_inst[cls]))
    class_id = prefixed("BJ", cls, 7)
    given_choices = GIVEN + [""] * (len(GIVEN) // 2)
    name = join(
        pick(SURNAMES, surname[person]),
        pick(GIVEN, given1[person]),
        pick(given_choices, given2[person]),
    )
    start_days, end_days = class_start[cls], class_end[cls]
    trainees = {
        "seq": pc.cast(pa.array(np.arange(1, n + 1)), pa.string()),
        "name": name,
        "id_number": ids,
        "gender": pick(["女", "男"], male[person].astype(np.int64)),
        "phone": strings(digits(phone_no[person], 11)),
        "institution": institution,
        "class_id": class_id,
        "occupation": pick([o[0] for o in OCCUPATIONS], occ),
        "level": pick([o[1] for o in OCCUPATIONS], occ),
        "start_date": date_text(start_days),
        "end_date": date_text(end_days),
        "hours": pc.cast(pa.array(occ_days[occ] * 6), pa.string()),
        "county": pick(COUNTIES, county[person]),
        "category": pick(CATEGORIES, category[person]),
    }

    # certificates for 60 % of enrollments, issued 5–40 days after the class ended
    cert_rows = np.sort(rng.choice(n, int(0.6 * n), replace=False))
    m = len(cert_rows)
    issue = end_days[cert_rows] + rng.integers(5, 41, m)
    certificates = {
        "cert_no": prefixed("S", rng.permutation(m) + 10**9, 10),
        "name": name.take(pa.array(cert_rows)),
        "id_number": ids.take(pa.array(cert_rows)),
        "occupation": trainees["occupation"].take(pa.array(cert_rows)),
        "level": trainees["level"].take(pa.array(cert_rows)),
        "issue_date": date_text(issue),
        "issuer": pick(
            ["山西省职业技能鉴定中心", "太原市职业技能鉴定所", "社会评价组织"], cert_rows % 3
        ),
    }

    # payments: a training subsidy per enrollment, a certificate subsidy for a third of the
    # certificates (1.2 n rows), all person-level into the trainee's own card
    rates = np.array([o[3] for o in OCCUPATIONS])
    cert_paid = cert_rows[: int(0.2 * n)]
    k = len(cert_paid)
    levels = [o[1] for o in OCCUPATIONS]
    cert_amount = np.array([CERT_SUBSIDY[lv] for lv in levels])[occ[cert_paid]]
    pay_rows = np.concatenate([np.arange(n), cert_paid])
    total = len(pay_rows)
    paid_on = np.concatenate(
        [end_days + rng.integers(10, 60, n), issue[:k] + rng.integers(10, 60, k)]
    )
    blank = pa.nulls(k, pa.string())
    payments = {
        "payment_id": prefixed("ZF", np.arange(1, total + 1), 9),
        "id_number": ids.take(pa.array(pay_rows)),
        "name": name.take(pa.array(pay_rows)),
        "institution": institution.take(pa.array(pay_rows)),
        "class_id": pa.concat_arrays([class_id, blank]),
        "occupation": pa.concat_arrays(
            [pa.nulls(n, pa.string()), trainees["occupation"].take(pa.array(cert_paid))]
        ),
        "level": pa.concat_arrays(
            [pa.nulls(n, pa.string()), trainees["level"].take(pa.array(cert_paid))]
        ),
        "subsidy_type": pick(["培训补贴", "取证补贴"], (np.arange(total) >= n).astype(np.int64)),
        "amount": pc.cast(pa.array(np.concatenate([rates[occ], cert_amount])), pa.string()),
        "pay_date": date_text(paid_on),
        "account": strings(digits(account_no[person[pay_rows]], 19)),
    }

    _defects(rng, trainees, certificates, payments)
    return {
        "trainees": pa.table(trainees),
        "certificates": pa.table(certificates),
        "payments": pa.table(payments),
    }


def _defects(rng: np.random.Generator, t: dict, c: dict, p: dict) -> None:
    """The defects each family of rules looks for, at rates of 0.01–0.2 % of rows."""
    n, m, q = len(t["id_number"]), len(c["id_number"]), len(p["id_number"])
    ids = t["id_number"]
    # identity: wrong check character, legacy 15-digit, masked, Excel-mangled, blank
    rows = _some(rng, n, 0.001)
    wrong = join(pc.utf8_slice_codeunits(ids, 0, 17), pa.scalar("0"))
    t["id_number"] = ids = _replace(ids, rows, wrong)
    rows = _some(rng, n, 0.0005)
    legacy = join(pc.utf8_slice_codeunits(ids, 0, 6), pc.utf8_slice_codeunits(ids, 8, 17))
    t["id_number"] = ids = _replace(ids, rows, legacy)
    rows = _some(rng, n, 0.0002)
    masked = join(pc.utf8_slice_codeunits(ids, 0, 6), pa.scalar("********"),
                  pc.utf8_slice_codeunits(ids, 14, 18))  # fmt: skip
    t["id_number"] = ids = _replace(ids, rows, masked)
    rows = _some(rng, n, 0.0002)
    t["id_number"] = ids = _replace(ids, rows, "1.40105E+17")
    t["id_number"] = _replace(ids, _some(rng, n, 0.0002), pa.nulls(n, pa.string()))
    # data quality: blank and unreadable cells, reversed periods, unknown levels
    t["name"] = _replace(t["name"], _some(rng, n, 0.0003), pa.nulls(n, pa.string()))
    t["start_date"] = _replace(t["start_date"], _some(rng, n, 0.0003), "2020.7")
    rows = _some(rng, n, 0.0003)
    t["end_date"] = _replace(t["end_date"], rows, "2019-01-01")
    t["level"] = _replace(t["level"], _some(rng, n, 0.0002), "特级技师")
    t["name"] = _replace(t["name"], _some(rng, n, 0.0001), "张三")
    t["gender"] = _replace(t["gender"], _some(rng, n, 0.0005), "女")
    # a phone shared by a recruiter: groups of five rows
    rows = _some(rng, n, 0.0005)
    t["phone"] = _replace(
        t["phone"], rows, pick(["13912345678", "13800000001", "13700000002"], rows % 3)
    )
    # certificates: issued before the class ended, for no training, one number twice
    c["issue_date"] = _replace(c["issue_date"], _some(rng, m, 0.001), "2019-01-15")
    c["occupation"] = _replace(c["occupation"], _some(rng, m, 0.001), "茶艺师")
    rows = _some(rng, m, 0.0005)
    c["cert_no"] = _replace(c["cert_no"], rows, c["cert_no"].take(pa.array((rows + 1) % m)))
    # payments: over the cap, not a number, to someone not enrolled, paid twice
    p["amount"] = _replace(p["amount"], _some(rng, q, 0.001), "1500")
    p["amount"] = _replace(p["amount"], _some(rng, q, 0.0002), "壹仟元")
    rows = _some(rng, q, 0.0005)
    p["id_number"] = _replace(p["id_number"], rows, c["id_number"].take(pa.array(rows % m)))
    rows = _some(rng, q, 0.0005)
    p["class_id"] = _replace(p["class_id"], rows, p["class_id"].take(pa.array((rows + 40) % q)))


def headers(table: str) -> dict[str, str]:
    return {"trainees": TRAINEE_HEADERS, "certificates": CERTIFICATE_HEADERS,
            "payments": PAYMENT_HEADERS}[table]  # fmt: skip


def as_exported(table: str, data: pa.Table) -> pa.Table:
    """The table under its Chinese export headers."""
    names = headers(table)
    return data.rename_columns([names[c] for c in data.column_names])


def as_typed(table: str, data: pa.Table) -> pa.Table:
    """As a database would export it to Parquet: dates as dates, amounts and hours as
    numbers where they read as such, IDs and everything else as text."""
    columns = {}
    for name in data.column_names:
        col = data.column(name)
        if name in ("start_date", "end_date", "issue_date", "pay_date"):
            col = pc.cast(pc.strptime(col, "%Y-%m-%d", "s", error_is_null=True), pa.date32())
        elif name in ("amount", "hours"):
            col = pc.cast(
                pc.if_else(pc.match_substring_regex(col, r"^\d+(\.\d+)?$"), col, None),
                pa.float64(),
            )
        columns[name] = col
    return as_exported(table, pa.table(columns))
