"""Chinese templates for the Spark engine (msgid: the English template)."""

ZH: dict[str, str] = {
    "{path}: cannot read it as Parquet ({reason})": "{path}：无法作为 Parquet 读取（{reason}）",
    "{path}: no column of {table} found (columns: {columns})": "{path}：未找到{table}的任何列（现有列：{columns}）",
    "{path}: exists and is not a findings dataset of trainaudit; refusing to replace it": "{path}：已存在且不是 trainaudit 写出的问题数据集，拒绝覆盖",
    "{path}: not a readable findings file ({reason})": "{path}：不是可读取的问题清单文件（{reason}）",
    "unknown table(s): {tables}": "未知的数据表：{tables}",
    "no input file given": "未指定任何输入文件",
}
