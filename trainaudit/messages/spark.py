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
        "cannot start Spark: no Java runtime (java not on PATH, JAVA_HOME not set); Spark needs Java 17 or later": "无法启动 Spark：未找到 Java 运行环境（PATH 中没有 java，也未设置 JAVA_HOME）；Spark 需要 Java 17 或更高版本",
    }
)
