"""The peer of `make bench`: what a competent analyst would write by hand in pandas.

    python bench/peer_pandas.py TRAINEES.csv CERTIFICATES.csv PAYMENTS.csv FINDINGS.csv

Reads the three CSVs with pyarrow's reader, normalises IDs and dates with vectorised
operations, runs 8 checks (I102 R201 R202 R203 R204 C303 P404 F501, as SPEC §5 defines
them, default policy) and writes one CSV line per finding (rule, table, row, id_number).
It is the yardstick of issue 15 (trainaudit with all its rules ≥ 2× faster than this),
not a second implementation: no messages, no fingerprints, no Chinese header aliases
beyond the bench files' own.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

COLUMNS = {
    "姓名": "name", "身份证号码": "id_number", "联系电话": "phone", "班级编号": "class_id",
    "培训工种": "occupation", "职业（工种）": "occupation", "培训等级": "level",
    "技能等级": "level", "开班日期": "start_date", "结业日期": "end_date",
    "证书编号": "cert_no", "发证日期": "issue_date", "补贴类型": "subsidy_type",
    "支付日期": "pay_date", "金额": "amount",
}  # fmt: skip
MAX_PER_YEAR = 3
SHARED_PHONE = 3
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))


def read(path: str) -> pd.DataFrame:
    """A CSV as text columns with canonical names; `_row` is the line in the file."""
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True),
        read_options=pacsv.ReadOptions(block_size=16 << 20),
    )
    table = table.rename_columns([COLUMNS.get(c, c) for c in table.column_names])
    wanted = [c for c in table.column_names if c in COLUMNS.values()]
    table = table.select(wanted).cast(pa.schema([(c, pa.string()) for c in wanted]))
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame["_row"] = np.arange(2, len(frame) + 2)
    return frame


def normalise_ids(ids: pd.Series) -> pd.Series:
    """Trim, upper-case the X, full-width digits to ASCII."""
    text = pc.utf8_upper(pc.utf8_trim_whitespace(pa.array(ids)))
    for wide, narrow in zip("０１２３４５６７８９Ｘ", "0123456789X", strict=True):
        text = pc.replace_substring(text, wide, narrow)
    return pd.Series(pd.arrays.ArrowExtensionArray(text), index=ids.index)


def normalise_dates(dates: pd.Series) -> pd.Series:
    """ISO, 2019/7/1, 2019.7.1 and 2019年7月1日 to datetime64; anything else NaT."""
    text = dates.astype("string").str.strip()
    text = text.str.replace(r"[年月./]", "-", regex=True).str.replace("日", "", regex=False)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def id_checksum_wrong(ids: pd.Series) -> pd.Series:
    """18 characters, 17 digits and a digit or X, whose check digit is wrong (I102)."""
    shaped = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    good = ids[shaped].astype(str).to_numpy()
    digits = np.frombuffer("".join(good).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    total = ((digits[:, :17] - 48).astype(np.int64) * WEIGHTS).sum(axis=1)
    wrong = CHECK[total % 11] != digits[:, 17].view("S1").astype(str)
    result = pd.Series(False, index=ids.index)
    result[shaped[shaped].index[wrong]] = True
    return result


def audit(trainees: pd.DataFrame, certificates: pd.DataFrame, payments: pd.DataFrame) -> list:
    found = []

    def flag(rule: str, table: str, rows: pd.DataFrame) -> None:
        found.append(pd.DataFrame({"rule": rule, "table": table, "row": rows["_row"].to_numpy(),
                                   "id_number": rows["id_number"].to_numpy()}))  # fmt: skip

    for name, frame in (("trainees", trainees), ("certificates", certificates),
                        ("payments", payments)):  # fmt: skip
        flag("I102", name, frame[id_checksum_wrong(frame["id_number"])])

    t = trainees[trainees["id_number"].notna()]
    # R201: the same ID twice in one class, all but the first
    flag("R201", "trainees", t[t.duplicated(["id_number", "class_id"], keep="first")])
    # R202: same ID, occupation and level in another class: all but the earliest class
    key = ["id_number", "occupation", "level"]
    lv = t.dropna(subset=key).sort_values(["start_date", "_row"])
    first_class = lv.groupby(key, sort=False)["class_id"].transform("first")
    flag("R202", "trainees", lv[lv["class_id"] != first_class])
    # R203: more than MAX_PER_YEAR enrollments starting in one year, those beyond it
    dated = t[t["start_date"].notna()].sort_values(["start_date", "_row"])
    nth = dated.groupby([dated["id_number"], dated["start_date"].dt.year]).cumcount()
    flag("R203", "trainees", dated[nth >= MAX_PER_YEAR])
    # R204: two classes of one ID whose periods share a day, both rows
    spans = t.dropna(subset=["start_date", "end_date"])
    spans = spans[spans["id_number"].duplicated(keep=False)]
    pairs = spans.merge(spans, on="id_number", suffixes=("", "_b"))
    pairs = pairs[(pairs["class_id"] != pairs["class_id_b"])
                  & (pairs["start_date"] <= pairs["end_date_b"])
                  & (pairs["start_date_b"] <= pairs["end_date"])]  # fmt: skip
    flag("R204", "trainees", pairs.drop_duplicates("_row"))
    # C303: one certificate number on different IDs, all those rows
    c = certificates[certificates["cert_no"].notna() & certificates["id_number"].notna()]
    ids_per_no = c.groupby("cert_no")["id_number"].transform("nunique")
    flag("C303", "certificates", c[ids_per_no > 1])
    # P404: same ID, subsidy type and class (or occupation and level) paid again
    p = payments[payments["id_number"].notna() & payments["subsidy_type"].notna()].copy()
    has_class = p["class_id"].notna()
    p.loc[has_class, ["occupation", "level"]] = None
    p = p[has_class | (p["occupation"].notna() & p["level"].notna())]
    p = p.sort_values(["pay_date", "_row"], na_position="last")
    keys = ["id_number", "subsidy_type", "class_id", "occupation", "level"]
    flag("P404", "payments", p[p.duplicated(keys, keep="first")])
    # F501: one phone number on SHARED_PHONE or more IDs, all those rows
    ph = trainees[trainees["phone"].notna() & trainees["id_number"].notna()]
    shared = ph.groupby("phone")["id_number"].transform("nunique") >= SHARED_PHONE
    flag("F501", "trainees", ph[shared])
    return found


def main(argv: list[str]) -> None:
    trainees_csv, certificates_csv, payments_csv, out = argv
    trainees, certificates, payments = (
        read(trainees_csv),
        read(certificates_csv),
        read(payments_csv),
    )
    for frame in (trainees, certificates, payments):
        frame["id_number"] = normalise_ids(frame["id_number"])
    for column in ("start_date", "end_date"):
        trainees[column] = normalise_dates(trainees[column])
    certificates["issue_date"] = normalise_dates(certificates["issue_date"])
    payments["pay_date"] = normalise_dates(payments["pay_date"])
    findings = pd.concat(audit(trainees, certificates, payments), ignore_index=True)
    findings.to_csv(out, index=False, encoding="utf-8-sig")
    print(f"{len(findings):,} findings", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
