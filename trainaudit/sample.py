"""Synthetic demo inputs for `trainaudit sample` and the end-to-end tests.

The data are made up (STYLE §8: demo data synthetic) but shaped like what county clerks
really send (DOMAIN §3.4, §5): a roster workbook with a title row, an info row, Chinese
headers, dates in four forms, IDs typed as numbers; a certificate list in GB18030; a
payment ledger in UTF-8 with a BOM. About 500 roster rows are clean; a few dozen rows
are planted so that every rule of SPEC §5 (except D001) fires at least once. `PLANTED`
says where each one is, so tests and the demo can point at it.

Everything comes from one seeded `random.Random` and fixed dates, and the workbook's
zip entries and document times are pinned, so two runs give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from .errors import InputError
from .ids import check_char, make_id
from .report.atomic import atomic_path

SEED = 20190701
FIXED_TIME = dt.datetime(2020, 7, 1, 9, 0, 0)
"""Workbook creation/modification time; a fixed value keeps the file byte-identical."""
_ZIP_TIME = (2020, 7, 1, 9, 0, 0)

PLANTED: dict[str, str] = {
    "D002": "trainees: class XD2020-003, one row (ID 140107199703090420) with 姓名 left blank",
    "D003": "certificates: 杨雪 (class XHL2020-01), 发证日期 written 2020-06-31 (no such day)",
    "D004": "trainees: 李玉兰 in class XHL2020-02, 开班日期/结业日期 swapped (end before start)",
    "D005": "payments: 赵春梅's 生活费补贴 for class DTCQ-2020-01 has 金额 '待核' (not a number)",
    "D006": "trainees: 陈晓东 in class XD2020-001, 培训等级 '待定' (no such level)",
    "D007": "certificates: 吴桂英's certificate row repeated (second copy writes the date 2020/7/1)",
    "I101": "trainees: 杨磊 in class XD2020-003, ID with 17 digits (one digit lost)",
    "I102": "trainees: 黄涛 in class XHL2020-01, ID whose 16th digit was mistyped",
    "I103": "trainees: 吴敏 in class DTCQ-2020-03, ID with birth date 1990-02-30 (checksum right)",
    "I104": "trainees: 周杰 in class XD2020-002, ID starting 20 (no such province)",
    "I105": "trainees: numeric cells 370523196906116000 (周秀珍, XHL2020-03) and "
    "140107198811230000 (黄美玲, JY-DS-2001); text '1.10101E+17' (王平, ZC-GQ-2001)",
    "I106": "trainees: 王海涛 in class XHL2020-02, legacy 15-digit ID 140105780312021",
    "I107": "trainees: 吴春生 in class XD2020-002, man born 1958-05-02 (61 at start)",
    "I108": "trainees: 周婷 in class JY-DS-2001, 性别 女 but the ID's 17th digit is odd",
    "I109": "trainees: ID 140107198708080139 is 张伟 in XD2020-002 and XHL2020-01 but 刘洋 in "
    "DTCQ-2020-03",
    "I110": "trainees: ID of 王丽娟 (XHL2020-02) written 王莉娟 in JY-DS-2001",
    "I111": "trainees: 王建国 born 1982-03-15 in 140105 with ID seq 031 (XD2020-001) and "
    "seq 057 (JY-DS-2001)",
    "I112": "trainees: 李军 in class DTCQ-2020-03, masked ID 530402********0011",
    "R201": "trainees: 李建军 twice in class XD2020-001 (second row with another phone)",
    "R202": "trainees: 杨志强 trained 电工 初级 in XD2020-001 and 电工 五级 in ZC-GQ-2001",
    "R203": "trainees: 刘强 in 4 classes starting in 2020 (XD2020-002, XHL2020-01, "
    "JY-DS-2001, XHL2020-03)",
    "R204": "trainees: 赵志刚 in ZC-GQ-2001 (06-01..06-12) and XHL2020-02 (06-08..06-19)",
    "R205": "trainees: class JY-DS-2001 has 62 distinct IDs (limit 60)",
    "R206": "trainees: 张磊 in class XHL2020-01, 培训课时 1200 for a 19-day class",
    "R207": "trainees: 张慧 in class XHL2020-02, 培训工种 西式面点师 (not in occupations.csv)",
    "C301": "certificates: 吴鹏 (trained 电工 in XD2020-001) holds a 焊工 五级 certificate",
    "C302": "certificates: 赵斌 (XD2020-002 ends 2020-04-30) certificate issued 2020-04-20; "
    "also 周建军's 2019 certificate (see P409)",
    "C303": "certificates: 黄丽's certificate carries 刘芳's certificate number (both XD2020-001)",
    "P401": "payments: 培训补贴 for 赵磊 (ID 140105199107190350) in XD2020-001, not on the roster",
    "P402": "payments: 取证补贴 for 刘斌 (XHL2020-01), who holds no certificate",
    "P403": "payments: 培训补贴 1500.00 for 陈静 (XHL2020-01), cap 1000",
    "P404": "payments: 培训补贴 for 陈刚 (XD2020-002) paid a second time 35 days later",
    "P405": "payments: 培训补贴 for 王勇 (XD2020-003) paid 2020-09-18, class ends 2020-09-30",
    "P406": "payments: 培训补贴 for 黄海燕 (XHL2020-03, 鑫源) paid to 太原市小店区华晋职业培训学校",
    "P407": "payments: 岗前培训补贴 for ZC-GQ-2002 paid 2020-09-10 to 山西众创技能培训有限公司, "
    "banned from 2020-09-01 (institutions.csv)",
    "P408": "payments: ZC-GQ-2001 institution-level 岗前培训补贴 total = 40 IDs × 300 + 3000 top-up",
    "P409": "payments: 取证补贴 for 周建军 (XHL2020-01) whose certificate was issued 2019-05-20",
    "F501": "trainees: phone 13935260188 on 王燕, 刘玲 and 陈丹 in class DTCQ-2020-03",
    "F502": "payments: 生活费补贴 for 杨霞, 黄娟 and 周艳 (DTCQ-2020-03) to account "
    "6217991610001234567",
    "F503": "trainees: 5 IDs 14010719950312xxxx (李浩, 王欣怡, 张宇, 刘雅婷, 陈子豪) in XHL2020-03",
    "F504": "trainees: DTCQ-2020-02 reuses 36 of DTCQ-2020-01's 40 IDs (90% of each class)",
    "F505": "payments: 大同市平城区恒达职业培训学校 person-level 培训补贴 amounts 403–693 and "
    "living allowances 3 yuan short of 15 a day (none fixed by policy: 105 payments), so first digits are "
    "mostly 2 and 4–6",
    "F506": "watchlist: 赵国庆 (XD2020-001, 死亡) and 杨红梅 (XHL2020-03, 在职公职人员, "
    "watchlist writes her final X as x)",
    "F507": "trainees: a trainee named 测试 in class ZC-GQ-2002",
}
"""Rule code → where the sample data trips it (D001 needs a missing column: not planted)."""


# --- reference data -----------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(prefix8: str, org8: str) -> str:
    """A GB 32100 credit code with both check characters right, so only planted rows look odd."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in org8]  # GB 11714: A=10 … Z=35
    inner = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org9 = org8 + {10: "X", 11: "0"}.get(inner, str(inner))
    body = prefix8 + org9
    total = sum(_USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class Institution:
    name: str
    code: str
    county: str
    status: str = "正常"
    banned_from: str = ""


INSTITUTIONS = {
    "A": Institution("太原市小店区华晋职业培训学校", _uscc("52140105", "MJY03271"), "小店区"),
    "B": Institution(
        "太原市杏花岭区鑫源职业技能培训学校", _uscc("52140107", "MJY05618"), "杏花岭区"
    ),
    "C": Institution("大同市平城区恒达职业培训学校", _uscc("52140213", "MJ096248"), "平城区"),
    "D": Institution(
        "山西众创技能培训有限公司", _uscc("91140105", "MA0K3T7B"), "小店区", "禁入", "2020-09-01"
    ),
    "E": Institution(
        "太原市杏花岭区晋阳电子商务培训学校", _uscc("52140107", "MJY07452"), "杏花岭区"
    ),
}
_FORMER = Institution(
    "大同市云冈区宏达技工培训学校", _uscc("52140214", "MJ097315"), "云冈区", "禁入", "2019-03-15"
)
"""Banned before the sample period; listed so the institutions table looks like a real one."""

REGIONS = {
    "A": ("140105", "140106", "140109", "140121", "140107"),
    "B": ("140107", "140108", "140110", "140105", "141002"),
    "C": ("140202", "140203", "140211", "140212", "140213", "140221"),
    "D": ("140105", "140106", "140109", "140702"),
    "E": ("140107", "140108", "140105", "140110", "142301"),
}
"""County codes of trainees' ID numbers by institution; 140202 (old Datong 城区) stays on
people's numbers although the district was renamed, as real numbers do (DOMAIN §3.1)."""


@dataclass(frozen=True)
class Klass:
    class_id: str
    inst: str
    occupation: str
    level_text: str
    start: dt.date
    end: dt.date
    hours: int
    size: int
    payment: str
    """how the institution is paid: person | varied | split | prejob"""
    rate: int
    """training subsidy per person (split/person) or pre-job rate"""
    cert_level: str
    """level as the certificate list writes it; empty when the class gives no certificate"""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _d(month: int, day: int) -> dt.date:
    return dt.date(2020, month, day)


CLASSES = (
    Klass("XD2020-001", "A", "电工", "初级", _d(3, 2), _d(3, 27), 160, 45, "person", 900, "五级/初级工"),
    Klass("XD2020-002", "A", "焊工", "五级", _d(4, 7), _d(4, 30), 144, 40, "person", 1000, "五级/初级工"),
    Klass("XD2020-003", "A", "电工", "中级", _d(9, 7), _d(9, 30), 160, 35, "person", 1000, "四级/中级工"),
    Klass("XHL2020-01", "B", "中式烹调师", "五级/初级工", _d(5, 11), _d(5, 29), 120, 42, "person", 900, "五级/初级工"),
    Klass("XHL2020-02", "B", "山西面食制作", "专项职业能力", _d(6, 8), _d(6, 19), 80, 40, "person", 600, "专项职业能力"),
    Klass("XHL2020-03", "B", "育婴员", "初级工", _d(10, 12), _d(10, 30), 120, 38, "person", 800, "五级/初级工"),
    Klass("DTCQ-2020-01", "C", "家政服务员", "五级", _d(4, 13), _d(4, 27), 96, 40, "varied", 0, "五级/初级工"),
    Klass("DTCQ-2020-02", "C", "养老护理员", "五级", _d(7, 6), _d(7, 24), 120, 40, "varied", 0, "五级/初级工"),
    Klass("DTCQ-2020-03", "C", "美容师", "五级", _d(8, 10), _d(8, 28), 120, 40, "split", 580, "五级/初级工"),
    Klass("ZC-GQ-2001", "D", "电工", "五级", _d(6, 1), _d(6, 12), 72, 40, "prejob", 300, ""),
    Klass("ZC-GQ-2002", "D", "焊工", "五级", _d(7, 13), _d(7, 24), 72, 30, "prejob", 300, ""),
    Klass("JY-DS-2001", "E", "电子商务师", "初级", _d(8, 3), _d(8, 21), 120, 62, "split", 800, "五级/初级工"),
)  # fmt: skip
CLASS_BY_ID = {k.class_id: k for k in CLASSES}

OCCUPATIONS = (
    ("电工", "五级"), ("电工", "四级"), ("电工", "三级"), ("焊工", "五级"), ("焊工", "四级"),
    ("中式烹调师", "五级"), ("中式烹调师", "四级"), ("中式面点师", "五级"),
    ("山西面食制作", "专项职业能力"), ("育婴员", "五级"), ("育婴员", "四级"),
    ("家政服务员", "五级"), ("家政服务员", "四级"), ("养老护理员", "五级"), ("养老护理员", "四级"),
    ("美容师", "五级"), ("美发师", "五级"), ("电子商务师", "五级"), ("电子商务师", "四级"),
    ("保育师", "五级"), ("农业经理人", "五级"),
)  # fmt: skip
"""Provincial catalogue of subsidised occupations (SPEC: occupations table)."""

CERT_SUBSIDY = {"五级/初级工": 300, "专项职业能力": 150}
"""Certificate subsidy actually paid (seed 004 rates); 四级 has no rate, so none is paid."""

SURNAMES = "王李张刘陈杨黄赵吴周"
SURNAME_WEIGHTS = (14, 14, 12, 11, 8, 7, 6, 6, 5, 5)
MALE_NAMES = (
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 建国 建军 志强 海涛 晓东 "
    "国庆 文博 俊杰 子豪 浩然 宇航 家乐 志刚 永强 春生 振华 晓军 立新 红军 卫东"
).split()
FEMALE_NAMES = (
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 慧 琳 丹 红梅 秀英 桂英 丽娟 晓燕 海燕 雅婷 欣怡 "
    "梦琪 思雨 佳慧 玉兰 春梅 文静 美玲 秀兰 翠花 金凤 晓红 丽萍"
).split()
CATEGORIES = (
    ("农村转移就业劳动者", 40), ("城镇登记失业人员", 25), ("建档立卡贫困劳动力", 15),
    ("高校毕业生", 10), ("退役军人", 4), ("残疾人", 2), ("两后生", 4),
)  # fmt: skip
POOR = "建档立卡贫困劳动力"


# --- people and roster rows ----------------------------------------------------------------


@dataclass
class Person:
    name: str
    id18: str
    gender: str
    phone: str
    category: str
    account: str = ""


@dataclass
class Row:
    """One roster row; the optional fields hold what the clerk wrote when it is not canonical."""

    person: Person
    klass: Klass
    id_cell: object = None
    name: str | None = None
    gender: str | None = None
    phone: object = None
    occupation: str | None = None
    level: str | None = None
    start: object = None
    end: object = None
    hours: object = "class"
    docs: bool = True
    """False: the person gets no certificate and no person-level payment (bad-ID rows)."""
    cert: str = "auto"
    """auto (90% get one) | yes | no, or a planted case: wrong_occupation | before_end |
    pre_policy | bad_date | duplicated | number_source | number_reused"""
    pay: str = ""
    """planted payment case: over_cap | again | early | wrong_payee | no_cert | bad_amount"""


class _People:
    """Makes clean synthetic people: unique IDs, unique phones, names of the right gender."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def reserve(self, id18: str) -> str:
        if id18 in self.ids:
            raise ValueError(f"sample generator made {id18} twice")
        self.ids.add(id18)
        return id18

    def phone(self) -> str:
        while True:
            prefix = self.rng.choice(("135", "136", "137", "138", "139", "150", "152", "158", "159", "182", "183", "187", "188"))  # fmt: skip
            phone = prefix + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def account(self) -> str:
        return (
            self.rng.choice(("6217", "6228", "6230", "6216")) + f"{self.rng.randrange(10**15):015d}"
        )

    def name(self, gender: str) -> str:
        surname = self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return surname + self.rng.choice(MALE_NAMES if gender == "男" else FEMALE_NAMES)

    def clean(self, klass: Klass) -> Person:
        """A working-age (18–49 at class start) trainee with a checksum-valid Shanxi ID."""
        rng = self.rng
        gender = rng.choice("男女")
        birth = klass.start - dt.timedelta(days=rng.randint(18 * 365 + 5, 50 * 365 - 5))
        region = rng.choice(REGIONS[klass.inst])
        while True:
            seq = rng.randrange(1, 1000)
            if (seq % 2 == 1) == (gender == "男"):
                id18 = make_id(region, birth, seq)
                if id18 not in self.ids:
                    break
        self.reserve(id18)
        age = (klass.start - birth).days // 365
        category = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
        if (category == "高校毕业生" and age > 28) or (category == "两后生" and age > 20):
            category = "农村转移就业劳动者"
        person = Person(self.name(gender), id18, gender, self.phone(), category)
        if category == POOR:
            person.account = self.account()
        return person

    def planted(
        self,
        name: str,
        gender: str,
        region: str,
        birth: dt.date,
        seq: int,
        category: str = "农村转移就业劳动者",
    ) -> Person:
        person = Person(
            name, self.reserve(make_id(region, birth, seq)), gender, self.phone(), category
        )
        if category == POOR:
            person.account = self.account()
        return person


def _id_ending_x(people: _People, region: str, birth: dt.date, gender: str) -> str:
    """The first free sequence number whose check character is X (for the x/X cases)."""
    for seq in range(1 if gender == "男" else 2, 1000, 2):
        id18 = make_id(region, birth, seq)
        if id18.endswith("X") and id18 not in people.ids:
            return people.reserve(id18)
    raise ValueError("no sequence number gives check character X")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def _with_check(body17: str) -> str:
    """Checksum-valid ID for a body that make_id cannot build (an impossible birth date)."""
    return body17 + check_char(body17)


def _build_rows(rng: random.Random) -> tuple[list[Row], dict[str, Person]]:
    """All roster rows, class by class; planted rows first, then clean ones, then shuffled.

    Returns the rows and the planted people that other tables refer to by key.
    """
    people = _People(rng)
    k = CLASS_BY_ID
    P = people.planted
    planted: dict[str, list[Row]] = {c.class_id: [] for c in CLASSES}
    named: dict[str, Person] = {}

    def add(class_id: str, person: Person, **kw) -> Row:
        row = Row(person, k[class_id], **kw)
        planted[class_id].append(row)
        return row

    # XD2020-001 — 电工 初级
    dup = P("李建军", "男", "140105", dt.date(1985, 6, 12), 31)
    add("XD2020-001", dup)
    add("XD2020-001", dup, phone=people.phone(), hours=158, docs=False)  # R201
    repeat = P("杨志强", "男", "140106", dt.date(1990, 9, 21), 17)
    # R202 with ZC-GQ-2001; no certificate, so C302 cannot hit it through the later class
    add("XD2020-001", repeat, cert="no")
    twin_a = P("王建国", "男", "140105", dt.date(1982, 3, 15), 31)
    add("XD2020-001", twin_a)  # I111 with JY-DS-2001
    add(
        "XD2020-001",
        P("陈晓东", "男", "140109", dt.date(1993, 11, 4), 53),
        level="待定",
        docs=False,
    )
    add("XD2020-001", P("吴鹏", "男", "140121", dt.date(1994, 2, 8), 11), cert="wrong_occupation")
    add("XD2020-001", P("刘芳", "女", "140105", dt.date(1996, 5, 20), 26), cert="number_source")
    add("XD2020-001", P("黄丽", "女", "140107", dt.date(1992, 12, 1), 44), cert="number_reused")
    named["deceased"] = P("赵国庆", "男", "140106", dt.date(1971, 10, 1), 15)
    add("XD2020-001", named["deceased"], cert="yes")  # F506 in all three tables
    named["ghost"] = P("赵磊", "男", "140105", dt.date(1991, 7, 19), 35)  # P401: payments only

    # XD2020-002 — 焊工 五级
    busy = P("刘强", "男", "140108", dt.date(1988, 1, 23), 19)
    add("XD2020-002", busy)  # R203: also XHL2020-01, JY-DS-2001, XHL2020-03
    conflict = P("张伟", "男", "140107", dt.date(1987, 8, 8), 13)
    add("XD2020-002", conflict)  # I109: also XHL2020-01, and DTCQ-2020-03 as 刘洋
    bad_region = people.reserve(_with_check("20010519920416037"))
    add(
        "XD2020-002",
        Person("周杰", bad_region, "男", people.phone(), "城镇登记失业人员"),
        docs=False,
    )
    lower = Person("黄秀英", _id_ending_x(people, "140105", dt.date(1991, 4, 9), "女"), "女", people.phone(), "城镇登记失业人员")  # fmt: skip
    add("XD2020-002", lower, id_cell=lower.id18[:17] + "x")
    add("XD2020-002", P("吴春生", "男", "140121", dt.date(1958, 5, 2), 13))  # I107
    add("XD2020-002", P("赵斌", "男", "140109", dt.date(1989, 7, 30), 39), cert="before_end")
    add("XD2020-002", P("陈刚", "男", "140105", dt.date(1984, 12, 12), 55), pay="again")

    # XD2020-003 — 电工 中级
    short = P("杨磊", "男", "140106", dt.date(1987, 2, 14), 57)
    add("XD2020-003", short, id_cell=short.id18[:9] + short.id18[10:], docs=False)  # I101
    add("XD2020-003", P("李娜", "女", "140107", dt.date(1997, 3, 9), 42), name="", docs=False)
    add("XD2020-003", P("王勇", "男", "140105", dt.date(1986, 10, 10), 71), pay="early")

    # XHL2020-01 — 中式烹调师 五级/初级工
    typo = P("黄涛", "男", "140108", dt.date(1992, 6, 18), 33)
    wrong = typo.id18[:15] + str((int(typo.id18[15]) + 3) % 10) + typo.id18[16:]
    add("XHL2020-01", typo, id_cell=wrong, docs=False)  # I102
    spaced = P("李婷", "女", "140110", dt.date(1995, 8, 27), 64)
    add("XHL2020-01", spaced, id_cell=spaced.id18 + " ")
    add("XHL2020-01", P("张磊", "男", "140107", dt.date(1990, 1, 5), 77), hours=1200)  # R206
    add("XHL2020-01", P("杨雪", "女", "140105", dt.date(1994, 9, 13), 82), cert="bad_date")
    add("XHL2020-01", P("刘斌", "男", "140108", dt.date(1983, 3, 3), 91), cert="no", pay="no_cert")
    add("XHL2020-01", P("陈静", "女", "141002", dt.date(1989, 11, 11), 46), pay="over_cap")
    add("XHL2020-01", P("周建军", "男", "140107", dt.date(1980, 7, 1), 19), cert="pre_policy")
    add("XHL2020-01", busy)
    add("XHL2020-01", conflict)

    # XHL2020-02 — 山西面食制作 专项职业能力
    legacy = P("王海涛", "男", "140105", dt.date(1978, 3, 12), 21)
    add("XHL2020-02", legacy, id_cell=legacy.id18[:6] + legacy.id18[8:17])  # I106
    swap = k["XHL2020-02"]
    add("XHL2020-02", P("李玉兰", "女", "140108", dt.date(1986, 4, 22), 48), start=swap.end, end=swap.start, hours=None)  # fmt: skip
    add("XHL2020-02", P("张慧", "女", "140110", dt.date(1998, 2, 2), 62), occupation="西式面点师", docs=False)  # fmt: skip
    overlap = P("赵志刚", "男", "140105", dt.date(1990, 4, 4), 73)
    add("XHL2020-02", overlap)  # R204 with ZC-GQ-2001
    variant = P("王丽娟", "女", "140107", dt.date(1983, 7, 7), 28)
    add("XHL2020-02", variant)  # I110 with JY-DS-2001
    add("XHL2020-02", P("吴桂英", "女", "140105", dt.date(1975, 12, 24), 86), cert="duplicated")

    # XHL2020-03 — 育婴员 初级工
    numeric = P("周秀珍", "女", "370523", dt.date(1969, 6, 11), 602, "城镇登记失业人员")
    add("XHL2020-03", numeric, id_cell=int(numeric.id18[:15] + "000"), docs=False)  # I105
    for name, gender, seq in (("李浩", "男", 11), ("王欣怡", "女", 22), ("张宇", "男", 35), ("刘雅婷", "女", 48), ("陈子豪", "男", 53)):  # fmt: skip
        add("XHL2020-03", P(name, gender, "140107", dt.date(1995, 3, 12), seq))  # F503
    named["servant"] = Person("杨红梅", _id_ending_x(people, "140107", dt.date(1984, 10, 16), "女"), "女", people.phone(), "城镇登记失业人员")  # fmt: skip
    add("XHL2020-03", named["servant"], cert="yes")  # F506 (watchlist writes x)
    add("XHL2020-03", P("黄海燕", "女", "140108", dt.date(1992, 5, 5), 66), pay="wrong_payee")
    add("XHL2020-03", busy)

    # DTCQ-2020-01 — 家政服务员 (its roster is reused by DTCQ-2020-02, F504)
    add(
        "DTCQ-2020-01",
        P("赵春梅", "女", "140211", dt.date(1979, 1, 30), 84, POOR),
        pay="bad_amount",
    )

    # DTCQ-2020-03 — 美容师
    bad_birth = people.reserve(_with_check("14020219900230024"))
    add("DTCQ-2020-03", Person("吴敏", bad_birth, "女", people.phone(), "农村转移就业劳动者"), docs=False)  # fmt: skip
    masked = Person("李军", "530402********0011", "男", people.phone(), "农村转移就业劳动者")
    add("DTCQ-2020-03", masked, docs=False)  # I112
    for name, birth, seq in (("王燕", dt.date(1991, 6, 6), 24), ("刘玲", dt.date(1992, 6, 11), 46), ("陈丹", dt.date(1993, 6, 17), 68)):  # fmt: skip
        person = P(name, "女", "140203", birth, seq)
        person.phone = "13935260188"  # F501: the institution's own number
        add("DTCQ-2020-03", person)
    for name, birth, seq in (("杨霞", dt.date(1985, 3, 3), 12), ("黄娟", dt.date(1986, 3, 8), 34), ("周艳", dt.date(1987, 3, 14), 56)):  # fmt: skip
        person = P(name, "女", "140212", birth, seq, POOR)
        person.account = "6217991610001234567"  # F502: one card for three people
        add("DTCQ-2020-03", person)
    add("DTCQ-2020-03", conflict, name="刘洋")

    # ZC-GQ-2001 / ZC-GQ-2002 — 岗前培训 at the later banned company
    add("ZC-GQ-2001", repeat)
    add("ZC-GQ-2001", overlap)
    sci = Person("王平", people.reserve(make_id("110101", dt.date(1988, 5, 16), 53)), "男", people.phone(), "企业职工")  # fmt: skip
    add("ZC-GQ-2001", sci, id_cell="1.10101E+17", docs=False)  # I105 as text
    add("ZC-GQ-2002", P("测试", "男", "140105", dt.date(1993, 8, 8), 99), docs=False)  # F507

    # JY-DS-2001 — 电子商务师, 62 people (R205)
    add("JY-DS-2001", busy)
    add("JY-DS-2001", variant, name="王莉娟")
    add("JY-DS-2001", P("王建国", "男", "140105", dt.date(1982, 3, 15), 57))  # I111
    add("JY-DS-2001", P("周婷", "男", "140108", dt.date(1996, 1, 19), 75), gender="女")  # I108
    wide = P("张欣", "女", "140107", dt.date(1999, 9, 9), 28)
    add("JY-DS-2001", wide, id_cell=_full_width(wide.id18))
    zeroed = P("黄美玲", "女", "140107", dt.date(1988, 11, 23), 6)
    add("JY-DS-2001", zeroed, id_cell=int(zeroed.id18[:15] + "000"), docs=False)  # I105

    rows: list[Row] = []
    reusable: list[Person] = []
    for klass in CLASSES:
        class_rows = list(planted[klass.class_id])
        if klass.class_id == "DTCQ-2020-02":
            class_rows += [Row(p, klass) for p in reusable[:36]]  # F504
        while len(class_rows) < klass.size:
            person = people.clean(klass)
            if klass.class_id == "DTCQ-2020-01":
                reusable.append(person)
            class_rows.append(Row(person, klass))
        rng.shuffle(class_rows)
        rows += class_rows
    return rows, named


# --- trainees.xlsx -------------------------------------------------------------------------

TRAINEE_HEADER = (
    "序号", "姓名", "身份证号码", "性别", "联系电话", "培训机构", "统一社会信用代码", "班级编号",
    "培训工种", "培训等级", "开班日期", "结业日期", "培训课时", "县区", "人员类别",
)  # fmt: skip
CERT_HEADER = ("证书编号", "姓名", "身份证号码", "职业（工种）", "技能等级", "发证日期", "证书类型", "发证机构")  # fmt: skip
PAYMENT_HEADER = ("支付编号", "身份证号码", "姓名", "培训机构", "班级编号", "补贴类型", "金额", "支付日期", "银行账号")  # fmt: skip
TITLE = "2020年XX县职业技能培训补贴人员花名册"
INFO = "培训机构（盖章）：各承训机构汇总            填报日期：2020年7月1日"
HEADER_ROW = 3
"""Row of the roster's header (a title row and an info row sit above it)."""

_SERIAL_EPOCH = dt.date(1899, 12, 30)


def _date_cell(rng: random.Random, day: dt.date) -> object:
    """A date as clerks type it: a real date cell, 2020年3月2日, 2020.3.2 or a bare serial."""
    form = rng.choices(("date", "cn", "dot", "serial"), (5, 2, 2, 1))[0]
    if form == "date":
        return day
    if form == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "dot":
        return f"{day.year}.{day.month}.{day.day}"
    return (day - _SERIAL_EPOCH).days


def _trainees_workbook(rows: list[Row], rng: random.Random) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    width = len(TRAINEE_HEADER)
    ws.cell(1, 1, TITLE).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, INFO)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for col, text in enumerate(TRAINEE_HEADER, 1):
        ws.cell(HEADER_ROW, col, text).font = Font(bold=True)
    for index, row in enumerate(rows, 1):
        person, klass = row.person, row.klass
        inst = INSTITUTIONS[klass.inst]
        phone = row.phone if row.phone is not None else person.phone
        if phone != "13935260188" and row.phone is None and rng.random() < 0.1:
            phone = int(phone)  # 11-digit phones survive Excel's number typing
        id_cell = row.id_cell if row.id_cell is not None else person.id18
        category = "企业职工" if klass.payment == "prejob" else person.category
        hours = klass.hours if row.hours == "class" else row.hours
        values = (
            index,
            person.name if row.name is None else row.name,
            id_cell,
            row.gender or person.gender,
            phone,
            inst.name,
            inst.code,
            klass.class_id,
            row.occupation or klass.occupation,
            row.level or klass.level_text,
            _date_cell(rng, row.start or klass.start),
            _date_cell(rng, row.end or klass.end),
            hours,
            inst.county,
            category,
        )
        r = HEADER_ROW + index
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col, None if value == "" else value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif col == 3:
                cell.number_format = "0" if isinstance(value, int) else "@"
    for col, chars in enumerate((6, 8, 21, 5, 13, 32, 21, 14, 12, 12, 12, 12, 9, 9, 18), 1):
        ws.column_dimensions[ws.cell(HEADER_ROW, col).column_letter].width = chars
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    wb.properties.creator = "trainaudit sample"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    # ExcelWriter rather than wb.save(): save() stamps `modified` with the current time.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _pin_zip_times(buffer.getvalue())


def _pin_zip_times(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry times, which ZipFile.writestr takes from the clock."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = info.external_attr
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()


# --- certificates.csv ------------------------------------------------------------------------

ISSUERS = {
    "A": ("太原市职业技能鉴定中心", "000101"),
    "B": ("太原市职业技能鉴定中心", "000101"),
    "C": ("大同市职业技能鉴定中心", "000201"),
    "E": ("太原市职业技能鉴定中心", "000101"),
}
SPECIAL_ISSUER = "山西省职业技能鉴定指导中心"
CERT_DELAY = 12
"""Days from class end to the exam batch's certificate date."""


@dataclass
class Cert:
    row: Row
    number: str
    occupation: str
    level: str
    issued: dt.date
    date_text: str
    cert_type: str
    issuer: str


def _certificates(rows: list[Row], rng: random.Random) -> list[Cert]:
    """About 90% of trainees who completed a class get its certificate; planted ones differ."""
    serials: dict[str, int] = {}
    certs: list[Cert] = []
    for row in rows:
        klass = row.klass
        if not row.docs or not klass.cert_level or row.cert == "no":
            continue
        if row.cert == "auto" and rng.random() >= 0.9:
            continue
        special = klass.cert_level == "专项职业能力"
        issuer, station = (SPECIAL_ISSUER, "") if special else ISSUERS[klass.inst]
        level_digit = {"五级/初级工": "5", "四级/中级工": "4"}.get(klass.cert_level, "")
        key = issuer + level_digit
        serials[key] = serials.get(key, 0) + 1
        if special:
            number = f"ZX1401{2020}{serials[key]:05d}"
        else:  # 22-character 职业技能等级证书 number (DOMAIN §4.3)
            number = f"S000014{station}20{level_digit}{serials[key]:06d}"
        issued = klass.end + dt.timedelta(days=CERT_DELAY)
        occupation = klass.occupation
        if row.cert == "before_end":
            issued = klass.end - dt.timedelta(days=10)
        elif row.cert == "pre_policy":
            issued = dt.date(2019, 5, 20)
            number = f"S000014{station}19{level_digit}{serials[key]:06d}"
        elif row.cert == "wrong_occupation":
            occupation = "焊工"
        date_text = "2020-06-31" if row.cert == "bad_date" else issued.isoformat()
        cert = Cert(
            row, number, occupation, klass.cert_level, issued, date_text,
            "专项职业能力证书" if special else "职业技能等级证书", issuer,
        )  # fmt: skip
        certs.append(cert)
        if row.cert == "duplicated":
            copy = Cert(
                **{**cert.__dict__, "date_text": f"{issued.year}/{issued.month}/{issued.day}"}
            )
            certs.append(copy)
    source = next(c for c in certs if c.row.cert == "number_source")
    for cert in certs:
        if cert.row.cert == "number_reused":
            cert.number = source.number
    return certs


def _cert_lines(certs: list[Cert]) -> list[tuple]:
    out = [CERT_HEADER]
    for c in certs:
        name = c.row.person.name if c.row.name is None else c.row.name
        out.append((c.number, name, c.row.person.id18, c.occupation, c.level, c.date_text, c.cert_type, c.issuer))  # fmt: skip
    return out


# --- payments.csv --------------------------------------------------------------------------


@dataclass
class Payment:
    day: dt.date
    id18: str
    name: str
    institution: str
    class_id: str
    subsidy: str
    amount: str
    account: str = ""


def _money(amount: float) -> str:
    return f"{amount:.2f}"


_NO_SUBSIDY = ("bad_date", "wrong_occupation", "before_end")
"""Certificates whose holders get no certificate subsidy, so each plant trips one rule."""


def _person_payments(row: Row, cert: Cert | None, rng: random.Random) -> list[Payment]:
    """Training, certificate and living payments for one roster row, with its plants."""
    klass, person = row.klass, row.person
    inst = INSTITUTIONS[klass.inst].name
    name = row.name or person.name
    out: list[Payment] = []

    def pay(day: dt.date, subsidy: str, amount: float | str, account: str = "", payee: str = inst):
        text = amount if isinstance(amount, str) else _money(amount)
        out.append(Payment(day, person.id18, name, payee, klass.class_id, subsidy, text, account))

    if klass.payment in ("person", "varied"):
        amount = klass.rate if klass.payment == "person" else rng.randrange(400, 700, 10) + 3
        day = klass.end + dt.timedelta(days=30)
        if row.pay == "over_cap":
            amount = 1500
        if row.pay == "early":
            day = dt.date(2020, 9, 18)
        payee = INSTITUTIONS["A"].name if row.pay == "wrong_payee" else inst
        pay(day, "培训补贴", amount, payee=payee)
        if row.pay == "again":
            pay(day + dt.timedelta(days=35), "培训补贴", amount)
    if cert is not None and cert.level in CERT_SUBSIDY and row.cert not in _NO_SUBSIDY:
        day = cert.issued + dt.timedelta(days=20)
        if row.cert == "pre_policy":
            day = dt.date(2020, 7, 15)
        pay(day, "取证补贴", CERT_SUBSIDY[cert.level])
    if row.pay == "no_cert":
        pay(klass.end + dt.timedelta(days=CERT_DELAY + 20), "取证补贴", 300)
    if person.category == POOR and klass.payment != "prejob":
        amount = "待核" if row.pay == "bad_amount" else 15 * klass.days
        if klass.inst == "C" and row.pay != "bad_amount":
            amount -= 3  # made up like its training amounts: not 15 a day (F505)
        pay(klass.end + dt.timedelta(days=15), "生活费补贴", amount, person.account)
    return out


def _class_payments(klass: Klass, size: int) -> list[Payment]:
    """Institution-level payments (no ID): class totals, with the P407/P408 plants."""
    inst = INSTITUTIONS[klass.inst].name

    def pay(day: dt.date, subsidy: str, amount: float) -> Payment:
        return Payment(day, "", "", inst, klass.class_id, subsidy, _money(amount))

    if klass.payment == "split":  # 50% in advance at the start (seed 002), the rest after
        total = size * klass.rate
        return [
            pay(klass.start + dt.timedelta(days=2), "培训补贴", total // 2),
            pay(klass.end + dt.timedelta(days=30), "培训补贴", total - total // 2),
        ]
    if klass.payment != "prejob":
        return []
    if klass.class_id == "ZC-GQ-2001":  # P408: a top-up beyond 300 per person
        return [
            pay(klass.end + dt.timedelta(days=28), "岗前培训补贴", size * klass.rate),
            pay(dt.date(2020, 8, 20), "岗前培训补贴", 3000),
        ]
    # ZC-GQ-2002 is paid after the company's ban of 2020-09-01 (P407).
    return [pay(dt.date(2020, 9, 10), "岗前培训补贴", size * klass.rate)]


def _payments(
    rows: list[Row], certs: list[Cert], named: dict[str, Person], rng: random.Random
) -> list[Payment]:
    """The payment ledger in date order: person-level rows, a ghost, class totals."""
    cert_of = {id(c.row): c for c in certs}
    pays: list[Payment] = []
    for row in rows:
        if row.docs:
            pays += _person_payments(row, cert_of.get(id(row)), rng)
    ghost, a1 = named["ghost"], CLASS_BY_ID["XD2020-001"]  # P401: paid, never enrolled
    ghost_day = a1.end + dt.timedelta(days=30)
    pays.append(
        Payment(ghost_day, ghost.id18, ghost.name, INSTITUTIONS["A"].name, a1.class_id, "培训补贴", _money(a1.rate))
    )  # fmt: skip
    for klass in CLASSES:
        size = len({r.person.id18 for r in rows if r.klass is klass})
        pays += _class_payments(klass, size)
    order = {k.class_id: i for i, k in enumerate(CLASSES)}
    pays.sort(key=lambda p: (p.day, order[p.class_id], p.id18 == "", p.subsidy))
    return pays


def _payment_lines(pays: list[Payment]) -> list[tuple]:
    out = [PAYMENT_HEADER]
    for n, p in enumerate(pays, 1):
        out.append((f"ZF2020{n:05d}", p.id18, p.name, p.institution, p.class_id, p.subsidy, p.amount, p.day.isoformat(), p.account))  # fmt: skip
    return out


# --- reference tables -------------------------------------------------------------------------


def _institution_lines() -> list[tuple]:
    out = [("培训机构", "统一社会信用代码", "状态", "禁入日期")]
    for inst in (*INSTITUTIONS.values(), _FORMER):
        out.append((inst.name, inst.code, inst.status, inst.banned_from))
    return out


def _watchlist_lines(named: dict[str, Person]) -> list[tuple]:
    """Two hits on the roster (one written with a lower-case x) among people not in it."""
    out = [("身份证号码", "原因", "起始日期")]
    out.append((named["deceased"].id18, "死亡", "2019-11-02"))
    others = (
        ("140109", dt.date(1966, 2, 17), 33, "服刑人员", "2018-06-30"),
        ("140202", dt.date(1958, 9, 5), 12, "领取养老金人员", "2018-10-01"),
        ("140105", dt.date(1949, 3, 28), 71, "死亡", "2020-01-14"),
    )
    for region, birth, seq, reason, since in others:
        out.append((make_id(region, birth, seq), reason, since))
    out.append((named["servant"].id18[:17] + "x", "在职公职人员", "2016-09-01"))
    return out


def _occupation_lines() -> list[tuple]:
    return [("培训工种", "培训等级"), *OCCUPATIONS]


# --- writing ----------------------------------------------------------------------------------


def _csv_bytes(lines: list[tuple], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(lines)
    return text.getvalue().encode(encoding)


def _write(path: Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
        tmp.chmod(0o644)  # mkstemp makes 0600; demo files are meant to be shared
    return path


SAMPLE_FILES = (
    "trainees.xlsx",
    "certificates.csv",
    "payments.csv",
    "institutions.csv",
    "watchlist.csv",
    "occupations.csv",
)


def write_sample(out_dir: Path, force: bool = False) -> list[Path]:
    """Write the six demo inputs into `out_dir` and return their paths.

    The same bytes every time: one seeded generator, fixed dates, pinned zip times.
    A file of the same name already there is kept unless `force`: it may be a clerk's own.
    """
    out_dir = Path(out_dir)
    existing = [name for name in SAMPLE_FILES if (out_dir / name).exists()]
    if existing and not force:
        raise InputError(
            "{path}: already holds {files}; use --force to overwrite them",
            path=out_dir, files=", ".join(existing),
        )  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    rows, named = _build_rows(rng)
    workbook = _trainees_workbook(rows, rng)
    certs = _certificates(rows, rng)
    pays = _payments(rows, certs, named, rng)
    return [
        _write(out_dir / "trainees.xlsx", workbook),
        # Excel on Chinese Windows saves CSV in the ANSI code page (GBK ⊂ GB18030).
        _write(out_dir / "certificates.csv", _csv_bytes(_cert_lines(certs), "gb18030")),
        # Excel's "CSV UTF-8" starts with a byte-order mark.
        _write(out_dir / "payments.csv", _csv_bytes(_payment_lines(pays), "utf-8-sig")),
        _write(out_dir / "institutions.csv", _csv_bytes(_institution_lines(), "utf-8")),
        _write(out_dir / "watchlist.csv", _csv_bytes(_watchlist_lines(named), "utf-8")),
        _write(out_dir / "occupations.csv", _csv_bytes(_occupation_lines(), "utf-8")),
    ]
