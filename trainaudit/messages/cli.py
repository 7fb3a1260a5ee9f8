"""Chinese templates for the command line: its errors, help texts and edge messages (msgid: the English template)."""

ZH: dict[str, str] = {
    "trainaudit: error: {message}": "trainaudit：错误：{message}",
    "{message}": "{message}",
    "trainaudit: interrupted; no output was replaced": "trainaudit：已中断，未替换任何输出文件",
    "unexpected {kind}: {text} (run with --debug for details)": "程序内部错误 {kind}：{text}（加 --debug 运行可查看详情）",
    "no rule {code}; `trainaudit rules` lists them": "没有规则 {code}；`trainaudit rules` 可列出全部规则",
    "no file given; name the uploads, or use --trainees/--certificates/--payments": "未指定文件：请写出上传文件，或使用 --trainees/--certificates/--payments",
    "rule {code} could not run: {detail}": "规则 {code} 无法运行：{detail}",
}

# --help: command and option help (msgid: the help text as declared in cli.py)
_GLOB = "（可重复，或用通配符如 'inbox/*.xlsx'：这些文件合为一张表审核）"
ZH.update(
    {
        "Show this message and exit.": "显示本帮助并退出。",
        "Audit vocational-skills-training subsidy claims: trainees, certificates, payments.": "审核职业技能培训补贴申领数据：花名册、证书、支付。",
        "print the version and exit": "显示版本号并退出",
        "Cross-check trainees, certificates and payments; write findings and an annotated workbook.": "交叉核对花名册、证书和支付数据；写出问题清单和标注后的工作簿。",
        "roster of enrollments (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "培训人员花名册"
        + _GLOB,
        "certificates issued (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "证书清单"
        + _GLOB,
        "subsidy payments (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "补贴支付清单"
        + _GLOB,
        "institutions and bans (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "培训机构名录及禁入情况"
        + _GLOB,
        "IDs that must not draw subsidies (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "不得领取补贴的身份证号码（重点核查名单）"
        + _GLOB,
        "catalogue of subsidised occupations (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)": "补贴职业（工种）目录"
        + _GLOB,
        "policy.toml overriding the defaults": "覆盖默认值的政策参数文件 policy.toml",
        "annotated workbook to write (.xlsx)": "要写出的标注工作簿（.xlsx）",
        "findings file: .csv, .jsonl or .parquet": "问题清单文件：.csv、.jsonl 或 .parquet",
        "exit 1 when findings at or above this severity": "有此严重程度及以上的问题时退出码为 1",
        "language of messages (default: from the locale)": "输出语言（默认按系统语言）",
        "only these rule codes or families, e.g. I,R203": "只运行这些规则代码或规则类别，如 I,R203",
        "print ID numbers unmasked on the console": "在屏幕上显示完整身份证号码（默认打码）",
        "print each rule's SQL and its time on stderr": "在标准错误输出上打印每条规则的 SQL 及耗时",
        "print nothing but errors": "除错误外不输出任何内容",
        "show a traceback on error": "出错时显示完整调用栈",
        "history store: check against every accepted upload; report only today's rows": "历史库：与所有已接收的上传一并核对，只报告本次上传的行",
        "findings file of an earlier run: report only findings not in it": "以前一次运行的问题清单为基线：只报告其中没有的问题",
        "CSV of accepted findings: fingerprint, reason, who, until": "已认可问题的豁免文件（CSV）：问题指纹、理由、审批人、有效期",
        "text: the summary for people; json: counts for scripts, on stdout": "text：给人看的汇总；json：给脚本用的统计，输出到标准输出",
        "refuse an input file bigger than this on disk": "拒绝大于此大小（MB）的输入文件",
        "refuse an .xlsx/.ods whose XML expands beyond this (a zip bomb), or a Parquet file whose data does": "拒绝解压后 XML 超过此大小（MB）的 .xlsx/.ods（压缩炸弹），或数据超过此大小的 Parquet 文件",
        "refuse a sheet or file spanning more rows × columns": "拒绝行数 × 列数超过此值的工作表或文件",
        "refuse a part of an .xlsx/.ods that expands more than this many times its compressed size beyond a few MB (a zip bomb)": "拒绝 .xlsx/.ods 中解压后超过数 MB 且膨胀倍数超过此值的部分（压缩炸弹）",
        "write HMAC-SHA256(KEY, ID) in place of each ID in the findings file and the Findings sheet (prefer --hash-ids-file: a command line is visible to others)": "在问题清单文件和“问题清单”工作表中用 HMAC-SHA256(KEY, 身份证号码) 代替身份证号码（建议用 --hash-ids-file：命令行可能被他人看到）",
        "as --hash-ids, the key read from FILE": "同 --hash-ids，密钥从文件 FILE 读取",
        "Check one upload on its own, before accepting it (only the rules it can answer).": "接收前单独检查一份上传数据（只运行它能回答的规则）。",
        "the upload(s) to check, audited as one table": "要检查的上传文件（多个文件合为一张表审核）",
        "what the file holds": "文件中是哪类数据",
        "Write deterministic synthetic demo inputs in which every rule fires.": "写出固定的模拟演示数据，每条规则都会在其中报出问题。",
        "folder for the demo inputs": "演示数据的输出文件夹",
        "overwrite demo files already there": "覆盖文件夹中已有的演示文件",
        "New, resolved and persisting findings between two runs (matched by fingerprint).\n\nExit code 1 when NEW has findings that OLD had not, else 0 (2: a file unreadable).": "比较两次运行的问题：新增、已解决和仍存在的问题（按问题指纹匹配）。\n\n新的一次有旧的一次没有的问题时退出码为 1，否则为 0（2：文件无法读取）。",
        "findings file of the earlier run": "前一次运行的问题清单文件",
        "findings file of the later run": "后一次运行的问题清单文件",
        "Print the version.": "显示版本号。",
        "List the rules, or explain one.": "列出全部规则，或解释某条规则。",
        "What a rule catches, why it matters, an example, and how to resolve it.": "规则检查什么、为何重要、示例以及处理建议。",
        "rule code, e.g. I102": "规则代码，如 I102",
        "Write or check a policy file.": "写出或检查政策参数文件。",
        "Write policy.toml with every default, each citing the document it comes from.": "写出包含全部默认值的 policy.toml，每项注明出处文件。",
        "where to write it": "写到哪里",
        "overwrite an existing file": "覆盖已有文件",
        "Load a policy file and print the values in force, as TOML.": "读取政策参数文件，以 TOML 格式输出生效的取值。",
        "policy file to check": "要检查的政策参数文件",
        "The history store: accepted uploads that nightly audits check against.": "历史库：夜间审核用来比对的已接收上传。",
        "Create an empty history store (before the first night); an existing one is kept.": "创建空的历史库（首次夜间审核前）；已有的历史库保持不变。",
        "history store (a DuckDB file)": "历史库（一个 DuckDB 文件）",
        "Append accepted uploads to the history store; a file already there is left alone.": "把已接收的上传加入历史库；已在库中的文件不重复加入。",
        "uploads; each is told apart by its columns": "上传文件；按其列判断是哪类数据表",
        "a roster (repeatable)": "花名册（可重复）",
        "certificates (repeatable)": "证书清单（可重复）",
        "payments (repeatable)": "支付清单（可重复）",
        "The uploads in the store, oldest first.": "历史库中的上传，按时间先后列出。",
        "Take an upload (accepted by mistake) out of the store again.": "从历史库中移除（误接收的）某次上传。",
        "upload number, or the start of its sha256": "上传编号，或其 sha256 的开头部分",
        "List every rule with its code, name, severity and inputs.": "列出每条规则的代码、名称、严重程度和所需输入。",
        "print the rule reference as Markdown (docs/rules.md)": "以 Markdown 格式输出规则参考（docs/rules.md）",
    }
)

ZH["language of messages and help for every command"] = "所有命令的输出语言和帮助语言"

# errors of api.py, report/files.py and report/atomic.py (helper C)
ZH.update(
    {
        "no input file given": "未指定任何输入文件",
        "unknown table(s): {tables}": "未知的数据表：{tables}",
        "{path}: given twice, as {first} and as {second}": "{path}：同一文件被指定了两次（{first} 和 {second}）",
        "{pattern}: no file matches": "{pattern}：没有匹配的文件",
        "{path}: findings file must end in .csv, .jsonl or .parquet": "{path}：问题清单文件的扩展名须为 .csv、.jsonl 或 .parquet",
        "{path}: is a folder; name the file to write": "{path}：这是一个文件夹，请写出要生成的文件名",
        "{path}: cannot write there ({reason})": "{path}：无法在此写入（{reason}）",
        "{path}: findings file not found": "{path}：找不到问题清单文件",
        "unknown rule code(s): {codes}": "未知的规则代码：{codes}",
        "unknown language '{lang}'; use zh or en": "未知的语言“{lang}”，请用 zh 或 en",
        "{path}: is an input file; refusing to overwrite it": "{path}：这是输入文件，不会覆盖它",
        "{path}: given as both --out and --findings": "{path}：同时被指定为 --out 和 --findings",
        "{path}: the annotated workbook must be an .xlsx file": "{path}：标注工作簿必须是 .xlsx 文件",
        "{path}: not UTF-8 or GB18030 text": "{path}：不是 UTF-8 或 GB18030 编码的文本",
        "{path}: waivers file not found": "{path}：找不到豁免文件",
        "{path}: not valid UTF-8 text after its BOM": "{path}：BOM 之后不是有效的 UTF-8 文本",
        "{path}: not a readable CSV file ({cause})": "{path}：不是可读取的 CSV 文件（{cause}）",
        "{path}: line {line}: no column for {missing}; the header must name fingerprint, reason, who, until (found {found})": "{path}：第{line}行：缺少 {missing} 列；表头须有 fingerprint（指纹）、reason（理由）、who（审批人）、until（有效期至）（实际为：{found}）",
        "{path}: line {line}: '{value}' is not a fingerprint (like R202-3f9a1c2b7d4e5f60)": "{path}：第{line}行：“{value}”不是问题指纹（形如 R202-3f9a1c2b7d4e5f60）",
        "{path}: line {line}: reason is blank; every waiver needs one": "{path}：第{line}行：豁免理由为空，每条豁免都必须写明理由",
        "{path}: line {line}: who is blank; every waiver needs one": "{path}：第{line}行：审批人为空，每条豁免都必须写明审批人",
        "{path}: line {line}: until '{value}' is not a date": "{path}：第{line}行：有效期“{value}”不是日期",
        "{path}: line {line}: {fingerprint} is already waived on line {first}": "{path}：第{line}行：{fingerprint} 已在第{first}行豁免",
        "{path}: cannot read the key file ({reason})": "{path}：无法读取密钥文件（{reason}）",
        "{path}: the key file is empty; the key must be a secret shared by the counties": "{path}：密钥文件为空；密钥应为各县区共享的秘密",
        "--hash-ids is empty; the key must be a secret shared by the counties": "--hash-ids 为空；密钥应为各县区共享的秘密",
        "give --hash-ids or --hash-ids-file, not both": "--hash-ids 和 --hash-ids-file 只能给一个",
        "{path}: a findings file ends in .csv, .jsonl or .parquet": "{path}：问题清单文件的扩展名应为 .csv、.jsonl 或 .parquet",
        "{path}: not a readable findings file ({kind})": "{path}：不是可读取的问题清单文件（{kind}）",
        "{path}: no fingerprint column (written by an older trainaudit?); run the audit again to get one": "{path}：没有问题指纹列（可能由旧版 trainaudit 生成），请重新审核以生成",
        "{path}: a finding without a fingerprint ({rule})": "{path}：有一条问题没有问题指纹（{rule}）",
        "{n} findings of the later file were left out of its report as known (it was written with --baseline): they are counted as persisting or new, never as resolved": "后一个文件中有 {n} 条问题因基线中已有而未报告（该文件以 --baseline 生成）：它们计为仍存在或新增，不计为已解决",
    }
)
ZH["what the file holds (default: the table its headers fit)"] = (
    "文件中是哪类数据（默认按表头判断）"
)
ZH[" ({command} --help)"] = "（{command} --help 查看帮助）"

ZH.update(
    {
        # history commands
        "{store}: created, empty": "{store}：已创建，为空",
        "{store}: already a history store; left as it is": "{store}：已是历史库，保持不变",
        "{path}: already in {store} as upload {id} ({table}, added {added}); not added again": "{path}：已在 {store} 中，上传编号 {id}（{table}，加入于 {added}）；不再重复加入",
        "{path}: added to {store} as upload {id} ({table}, {rows} rows)": "{path}：已加入 {store}，上传编号 {id}（{table}，{rows} 行）",
        "{store}: {uploads} uploads, {rows} rows": "{store}：{uploads} 次上传，共 {rows} 行",
        "removed upload {id} ({source}, {table}, {rows} rows) from {store}": "已从 {store} 移除上传 {id}（{source}，{table}，{rows} 行）",
    }
)

ZH.update(
    {
        # audit --engine (Spark)
        "duckdb: one machine; spark: Parquet inputs on a cluster": "duckdb：在本机运行；spark：在集群上审核 Parquet 输入",
        "with --engine spark: the master URL": "使用 --engine spark 时：Spark 主节点地址",
        "with --engine spark: a setting key=value (repeatable)": "使用 --engine spark 时：一项设置 key=value（可重复）",
    }
)
