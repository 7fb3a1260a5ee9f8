"""Chinese templates for policy, history, sample data, help texts and anything without a part of its own (msgid: the English template)."""

ZH: dict[str, str] = {
    # policy.py
    "{source}: key '{key}' must be true or false, found {value}": "{source}：参数“{key}”应为 true 或 false，实际为 {value}",
    "{source}: key '{key}' must be a whole number, found {value}": "{source}：参数“{key}”应为整数，实际为 {value}",
    "{source}: key '{key}' must be a number, found {value}": "{source}：参数“{key}”应为数字，实际为 {value}",
    "{source}: key '{key}' must be a date YYYY-MM-DD, found {value}": "{source}：参数“{key}”应为 YYYY-MM-DD 格式的日期，实际为 {value}",
    "{source}: key '{key}' must be text, found {value}": "{source}：参数“{key}”应为文本，实际为 {value}",
    "{source}: key '{key}' must not be negative, found {value}": "{source}：参数“{key}”不能为负数，实际为 {value}",
    "{source}: key '{key}' is a share between 0 and 1, found {value}": "{source}：参数“{key}”是 0 到 1 之间的比例，实际为 {value}",
    "{source}: key '{key}': only 'start_date' is supported, found {value}": "{source}：参数“{key}”只支持 'start_date'，实际为 {value}",
    "{source}: key 'certificate_subsidy_caps' must be a table of level = amount": "{source}：参数“certificate_subsidy_caps”应写成“等级 = 金额”的表",
    "{source}: key 'certificate_subsidy_caps': unknown level {level}; use one of {levels}": "{source}：参数“certificate_subsidy_caps”中的等级 {level} 无法识别；可用的等级：{levels}",
    "{source}: key 'certificate_subsidy_caps.{level}' must be a non-negative number, found {value}": "{source}：参数“certificate_subsidy_caps.{level}”应为不小于 0 的数字，实际为 {value}",
    "{source}: key 'header_aliases' must be a table per input table": "{source}：参数“header_aliases”应按数据表分节填写",
    "{source}: key 'header_aliases': unknown table {table}; use one of {tables}": "{source}：参数“header_aliases”中的数据表 {table} 无法识别；可用的数据表：{tables}",
    "{source}: key 'header_aliases.{table}' must map a column to a list of header texts": "{source}：参数“header_aliases.{table}”应把列名对应到一组表头写法",
    "{source}: key 'header_aliases.{table}': unknown column {column}; use one of {columns}": "{source}：参数“header_aliases.{table}”中的列 {column} 无法识别；可用的列：{columns}",
    "{source}: key 'header_aliases.{table}.{column}' must be a list of header texts": '{source}：参数“header_aliases.{table}.{column}”应为一组表头写法，如 ["身份证号"]',
    "{source}: unknown key {key}; did you mean {near}?": "{source}：未知参数 {key}；是不是 {near}？",
    "{source}: unknown key {key}; `trainaudit policy init` writes every key": "{source}：未知参数 {key}；`trainaudit policy init` 会写出全部参数",
    "{source}: key 'age_min' is above an age maximum": "{source}：参数“age_min”大于年龄上限",
    "{path}: policy file not found": "{path}：找不到政策参数文件",
    "{path}: not a valid TOML file ({error})": "{path}：不是有效的 TOML 文件（{error}）",
    "{path}: already exists; use --force to overwrite it": "{path}：文件已存在；如要覆盖，请加 --force",
}

ZH.update(
    {
        # history.py
        "{store}: no history store there (`trainaudit history init` makes one)": "{store}：此处没有历史库（用 `trainaudit history init` 创建）",
        "{store}: cannot open the history store ({cause})": "{store}：无法打开历史库（{cause}）",
        "{store}: not a trainaudit history store": "{store}：不是 trainaudit 历史库",
        "{store}: history store format {found}, this trainaudit reads {format}": "{store}：历史库格式为 {found}，本版本 trainaudit 只能读取 {format}",
        "{path}: cannot tell which table it is (its columns fit both {tables}); give it as --trainees, --certificates or --payments": "{path}：无法判断是哪类数据表（其列同时符合 {tables}）；请用 --trainees、--certificates 或 --payments 指明",
        "{path}: cannot tell which table it is (its columns fit none of {tables}); give it as --trainees, --certificates or --payments": "{path}：无法判断是哪类数据表（其列不符合 {tables} 中任何一种）；请用 --trainees、--certificates 或 --payments 指明",
        "{path}: history holds {tables}, not {table}": "{path}：历史库只存放 {tables}，不存放 {table}",
        "{path}: not added: no column for {columns} (required in {table})": "{path}：未加入：缺少{table}的必需列 {columns}",
        "{store}: no upload matches {which} (give its number from `trainaudit history list`, or 6+ characters of its sha256)": "{store}：没有与 {which} 对应的上传（请写 `trainaudit history list` 中的编号，或其 sha256 的前 6 位以上）",
        "{store}: more than one upload matches {which} (give its number from `trainaudit history list`, or 6+ characters of its sha256)": "{store}：有多个上传与 {which} 对应（请写 `trainaudit history list` 中的编号，或其 sha256 的前 6 位以上）",
    }
)

ZH.update(
    {
        # sample.py
        "{path}: already holds {files}; use --force to overwrite them": "{path}：已有文件 {files}；如要覆盖，请加 --force",
    }
)

ZH.update(
    {
        # errors.py
        "{path}: this is the lock file Excel keeps while {workbook} is open, not a workbook; save and close {workbook} in Excel, then give {workbook} itself": "{path}：这是 {workbook} 在 Excel 中打开时生成的锁定文件，不是工作簿；请在 Excel 中保存并关闭 {workbook}，然后指定 {workbook} 本身",
    }
)

ZH.update(
    {
        # errors.py: EngineError (the cause is the engine's own text)
        "query {label} failed: {cause}": "查询 {label} 失败：{cause}",
    }
)
