"""Policy parameters: defaults from the 2019 policy documents, overridable by a TOML file.

Each default below names the seed file (000…004) it comes from; what users read (the
template, rule explanations, the workbook) cites the document by title: `DOCUMENTS`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import PolicyError

LEVELS = ("专项职业能力", "五级", "四级", "三级", "二级", "一级")
"""The six canonical skill levels (SPEC §2), lowest first after the special one."""


@dataclass(frozen=True)
class Policy:
    # 004: 原则上每人每年可参加补贴性培训不超过3次
    max_trainings_per_year: int = 3
    # 004: 同一职业同一等级不可重复参加
    forbid_repeat_level: bool = True
    # 004: 培训补贴标准每人不超过1000元
    training_subsidy_cap: float = 1000.0
    # 004: 取得专项职业能力证书每人150元、初级工每人300元、高级工每人600元
    # A level absent here is not checked against a cap (the seed gives no rate for it).
    certificate_subsidy_caps: dict[str, float] = field(
        default_factory=lambda: {"专项职业能力": 150.0, "五级": 300.0, "三级": 600.0}
    )
    # 004: 对企业职工参加岗前培训…财政按照每人300元的标准给予企业补贴
    pre_job_subsidy_cap: float = 300.0
    # 004: 培训期间按照每人每天15元的标准…给予生活费补贴
    living_allowance_per_day: float = 15.0
    # 002: 可先行拨付５０％的培训补贴资金
    advance_share: float = 0.5
    # Working age at training start (000/004: 劳动年龄段内); jurisdictions may switch it off.
    age_check: bool = True
    age_min: int = 16
    age_max_male: int = 60
    age_max_female: int = 55
    # 004: 从2019年7月1日取得证书开始算起
    certificate_policy_start: dt.date = dt.date(2019, 7, 1)
    # "Per year" is the calendar year of start_date (SPEC §4).
    year_basis: str = "start_date"
    shared_contact_threshold: int = 3
    max_class_size: int = 60
    # Extra header aliases: {"trainees": {"id_number": ["身份证"]}}
    header_aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def sql_params(self) -> dict[str, Any]:
        """Scalar values that rule SQL may bind as `$name`."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), (int, float, bool, str, dt.date))
        }

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["certificate_policy_start"] = self.certificate_policy_start.isoformat()
        return out


_NON_NEGATIVE = {
    "max_trainings_per_year",
    "training_subsidy_cap",
    "pre_job_subsidy_cap",
    "living_allowance_per_day",
    "advance_share",
    "age_min",
    "age_max_male",
    "age_max_female",
    "shared_contact_threshold",
    "max_class_size",
}


DATE_MSG = "{source}: key '{key}' must be a date YYYY-MM-DD, found {value}"


def _check_value(key: str, value: Any, default: Any, source: str) -> Any:
    at = {"source": source, "key": key, "value": repr(value)}
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise PolicyError("{source}: key '{key}' must be true or false, found {value}", **at)
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError("{source}: key '{key}' must be a whole number, found {value}", **at)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PolicyError("{source}: key '{key}' must be a number, found {value}", **at)
        value = float(value)
    elif isinstance(default, dt.date):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise PolicyError(DATE_MSG, **at) from None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise PolicyError(DATE_MSG, **at)
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise PolicyError("{source}: key '{key}' must be text, found {value}", **at)
    if key in _NON_NEGATIVE and value < 0:
        raise PolicyError("{source}: key '{key}' must not be negative, found {value}", **at)
    if key == "advance_share" and value > 1:
        raise PolicyError("{source}: key '{key}' is a share between 0 and 1, found {value}", **at)
    if key == "year_basis" and value != "start_date":
        raise PolicyError(
            "{source}: key '{key}': only 'start_date' is supported, found {value}", **at
        )
    return value


def _check_caps(value: Any, source: str) -> dict[str, float]:
    from .io.normalise import normalise_level  # one level vocabulary for data and policy

    if not isinstance(value, dict):
        raise PolicyError(
            "{source}: key 'certificate_subsidy_caps' must be a table of level = amount",
            source=source,
        )
    caps: dict[str, float] = {}
    for level_text, amount in value.items():
        level = normalise_level(level_text)
        if level is None:
            raise PolicyError(
                "{source}: key 'certificate_subsidy_caps': unknown level {level}; use one of {levels}",
                source=source, level=repr(level_text), levels="、".join(LEVELS),
            )  # fmt: skip
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            raise PolicyError(
                "{source}: key 'certificate_subsidy_caps.{level}' must be a non-negative number, found {value}",
                source=source, level=level_text, value=repr(amount),
            )  # fmt: skip
        caps[level] = float(amount)
    return caps


def _check_aliases(value: Any, source: str) -> dict[str, dict[str, list[str]]]:
    from .io.schema import TABLES

    if not isinstance(value, dict):
        raise PolicyError(
            "{source}: key 'header_aliases' must be a table per input table", source=source
        )
    out: dict[str, dict[str, list[str]]] = {}
    for table, columns in value.items():
        if table not in TABLES:
            raise PolicyError(
                "{source}: key 'header_aliases': unknown table {table}; use one of {tables}",
                source=source, table=repr(table), tables=", ".join(TABLES),
            )  # fmt: skip
        if not isinstance(columns, dict):
            raise PolicyError(
                "{source}: key 'header_aliases.{table}' must map a column to a list of header texts",
                source=source, table=table,
            )  # fmt: skip
        for column, aliases in columns.items():
            if column not in TABLES[table].column_names:
                raise PolicyError(
                    "{source}: key 'header_aliases.{table}': unknown column {column}; use one of {columns}",
                    source=source, table=table, column=repr(column),
                    columns=", ".join(TABLES[table].column_names),
                )  # fmt: skip
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise PolicyError(
                    "{source}: key 'header_aliases.{table}.{column}' must be a list of header texts",
                    source=source, table=table, column=column,
                )  # fmt: skip
            out.setdefault(table, {})[column] = list(aliases)
    return out


def policy_from_mapping(data: dict[str, Any], source: str = "policy") -> Policy:
    """Build a Policy from a parsed TOML mapping, rejecting unknown keys and wrong types."""
    defaults = Policy()
    known = {f.name for f in fields(Policy)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            if near:
                raise PolicyError(
                    "{source}: unknown key {key}; did you mean {near}?",
                    source=source, key=repr(key), near=near[0],
                )  # fmt: skip
            raise PolicyError(
                "{source}: unknown key {key}; `trainaudit policy init` writes every key",
                source=source, key=repr(key),
            )  # fmt: skip
        if key == "certificate_subsidy_caps":
            # Levels listed add to or replace the defaults; the others keep theirs.
            changes[key] = {**defaults.certificate_subsidy_caps, **_check_caps(value, source)}
        elif key == "header_aliases":
            changes[key] = _check_aliases(value, source)
        else:
            changes[key] = _check_value(key, value, getattr(defaults, key), source)
    policy = replace(defaults, **changes)
    if policy.age_min > min(policy.age_max_male, policy.age_max_female):
        raise PolicyError("{source}: key 'age_min' is above an age maximum", source=source)
    return policy


def load_policy(path: str | Path | None) -> Policy:
    """Defaults when `path` is None; otherwise the TOML file's overrides on top."""
    if path is None:
        return Policy()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError("{path}: policy file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError("{path}: not a valid TOML file ({error})", path=path, error=exc) from None
    return policy_from_mapping(data, str(path))


DOCUMENTS = {
    "000": "《玉溪市推行终身职业技能培训制度实施方案》（玉政办发〔2019〕10号）",
    "001": "《东营市人民政府关于贯彻落实终身职业技能培训制度的实施意见》（东政发〔2019〕10号）",
    "002": "《吉林省职业技能提升行动实施方案（2019－2021年）》（吉政办发〔2019〕38号）",
    "003": "《重庆市北碚区人民政府关于推行终身职业技能培训制度的实施意见》（北碚府发〔2019〕21号）",
    "004": "《山西省职业技能提升行动实施方案（2019—2021年）》",
}
"""The policy documents by title and number (SPEC §0): what a user can look up. Code
comments say 000…004 (the seed files); anything a user reads cites these."""

SOURCES = {
    "max_trainings_per_year": "004",
    "forbid_repeat_level": "004",
    "training_subsidy_cap": "004",
    "certificate_subsidy_caps": "004",
    "pre_job_subsidy_cap": "004",
    "living_allowance_per_day": "004",
    "advance_share": "002",
    "age_check": "004",
    "age_min": "004",
    "age_max_male": "004",
    "age_max_female": "004",
    "certificate_policy_start": "004",
}
"""Policy key -> the seed file its default comes from (the comments on `Policy`); the
other keys are working choices of this program, not the documents'."""


MEANING = {
    "max_trainings_per_year": ("每人每年补贴性培训次数上限", "subsidised trainings per person a year, at most"),
    "forbid_repeat_level": ("同一职业同一等级不可重复参加", "the same occupation and level only once"),
    "training_subsidy_cap": ("培训补贴每人上限（元）", "training subsidy per person, at most (yuan)"),
    "certificate_subsidy_caps": ("取证补贴每人上限（元），按证书等级", "certificate subsidy per person by level, at most (yuan)"),
    "pre_job_subsidy_cap": ("岗前培训补贴每人上限（元）", "pre-job training subsidy per person, at most (yuan)"),
    "living_allowance_per_day": ("生活费补贴每人每天（元）", "living allowance per person and training day (yuan)"),
    "advance_share": ("培训结束前可预拨的比例", "share that may be paid before the training ends"),
    "age_check": ("是否检查开班时的年龄", "check the age at training start"),
    "age_min": ("最低年龄", "youngest age"),
    "age_max_male": ("男性最高年龄", "oldest age, men"),
    "age_max_female": ("女性最高年龄", "oldest age, women"),
    "certificate_policy_start": ("取证补贴适用的发证起始日", "certificates issued from this date draw the subsidy"),
    "year_basis": ("“每年”的计算依据：开班日期所在自然年", "\"a year\" is the calendar year of start_date"),
    "shared_contact_threshold": ("同一电话或账户对应多少个身份证号码时报出", "distinct IDs on one phone or account before it is flagged"),
    "max_class_size": ("每班人数上限", "largest class (distinct IDs)"),
    "header_aliases": ("补充的表头写法", "extra header spellings"),
}  # fmt: skip
"""What each policy key means, in Chinese and English (the Summary sheet shows it)."""


def meaning_of(key: str, lang: str) -> str:
    """What policy key `key` (or `certificate_subsidy_caps.五级`) sets, in `lang`."""
    zh, en = MEANING.get(key.split(".", 1)[0], ("", ""))
    return zh if lang == "zh" else en


def source_of(key: str) -> str:
    """The document a policy key's default comes from, by title ("" when none does);
    `certificate_subsidy_caps.五级` is its table's key."""
    number = SOURCES.get(key.split(".", 1)[0])
    return DOCUMENTS[number] if number else ""


_SEED_REF = re.compile(
    r"\b[Ss]eeds? (\d{3}(?:\s*(?:/|,|and)\s*\d{3})*)|种子\s*(\d{3}(?:\s*[/、和]\s*\d{3})*)"
)


def cite(number: str) -> str:
    """The document behind seed file `number` (000…004), by title and number."""
    return DOCUMENTS[number]


def cite_seeds(text: str) -> str:
    """`text` with every "seed 004" / "seeds 000/004" / "种子 004" naming the documents."""

    def one(match: re.Match) -> str:
        numbers = re.findall(r"\d{3}", match.group(0))
        return "、".join(DOCUMENTS.get(n, n) for n in numbers)

    return _SEED_REF.sub(one, text)


_TEMPLATE_EN = """\
# trainaudit policy. The defaults below come from the 2019 policy documents cited by
# title and number. Uncomment a line and change its value to override it for your
# jurisdiction. Unknown keys, wrong types and negative amounts are refused (exit 2).

# {d004}: 原则上每人每年可参加补贴性培训不超过3次 (per calendar year of start_date)
# max_trainings_per_year = 3

# {d004}: 同一职业同一等级不可重复参加
# forbid_repeat_level = true

# {d004}: 培训补贴标准每人不超过1000元
# training_subsidy_cap = 1000

# {d004}: 取得专项职业能力证书每人150元、初级工每人300元、高级工每人600元
# (从2019年7月1日取得证书开始算起). It sets no rate for 四级/中级, 二级/技师 or
# 一级/高级技师: a level missing here is not checked against a cap, and the report says so.
# Levels you list add to or replace these defaults, e.g. {{ "四级" = 450 }}.
# certificate_subsidy_caps = {{ "专项职业能力" = 150, "五级" = 300, "三级" = 600 }}

# {d004}: 对企业职工参加岗前培训…财政按照每人300元的标准给予企业补贴
# pre_job_subsidy_cap = 300

# {d004}: 培训期间按照每人每天15元的标准…给予生活费补贴 (days = end − start + 1)
# living_allowance_per_day = 15

# {d002}: 对企业开展培训或者培训机构开展项目制培训的，可先行拨付５０％的培训补贴资金
# advance_share = 0.5

# Working age at training start ({d000}, {d004}: 劳动年龄段内).
# {d003} encourages older people to train: switch the check off or widen it where your
# jurisdiction does.
# age_check = true
# age_min = 16
# age_max_male = 60
# age_max_female = 55

# {d004}: 从2019年7月1日取得证书开始算起
# certificate_policy_start = 2019-07-01

# "Per year" is the calendar year of start_date (the only basis supported so far).
# year_basis = "start_date"

# Fabrication patterns: distinct IDs on one phone or bank account before it is flagged.
# shared_contact_threshold = 3

# Largest plausible class (distinct IDs).
# max_class_size = 60

# Extra header spellings, per table and canonical column:
# [header_aliases.trainees]
# id_number = ["身份证号（18位）"]
# class_id = ["期次"]
"""

_TEMPLATE_ZH = """\
# trainaudit 政策参数文件。下列默认值出自所注明的 2019 年政策文件（按标题和文号引用）。
# 要按本地规定调整某项，去掉该行开头的 # 并修改取值。
# 未知的参数名、类型不对或为负数的金额都会被拒绝（退出码 2）。

# {d004}：原则上每人每年可参加补贴性培训不超过3次（按开班日期所在自然年计）
# max_trainings_per_year = 3

# {d004}：同一职业同一等级不可重复参加
# forbid_repeat_level = true

# {d004}：培训补贴标准每人不超过1000元
# training_subsidy_cap = 1000

# {d004}：取得专项职业能力证书每人150元、初级工每人300元、高级工每人600元
# （从2019年7月1日取得证书开始算起）。文件未规定四级/中级、二级/技师、一级/高级技师的标准：
# 此处未列出的等级不按上限检查，报告中会注明。
# 在此列出的等级会增补或替换默认值，例如 {{ "四级" = 450 }}。
# certificate_subsidy_caps = {{ "专项职业能力" = 150, "五级" = 300, "三级" = 600 }}

# {d004}：对企业职工参加岗前培训…财政按照每人300元的标准给予企业补贴
# pre_job_subsidy_cap = 300

# {d004}：培训期间按照每人每天15元的标准…给予生活费补贴（天数 = 结束日期 − 开始日期 + 1）
# living_allowance_per_day = 15

# {d002}：对企业开展培训或者培训机构开展项目制培训的，可先行拨付５０％的培训补贴资金
# advance_share = 0.5

# 开班时的劳动年龄（{d000}、{d004}：劳动年龄段内）。
# {d003}鼓励老年群体参训：本地如此规定的，可关闭此项检查或放宽年龄上限。
# age_check = true
# age_min = 16
# age_max_male = 60
# age_max_female = 55

# {d004}：从2019年7月1日取得证书开始算起
# certificate_policy_start = 2019-07-01

# “每年”指开班日期所在的自然年（目前只支持这一种算法）。
# year_basis = "start_date"

# 虚构迹象：同一电话号码或银行账户对应多少个不同身份证号码时报出。
# shared_contact_threshold = 3

# 合理的最大班额（不同身份证号码数）。
# max_class_size = 60

# 补充表头写法，按数据表和标准列名填写：
# [header_aliases.trainees]
# id_number = ["身份证号（18位）"]
# class_id = ["期次"]
"""


def policy_template(lang: str = "zh") -> str:
    """The commented default policy file in `lang`, citing each document by title."""
    template = _TEMPLATE_ZH if lang == "zh" else _TEMPLATE_EN
    return template.format(**{f"d{n}": title for n, title in DOCUMENTS.items()})


POLICY_TEMPLATE = policy_template("en")


def policy_toml(policy: Policy) -> str:
    """The values in force as a TOML file that `load_policy` reads back unchanged."""
    lines, tables = [], []
    for key, value in policy.as_dict().items():
        if key == "header_aliases":
            for table, columns in value.items():
                tables.append(f"\n[header_aliases.{table}]")
                tables += [f"{col} = {_toml(list(a))}" for col, a in columns.items()]
        else:
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines + tables) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value  # a TOML local date
    return json.dumps(str(value), ensure_ascii=False)


def write_policy_template(path: str | Path, force: bool = False, lang: str = "en") -> Path:
    """Write the commented default policy file; refuse to overwrite unless forced."""
    path = Path(path)
    if path.exists() and not force:
        raise PolicyError("{path}: already exists; use --force to overwrite it", path=path)
    path.write_text(policy_template(lang), encoding="utf-8")
    return path
