"""Chinese templates for the Spark engine (msgid: the English template)."""

ZH: dict[str, str] = {
    "{path}: cannot read it as Parquet ({reason})": "{path}：无法作为 Parquet 读取（{reason}）",
    "{path}: no column of {table} found (columns: {columns})": "{path}：未找到{table}的任何列（现有列：{columns}）",
    "{path}: exists and is not a findings dataset of trainaudit; refusing to replace it": "{path}：已存在且不是 trainaudit 写出的问题数据集，拒绝覆盖",
    "{path}: not a readable findings file ({reason})": "{path}：不是可读取的问题清单文件（{reason}）",
    "unknown table(s): {tables}": "未知的数据表：{tables}",
    "no input file given": "未指定任何输入文件",
}
ZH.update(
    {
        "--spark-conf {item}: expected key=value": "--spark-conf {item}：应为 key=value 形式",
        "cannot start Spark: {reason}": "无法启动 Spark：{reason}",
        "{option} is not supported with --engine spark: {why} (docs/spark.md)": "{option} 不能与 --engine spark 同时使用：{why}（见 docs/spark.md）",
        "the annotated workbook is for uploads a clerk opens, not for national data": "批注工作簿用于经办人员打开的上报文件，不用于全国数据",
        "the history store stays on DuckDB": "历史库仅在 DuckDB 引擎上使用",
        "pseudonymised findings are written by the DuckDB engine": "假名化的问题清单由 DuckDB 引擎写出",
        "{n} findings": "{n} 条问题",
        "{path}: with --engine spark the findings are a Parquet dataset: name it *.parquet": "{path}：使用 --engine spark 时问题清单是 Parquet 数据集，请以 .parquet 结尾命名",
        "{errors} errors, {warnings} warnings, {infos} infos ({engine})": "错误 {errors} 条，警告 {warnings} 条，提示 {infos} 条（{engine}）",
        "cannot start Spark: no Java runtime (java not on PATH, JAVA_HOME not set); Spark needs Java 17 or later": "无法启动 Spark：未找到 Java 运行环境（PATH 中没有 java，也未设置 JAVA_HOME）；Spark 需要 Java 17 或更高版本",
    }
)
