"""A clean synthetic population for measuring false alarms (issue 4 §3).

`clean_population(n, seed)` makes n enrollments of honest people and their payments:
- names drawn with realistic frequencies: ~170 surnames with their published shares
  (王 7 %, 李 7 %, 张 6.7 % …) and given names from a Zipf-weighted list of the
  commonest given names (伟, 芳, 娜, 秀英 …) plus a long tail built from common name
  characters, so full names such as 王伟 and 张敏 repeat many times, as on real rosters
  (see COMMON_GIVEN_SHARE); a few Uyghur names with `·`;
- resident IDs that are checksum-valid (the same check-character code as
  `trainaudit.ids.make_id`, vectorised), from ~70 Shanxi county codes, birth dates for
  ages 18–55, the 17th digit matching the gender;
- one mobile number and one bank card per person; 5 % of people give a landline
  instead, and landline people live in households of 1–4 that share their line;
- 80 % of people enrol once, 15 % twice and 5 % three times (one round a year,
  2019–2021); classes of 20–50 people of one county, run by that county's institutions,
  with durations fixed per occupation and level as provincial catalogues fix them;
- payments: a training subsidy per enrollment at the occupation-and-level rate, a
  certificate subsidy (150 / 300 / 600) for 70 %, and a living allowance of 15 yuan a
  day for the 15 % registered as poor labourers, all person-level into their own card;
- benign formatting noise that must not be a finding: on 3 % of repeat enrollments the
  name is typed with a space (王 伟), and Uyghur names lose or change their middle dot.

It is the clean side of issue 4's false-alarm measurement; nothing in it is fraud.
Run `python bench/population.py [N]` for the rate at N enrollments (default 100,000).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from trainaudit.ids import check_chars

# Surname shares in per cent (public-security household register ranking, ~2020).
_SURNAMES = """
王7.12 李7.09 张6.69 刘5.31 陈4.46 杨3.05 黄2.22 赵2.15 吴1.99 周1.88 徐1.58 孙1.51 马1.38
朱1.29 胡1.24 郭1.14 何1.12 林1.07 罗1.03 高1.03 郑0.87 梁0.83 谢0.77 宋0.70 唐0.69 许0.66
韩0.65 冯0.64 邓0.62 曹0.61 彭0.59 曾0.58 肖0.56 田0.54 董0.51 袁0.49 潘0.48 于0.48 蒋0.47
蔡0.46 余0.46 杜0.45 叶0.44 程0.43 苏0.41 魏0.41 吕0.40 丁0.39 任0.38 沈0.37 姚0.36 卢0.36
姜0.35 崔0.34 钟0.34 谭0.33 陆0.32 汪0.32 范0.31 金0.31 石0.30 廖0.29 贾0.29 夏0.28 韦0.28
付0.27 方0.26 白0.26 邹0.25 孟0.25 熊0.24 秦0.24 邱0.24 江0.23 尹0.23 薛0.22 闫0.21 段0.21
雷0.20 侯0.20 龙0.20 史0.19 陶0.19 黎0.19 贺0.18 顾0.18 毛0.18 郝0.17 龚0.17 邵0.17 万0.16
钱0.16 严0.16 覃0.15 武0.15 戴0.15 莫0.14 孔0.14 向0.14 汤0.14 常0.13 温0.13 康0.13 施0.12
文0.12 牛0.12 樊0.12 葛0.11 邢0.11 安0.10 齐0.10 易0.10 乔0.10 伍0.10 庞0.10 颜0.09 倪0.09
庄0.09 聂0.09 章0.09 鲁0.08 岳0.08 翟0.08 殷0.08 詹0.08 申0.08 欧阳0.05 耿0.07 关0.07 兰0.07
焦0.07 俞0.07 左0.07 柳0.07 甘0.06 祝0.06 包0.06 宁0.06 尚0.06 符0.06 舒0.06 阮0.06 柯0.06
纪0.06 梅0.05 童0.05 凌0.05 毕0.05 单0.05 季0.05 裴0.05 霍0.05 涂0.05 成0.05 苗0.05 谷0.05
盛0.05 曲0.05 翁0.04 冉0.04 骆0.04 蓝0.04 路0.04 游0.04 辛0.04 靳0.04 司马0.01 上官0.01
"""

# Commonest given names, most frequent first (Zipf-weighted below).
_GIVEN_MALE = """伟 强 磊 军 洋 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林
建华 建国 建军 志强 志明 海涛 俊杰 文杰 子轩 浩然 宇航 晓东 国强 建平 永强 小龙 文博 海波 红军 卫东
国庆 志刚 建新 振华 天宇 博文 一鸣 梓豪 皓轩 宇轩""".split()
_GIVEN_FEMALE = """芳 娜 敏 静 丽 艳 娟 霞 秀英 秀兰 桂英 玉兰 婷 雪 慧 莉 燕 红 萍 玲 丹 颖 琳 倩 洁 晶
欣怡 梓涵 雨涵 子涵 诗涵 佳怡 海燕 丽娟 红梅 春梅 晓燕 小红 美玲 秀珍 玉梅 丽华 淑珍 桂兰 凤英 秀云
雪梅 晓丽 文静 思雨 雨欣 可馨 一诺 佳琪 梦瑶 心怡 语桐 欣妍 若汐 梓萱""".split()
_TAIL_MALE = list(
    "志建国文明永德海俊晓宏家子立世学兴新春金玉成光天振和福庆军伟强东峰刚荣林斌涛博宇鹏浩轩豪杰磊鑫飞亮平"
)
_TAIL_FEMALE = list(
    "秀丽美桂玉春红海晓雪静慧雅欣佳梦思雨诗怡婷娜芳燕霞琳萍莉娟艳梅兰英华敏洁颖悦涵彤"
)
_UYGHUR_FIRST = "阿卜杜拉 艾力 买买提 吐尔逊 努尔 热依拉 古丽 阿依古丽 帕提古丽 迪丽拜尔".split()
_UYGHUR_LAST = "艾力 买买提 吐尔逊 阿不都 热合曼 司马义 依明 卡德尔 玉素甫 克里木".split()

# Shanxi county-level codes (area codes of their cities in parentheses, for landlines).
_COUNTIES = """
140105 140106 140107 140108 140109 140110 140121 140122 140123 140181 140212 140213 140214
140215 140221 140222 140223 140224 140225 140226 140302 140303 140311 140321 140322 140403
140404 140405 140406 140423 140425 140426 140427 140428 140429 140430 140431 140502 140521
140522 140524 140525 140581 140602 140603 140621 140622 140623 140681 140702 140703 140721
140722 140723 140724 140725 140727 140728 140729 140781 140802 140821 140822 140823 140824
140825 140826 140827 140828 140829 140830 140881 140882
""".split()
_AREA_CODE = {"01": "0351", "02": "0352", "03": "0353", "04": "0355", "05": "0356",
              "06": "0349", "07": "0354", "08": "0359"}  # fmt: skip
_XINJIANG = ["650102", "650103", "650104", "650105"]

# occupation -> (level, training days, training subsidy per person)
_OCCUPATIONS = [
    ("电工", "五级", 20, 1000), ("电工", "四级", 30, 1000), ("焊工", "五级", 20, 900),
    ("焊工", "四级", 30, 1000), ("中式烹调师", "五级", 15, 800), ("中式面点师", "五级", 15, 800),
    ("育婴员", "五级", 10, 700), ("育婴员", "四级", 15, 800), ("养老护理员", "五级", 10, 700),
    ("美容师", "五级", 15, 700), ("美发师", "五级", 15, 700), ("保安员", "五级", 7, 500),
    ("计算机操作员", "五级", 15, 600), ("家政服务员", "专项职业能力", 7, 500),
    ("电子商务师", "三级", 30, 1000), ("农业技术员", "专项职业能力", 10, 600),
    ("汽车维修工", "四级", 30, 1000), ("砌筑工", "五级", 15, 800),
]  # fmt: skip
_CERT_SUBSIDY = {"专项职业能力": 150, "五级": 300, "三级": 600}
_CATEGORIES = ["农村转移就业劳动者", "城镇登记失业人员", "建档立卡贫困劳动力", "企业职工", "两后生"]
_CATEGORY_P = [0.45, 0.2, 0.15, 0.15, 0.05]
_INST_WORDS = [
    "职业培训学校",
    "职业技能培训中心",
    "技工学校",
    "职业技术培训学校",
    "家政服务培训学校",
]


def _weights(items: list, exponent: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, len(items) + 1) ** exponent
    return w / w.sum()


def _surnames() -> tuple[list[str], np.ndarray]:
    names, shares = [], []
    for token in _SURNAMES.split():
        cut = next(i for i, ch in enumerate(token) if ch.isdigit())
        names.append(token[:cut])
        shares.append(float(token[cut:]))
    p = np.array(shares)
    return names, p / p.sum()


COMMON_GIVEN_SHARE = 0.10
"""Share of people whose given name comes from the head list (Zipf over ~60 names).
With the single characters of the tail this makes 伟 about 2.7 % of men and 王伟 about
0.1 % of trainees: some 3–5 times the national share of the top full names (张伟,
王伟 ≈ 0.02 % each in the 2019 national name report), since the 1965–2002 cohorts used
the commonest names most, and so that the measurement errs towards more coincidences."""


def _given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """COMMON_GIVEN_SHARE from the commonest given names (Zipf), the rest from common
    name characters: a third single-character, two thirds two characters."""
    n = len(male)
    out = np.empty(n, dtype=object)
    common = rng.random(n) < COMMON_GIVEN_SHARE
    for is_male, names, tail in (
        (True, _GIVEN_MALE, _TAIL_MALE),
        (False, _GIVEN_FEMALE, _TAIL_FEMALE),
    ):
        sel = common & (male == is_male)
        out[sel] = rng.choice(np.array(names, dtype=object), size=sel.sum(), p=_weights(names))
        sel = ~common & (male == is_male)
        k = int(sel.sum())
        first = rng.choice(np.array(tail, dtype=object), size=k)
        second = rng.choice(np.array(tail + [""] * (len(tail) // 2), dtype=object), size=k)
        out[sel] = first + second
    return out


def _make_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character IDs: region + YYYYMMDD + 3-digit sequence + MOD 11-2 check character
    (what trainaudit.ids.make_id does, for a whole array at once)."""
    births = np.datetime_as_string(birth.astype("datetime64[D]")).astype("U10")
    ymd = np.char.replace(births, "-", "")
    bodies = np.char.add(np.char.add(region.astype("U6"), ymd), np.char.zfill(seq.astype("U3"), 3))
    return np.char.add(bodies, check_chars(bodies.astype("S17")))


def _unique_numbers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct integers in [low, high)."""
    out = np.unique(rng.integers(low, high, size=int(n * 1.1) + 10))
    while len(out) < n:
        out = np.unique(np.concatenate([out, rng.integers(low, high, size=n)]))
    return rng.permutation(out)[:n]


def _people(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    male = rng.random(count) < 0.5
    uyghur = rng.random(count) < 0.003
    county = rng.choice(np.array(_COUNTIES), size=count, p=None)
    region = np.where(uyghur, rng.choice(np.array(_XINJIANG), size=count), county)
    # ages 18–55 on 2020-01-01
    birth = np.datetime64("1964-01-02") + rng.integers(0, 365 * 37, size=count).astype(
        "timedelta64[D]"
    )
    # sequence: two free digits, then an odd (male) or even (female) digit
    seq = rng.integers(0, 100, size=count) * 10 + rng.integers(0, 5, size=count) * 2 + male
    ids = _make_ids(region, birth, seq)
    _, first = np.unique(ids, return_index=True)  # a repeated ID would be one person
    keep = np.zeros(count, dtype=bool)
    keep[first] = True

    surnames, p = _surnames()
    name = rng.choice(np.array(surnames, dtype=object), size=count, p=p) + _given_names(rng, male)
    ug = np.flatnonzero(uyghur)
    name[ug] = (
        rng.choice(np.array(_UYGHUR_FIRST, dtype=object), size=len(ug))
        + "·"
        + rng.choice(np.array(_UYGHUR_LAST, dtype=object), size=len(ug))
    )

    mobiles = np.char.add("1", _unique_numbers(rng, count, 3 * 10**9, 10 * 10**9).astype("U10"))
    landline = rng.random(count) < 0.05
    phone = mobiles.astype(object)
    idx = rng.permutation(np.flatnonzero(landline))
    sizes = rng.choice([1, 2, 3, 4], size=len(idx) + 1, p=[0.4, 0.35, 0.2, 0.05])
    household = np.repeat(np.arange(len(sizes)), sizes)[: len(idx)]
    lines = _unique_numbers(rng, len(sizes), 2_000_000, 9_000_000).astype("U7")
    area = np.array([_AREA_CODE.get(c[2:4], "0351") for c in county[idx]])
    # a household shares one line: the first member's area code for all of them
    first_area = {}
    for h, a in zip(household, area, strict=True):
        first_area.setdefault(h, a)
    phone[idx] = [f"{first_area[h]}-{lines[h]}" for h in household]

    bins = rng.choice(np.array(["6217", "6222", "6228", "6230"]), size=count)
    account = np.char.add(
        bins, np.char.zfill(_unique_numbers(rng, count, 0, 10**15).astype("U15"), 15)
    )
    category = rng.choice(np.array(_CATEGORIES), size=count, p=_CATEGORY_P)
    return {
        "name": name[keep],
        "id_number": ids[keep],
        "gender": np.where(male, "男", "女")[keep],
        "county": county[keep],
        "phone": phone[keep],
        "account": account[keep],
        "category": category[keep],
    }


def clean_population(n: int = 100_000, seed: int = 0, folder: str | Path | None = None) -> dict:
    """n clean enrollments (trainees) and their payments.

    Returns {"trainees": pa.Table, "payments": pa.Table} with canonical column names
    (all text), or, when `folder` is given, writes them there as CSV and returns
    {"trainees": Path, "payments": Path}.
    """
    rng = np.random.default_rng(seed)
    people = _people(rng, int(n / 1.25 * 1.03) + 50)  # a little spare: rounds are random
    count = len(people["id_number"])
    rounds = rng.choice([1, 2, 3], size=count, p=[0.8, 0.15, 0.05])
    person = np.repeat(np.arange(count), rounds)
    nth = np.concatenate([np.arange(r) for r in rounds])
    order = np.argsort(rng.random(len(person)), kind="stable")[:n]
    person, nth = person[np.sort(order)], nth[np.sort(order)]

    # classes: per county and round, split into classes of 20-50
    county = people["county"][person]
    key = np.char.add(county.astype("U6"), nth.astype("U1"))
    shuffle = rng.random(len(person))
    idx = np.lexsort((shuffle, key))
    class_of = np.empty(len(person), dtype=np.int64)
    groups = np.split(idx, np.flatnonzero(key[idx][1:] != key[idx][:-1]) + 1)
    next_class = 0
    for members in groups:
        g = len(members)
        lo, hi = max(1, -(-g // 50)), max(1, g // 20)
        m = int(rng.integers(lo, max(lo, hi) + 1))
        for part in np.array_split(members, m):
            class_of[part] = next_class
            next_class += 1

    # institutions: a few per county; each class is run by one of its county's
    n_inst = max(5, n // 500)
    inst_county = np.array(_COUNTIES)[np.arange(n_inst) % len(_COUNTIES)]
    inst_names = np.array(
        [f"{c}{_INST_WORDS[i % len(_INST_WORDS)]}{i // len(_COUNTIES) + 1:02d}"
         for i, c in enumerate(inst_county)]
    )  # fmt: skip
    by_county = {}
    for c in _COUNTIES:  # a county without an institution of its own uses its city's
        own = np.flatnonzero(inst_county == c)
        city = np.flatnonzero(np.char.startswith(inst_county.astype("U6"), c[:4]))
        by_county[c] = own if len(own) else city if len(city) else np.arange(n_inst)
    class_county = np.empty(next_class, dtype=object)
    class_round = np.empty(next_class, dtype=np.int64)
    class_county[class_of] = county
    class_round[class_of] = nth
    class_inst = np.array([rng.choice(by_county[c]) for c in class_county])
    class_occ = rng.integers(0, len(_OCCUPATIONS), size=next_class)
    year_start = np.array([np.datetime64(f"{2019 + r}-01-07") for r in class_round])
    class_start = year_start + rng.integers(0, 300, size=next_class).astype("timedelta64[D]")
    days = np.array([_OCCUPATIONS[o][2] for o in class_occ])
    class_end = class_start + (days - 1).astype("timedelta64[D]")
    class_id = np.array(
        [
            f"{2019 + r}-{c}-{i:05d}"
            for i, (r, c) in enumerate(zip(class_round, class_county, strict=True))
        ]
    )

    occ = class_occ[class_of]
    name = people["name"][person].copy()
    # benign formatting noise on repeat enrollments: a space in a Han name, a lost or
    # different middle dot in a Uyghur name — the same person, never a finding
    noisy = (nth > 0) & (rng.random(len(person)) < 0.03)
    for i in np.flatnonzero(noisy):
        text = name[i]
        name[i] = (
            text.replace("·", rng.choice(["", "•", "・"]))
            if "·" in text
            else f"{text[0]} {text[1:]}"
        )
    start = class_start[class_of]
    end = class_end[class_of]
    trainees = pa.table(
        {
            "name": pa.array(name.tolist(), pa.string()),
            "id_number": pa.array(people["id_number"][person].tolist(), pa.string()),
            "gender": pa.array(people["gender"][person].tolist(), pa.string()),
            "phone": pa.array(people["phone"][person].tolist(), pa.string()),
            "institution": pa.array(inst_names[class_inst[class_of]].tolist(), pa.string()),
            "class_id": pa.array(class_id[class_of].tolist(), pa.string()),
            "occupation": pa.array([_OCCUPATIONS[o][0] for o in occ], pa.string()),
            "level": pa.array([_OCCUPATIONS[o][1] for o in occ], pa.string()),
            "start_date": pa.array(np.datetime_as_string(start).tolist(), pa.string()),
            "end_date": pa.array(np.datetime_as_string(end).tolist(), pa.string()),
            "hours": pa.array((days[class_of] * 6).astype(str).tolist(), pa.string()),
            "county": pa.array(county.tolist(), pa.string()),
            "category": pa.array(people["category"][person].tolist(), pa.string()),
        }
    )
    payments = _payments(rng, trainees, people, person, occ, days[class_of], end)
    if folder is None:
        return {"trainees": trainees, "payments": payments}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table_name, table in (("trainees", trainees), ("payments", payments)):
        path = folder / f"{table_name}.csv"
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
        paths[table_name] = path
    return paths


def _payments(rng, trainees: pa.Table, people: dict, person, occ, days, end) -> pa.Table:
    """Training subsidy for every enrollment, certificate subsidy for 70 % (levels with a
    seed rate), living allowance for poor labourers — each into the trainee's own card."""
    n = len(person)
    level = np.array([_OCCUPATIONS[o][1] for o in occ])
    cert_amount = np.array([_CERT_SUBSIDY.get(lv, 0) for lv in level])
    poor = people["category"][person] == "建档立卡贫困劳动力"
    parts = [
        (np.arange(n), "培训补贴", np.array([_OCCUPATIONS[o][3] for o in occ]), 20),
        (np.flatnonzero((cert_amount > 0) & (rng.random(n) < 0.7)), "取证补贴", cert_amount, 45),
        (np.flatnonzero(poor), "生活费补贴", days * 15, 10),
    ]
    cols: dict[str, list] = {k: [] for k in ("payment_id", "id_number", "name", "institution", "class_id",
                                             "subsidy_type", "amount", "pay_date", "account")}  # fmt: skip
    ids = trainees.column("id_number").to_numpy(zero_copy_only=False)
    names = people["name"][person]
    inst = trainees.column("institution").to_numpy(zero_copy_only=False)
    cls = trainees.column("class_id").to_numpy(zero_copy_only=False)
    account = people["account"][person]
    for rows, label, amounts, lag in parts:
        cols["id_number"].append(ids[rows])
        cols["name"].append(names[rows])
        cols["institution"].append(inst[rows])
        cols["class_id"].append(cls[rows])
        cols["subsidy_type"].append(np.full(len(rows), label, dtype=object))
        cols["amount"].append(amounts[rows].astype(str))
        paid = end[rows] + rng.integers(lag, lag + 30, size=len(rows)).astype("timedelta64[D]")
        cols["pay_date"].append(np.datetime_as_string(paid))
        cols["account"].append(account[rows])
    total = sum(len(r) for r, *_ in parts)
    cols["payment_id"] = [np.array([f"PAY{i:08d}" for i in range(1, total + 1)])]
    return pa.table({k: pa.array(np.concatenate(v).tolist(), pa.string()) for k, v in cols.items()})


HEURISTIC_RULES = ["I109", "I110", "I111", "F501", "F502", "F503", "F504", "F505", "F507"]


def measure(n: int = 100_000, seed: int = 0, folder: str | Path | None = None) -> dict:
    """Audit a clean population with the heuristic rules; the share of rows flagged."""
    import tempfile

    from trainaudit import api

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = clean_population(n, seed, folder or tmp)
        made = time.perf_counter() - started
        report = api.audit(
            **paths, rules=HEURISTIC_RULES, lang="en", audit_date=dt.date(2021, 12, 31)
        )
    rows = sum(info.rows for info in report.inputs.values())
    flagged = {(f.table, f.row) for f in report.findings if f.row is not None}
    return {
        "enrollments": report.inputs["trainees"].rows,
        "payments": report.inputs["payments"].rows,
        "rows": rows,
        "flagged_rows": len(flagged),
        "rate": len(flagged) / rows,
        "group_findings": [(f.rule, f.subject) for f in report.findings if f.row is None],
        "by_rule": {
            r.code: (r.status.value, len(r.findings), round(r.seconds, 3)) for r in report.results
        },
        "generate_seconds": round(made, 2),
    }


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 100_000
    started = time.perf_counter()
    result = measure(n)
    print(f"clean population: {result['enrollments']} enrollments, {result['payments']} payments "
          f"(generated in {result['generate_seconds']} s)")  # fmt: skip
    for code, (status, count, seconds) in result["by_rule"].items():
        print(f"  {code}  {status:7}  {count:5} findings  {seconds:7.3f} s")
    print(
        f"flagged rows: {result['flagged_rows']} of {result['rows']} = {100 * result['rate']:.4f} %"
    )
    print(f"class/institution-level findings: {result['group_findings'] or 'none'}")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv)
