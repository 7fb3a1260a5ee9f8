"""Policy parameters: defaults from the seed documents, overridable by a TOML file.

Seed files live in `shared/seeds/`; each default below names the one it comes from.
"""

from __future__ import annotations

import datetime as dt
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


def _check_value(key: str, value: Any, default: Any, source: str) -> Any:
    where = f"{source}: key {key!r}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise PolicyError(f"{where} must be true or false, found {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError(f"{where} must be a whole number, found {value!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PolicyError(f"{where} must be a number, found {value!r}")
        value = float(value)
    elif isinstance(default, dt.date):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise PolicyError(f"{where} must be a date YYYY-MM-DD, found {value!r}") from None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise PolicyError(f"{where} must be a date YYYY-MM-DD, found {value!r}")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise PolicyError(f"{where} must be text, found {value!r}")
    if key in _NON_NEGATIVE and value < 0:
        raise PolicyError(f"{where} must not be negative, found {value!r}")
    if key == "advance_share" and value > 1:
        raise PolicyError(f"{where} is a share between 0 and 1, found {value!r}")
    if key == "year_basis" and value != "start_date":
        raise PolicyError(f"{where}: only 'start_date' is supported, found {value!r}")
    return value


def _check_caps(value: Any, source: str) -> dict[str, float]:
    from .io.normalise import normalise_level  # one level vocabulary for data and policy

    where = f"{source}: key 'certificate_subsidy_caps'"
    if not isinstance(value, dict):
        raise PolicyError(f"{where} must be a table of level = amount")
    caps: dict[str, float] = {}
    for level_text, amount in value.items():
        level = normalise_level(level_text)
        if level is None:
            raise PolicyError(
                f"{where}: unknown level {level_text!r}; use one of {', '.join(LEVELS)}"
            )
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            raise PolicyError(
                f"{where}.{level_text} must be a non-negative number, found {amount!r}"
            )
        caps[level] = float(amount)
    return caps


def _check_aliases(value: Any, source: str) -> dict[str, dict[str, list[str]]]:
    from .io.schema import TABLES

    where = f"{source}: key 'header_aliases'"
    if not isinstance(value, dict):
        raise PolicyError(f"{where} must be a table per input table")
    out: dict[str, dict[str, list[str]]] = {}
    for table, columns in value.items():
        if table not in TABLES:
            raise PolicyError(f"{where}: unknown table {table!r}; use one of {', '.join(TABLES)}")
        if not isinstance(columns, dict):
            raise PolicyError(f"{where}.{table} must map a column to a list of header texts")
        for column, aliases in columns.items():
            if column not in TABLES[table].column_names:
                raise PolicyError(f"{where}.{table}: unknown column {column!r}")
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise PolicyError(f"{where}.{table}.{column} must be a list of header texts")
            out.setdefault(table, {})[column] = list(aliases)
    return out


def policy_from_mapping(data: dict[str, Any], source: str = "policy") -> Policy:
    """Build a Policy from a parsed TOML mapping, rejecting unknown keys and wrong types."""
    defaults = Policy()
    known = {f.name for f in fields(Policy)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise PolicyError(f"{source}: unknown key {key!r}")
        if key == "certificate_subsidy_caps":
            # Levels listed add to or replace the defaults; the others keep theirs.
            changes[key] = {**defaults.certificate_subsidy_caps, **_check_caps(value, source)}
        elif key == "header_aliases":
            changes[key] = _check_aliases(value, source)
        else:
            changes[key] = _check_value(key, value, getattr(defaults, key), source)
    policy = replace(defaults, **changes)
    if policy.age_min > min(policy.age_max_male, policy.age_max_female):
        raise PolicyError(f"{source}: key 'age_min' is above an age maximum")
    return policy


def load_policy(path: str | Path | None) -> Policy:
    """Defaults when `path` is None; otherwise the TOML file's overrides on top."""
    if path is None:
        return Policy()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not a valid TOML file ({exc})") from None
    return policy_from_mapping(data, str(path))


POLICY_TEMPLATE = """\
# trainaudit policy — the defaults below come from the 2019 policy documents in seeds/.
# Uncomment a line and change its value to override it for your jurisdiction.
# Unknown keys, wrong types and negative amounts are refused (exit 2).

# Seed 004: 原则上每人每年可参加补贴性培训不超过3次 (per calendar year of start_date)
# max_trainings_per_year = 3

# Seed 004: 同一职业同一等级不可重复参加
# forbid_repeat_level = true

# Seed 004: 培训补贴标准每人不超过1000元
# training_subsidy_cap = 1000

# Seed 004: 取得专项职业能力证书每人150元、初级工每人300元、高级工每人600元
# (从2019年7月1日取得证书开始算起). The seed sets no rate for 四级/中级, 二级/技师 or
# 一级/高级技师: a level missing here is not checked against a cap, and the report says so.
# Levels you list add to or replace these defaults, e.g. { "四级" = 450 }.
# certificate_subsidy_caps = { "专项职业能力" = 150, "五级" = 300, "三级" = 600 }

# Seed 004: 对企业职工参加岗前培训…财政按照每人300元的标准给予企业补贴
# pre_job_subsidy_cap = 300

# Seed 004: 培训期间按照每人每天15元的标准…给予生活费补贴 (days = end − start + 1)
# living_allowance_per_day = 15

# Seed 002: 对企业开展培训或者培训机构开展项目制培训的，可先行拨付５０％的培训补贴资金
# advance_share = 0.5

# Working age at training start (seeds 000/004: 劳动年龄段内). Seed 003 encourages older
# people to train: switch the check off or widen it where your jurisdiction does.
# age_check = true
# age_min = 16
# age_max_male = 60
# age_max_female = 55

# Seed 004: 从2019年7月1日取得证书开始算起
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


def write_policy_template(path: str | Path, force: bool = False) -> Path:
    """Write the commented default policy file; refuse to overwrite unless forced."""
    path = Path(path)
    if path.exists() and not force:
        raise PolicyError(f"{path}: already exists; use --force to overwrite it")
    path.write_text(POLICY_TEMPLATE, encoding="utf-8")
    return path
