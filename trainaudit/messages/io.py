"""Chinese templates for reading inputs: formats, layout, header matching, read limits (msgid: the English template)."""

_CELLS_EN = (
    ", more than the limit of {limit} cells; refused "
    "(raise the limit with --max-cells if the file is genuine)"
)
_CELLS_ZH = "，超过 {limit} 个单元格的上限，已拒绝（文件确属正常时，可用 --max-cells 调高上限）"

_TOO_MANY_CELLS = {
    "{path}: holds more than {most} cells": "{path}：超过 {most} 个单元格",
    "{path}: spans {rows} records × {cols} columns": "{path}：共 {rows} 条记录 × {cols} 列",
    "{path}: holds {rows} rows × {cols} columns": "{path}：共 {rows} 行 × {cols} 列",
    "{path}: its HTML tables hold more than {most} cells": "{path}：其 HTML 表格超过 {most} 个单元格",
    "{path}: its XML sheets hold more than {most} cells": "{path}：其 XML 工作表超过 {most} 个单元格",
    "{path}, sheet {sheet}: spans {rows} rows × {cols} columns": "{path}，工作表 {sheet}：共 {rows} 行 × {cols} 列",
    "{path}, sheet {sheet}: spans up to {rows} rows × {cols} columns (to cell {cell})": "{path}，工作表 {sheet}：最多占 {rows} 行 × {cols} 列（到单元格 {cell}）",
    "{path}, sheet {sheet}: with the sheets before it spans up to {cells} cells": "{path}，工作表 {sheet}：连同前面的工作表最多占 {cells} 个单元格",
    "{path} ({member}): spans up to {rows} rows × {cols} columns": "{path}（{member}）：最多占 {rows} 行 × {cols} 列",
}  # fmt: skip

ZH: dict[str, str] = {
    **{en + _CELLS_EN: zh + _CELLS_ZH for en, zh in _TOO_MANY_CELLS.items()},
    "{error} (named .{suffix}, but it is not a workbook)": "{error}（文件名为 .{suffix}，但它不是工作簿）",
    "{name} must be a whole number of at least 1, not {value}": "{name} 必须是不小于 1 的整数，而不是 {value}",
    "{path} ({member}): expands {ratio:,.0f} times, from {packed} to {size} MB, more than the limit of {limit} times (a zip bomb); refused (raise the limit with --max-inflate-ratio if the file is genuine)": "{path}（{member}）：解压后膨胀 {ratio:,.0f} 倍，从 {packed} 变为 {size} MB，超过 {limit} 倍的上限（压缩炸弹）；已拒绝（文件确属正常时，可用 --max-inflate-ratio 调高上限）",
    "{path}, sheet {sheet}: cannot read it ({error})": "{path}，工作表 {sheet}：无法读取（{error}）",
    "{path}: a damaged Excel 2003 XML workbook ({error})": "{path}：Excel 2003 XML 工作簿已损坏（{error}）",
    "{path}: a damaged or truncated workbook (not a readable zip)": "{path}：工作簿已损坏或不完整（不是可读的 zip 文件）",
    "{path}: a zip file that is neither an Excel nor an ODS workbook": "{path}：是 zip 文件，但既不是 Excel 也不是 ODS 工作簿",
    "{path}: an HTML page without a table": "{path}：是 HTML 网页，但其中没有表格",
    "{path}: an XML file that is not an Excel 2003 workbook; open it and save as .xlsx": "{path}：是 XML 文件，但不是 Excel 2003 工作簿；请打开后另存为 .xlsx",
    "{path}: an XML workbook with a DOCTYPE; refused (entities)": "{path}：XML 工作簿含有 DOCTYPE 声明；已拒绝（实体可被滥用）",
    "{path}: binary data, not a spreadsheet or CSV text": "{path}：是二进制数据，不是表格或 CSV 文本",
    "{path}: cannot open the workbook ({error})": "{path}：无法打开工作簿（{error}）",
    "{path}: cannot read it ({error})": "{path}：无法读取（{error}）",
    "{path}: cannot read the Parquet file ({error})": "{path}：无法读取 Parquet 文件（{error}）",
    "{path}: file not found": "{path}：文件不存在",
    "{path}: line {line}: bytes that are not valid {tried} text": "{path}：第 {line} 行：有不是有效 {tried} 文本的字节",
    "{path}: line {line}: {error}": "{path}：第 {line} 行：{error}",
    "{path}: not a file": "{path}：不是文件",
    "{path}: not enough memory to read it; lower --max-cells or --max-file-mb, or split the file": "{path}：内存不足，无法读取；请调低 --max-cells 或 --max-file-mb，或拆分文件",
    "{path}: the Parquet data expands to {size} MB, more than the limit of {limit} MB; refused (raise the limit with --max-sheet-mb if the file is genuine)": "{path}：Parquet 数据解压后为 {size} MB，超过 {limit} MB 的上限；已拒绝（文件确属正常时，可用 --max-sheet-mb 调高上限）",
    "{path}: the file is empty": "{path}：文件为空",
    "{path}: the workbook is damaged or truncated ({member}: {error})": "{path}：工作簿已损坏或不完整（{member}：{error}）",
    "{path}: the workbook is damaged: {member} claims {claimed} strings in {size} bytes": "{path}：工作簿已损坏：{member} 声称在 {size} 字节中有 {claimed} 个字符串",
    "{path}: the workbook is encrypted; save it without a password": "{path}：工作簿已加密；请去掉密码后另存",
    "{path}: this looks like {other}, not {table}: it has every column {other} needs; check which file goes where": "{path}：这看起来是{other}，而不是{table}：它具备{other}的全部必需列；请核对文件与表的对应关系",
    "{path}: {size} MB, more than the limit of {limit} MB; refused (raise the limit with --max-file-mb if the file is genuine)": "{path}：{size} MB，超过 {limit} MB 的上限；已拒绝（文件确属正常时，可用 --max-file-mb 调高上限）",
    "{path}{where}: the workbook expands to more than {limit} MB of XML (a zip bomb, or millions of styled rows); refused (raise the limit with --max-sheet-mb if the file is genuine)": "{path}{where}：工作簿解压后的 XML 超过 {limit} MB（压缩炸弹，或数百万行带格式的空行）；已拒绝（文件确属正常时，可用 --max-sheet-mb 调高上限）",
    "{path}{where}: the workbook is damaged or truncated ({error})": "{path}{where}：工作簿已损坏或不完整（{error}）",
    "{path}{where}: the workbook is damaged: a cell reference ({ref}) beyond Excel's last cell XFD{last}": "{path}{where}：工作簿已损坏：单元格引用（{ref}）超出 Excel 的最后一个单元格 XFD{last}",
    "{path}{where}: the workbook is damaged: a cell reference thousands of characters long": "{path}{where}：工作簿已损坏：单元格引用长达数千个字符",
    "{path}{where}: the workbook is damaged: a tag runs on for more than {mb} MB without an end": "{path}{where}：工作簿已损坏：一个标签超过 {mb} MB 仍未结束",
    "{where}: no header row for {table} in the first {n} rows; found {found}{extra}": "{where}：前 {n} 行中没有{table}的表头行；找到的是：{found}{extra}",
    "{where}: {n} merged ranges that overlap again and again; the workbook is damaged": "{where}：{n} 个合并区域反复重叠；工作簿已损坏",
    "{where}: {width} fields, more than a spreadsheet's {most} columns": "{where}：{width} 个字段，超过电子表格最多 {most} 列",
    # notes on how a file was read (io.grid.Note), shown with the mapping
    "read as {kind} by its content, although named .{suffix}": "按内容读作 {kind}，虽然文件名为 .{suffix}",
    "an HTML page, not a real workbook: read its tables": "这是 HTML 网页，不是真正的工作簿：已读取其中的表格",
    "an Excel 2003 XML workbook, not a real .xls: read its sheets": "这是 Excel 2003 XML 工作簿，不是真正的 .xls：已读取其中的工作表",
    "encoding {encoding}": "编码 {encoding}",
    "recognised as {table}": "按表头识别为{table}",
    "hidden sheet {name} not read": "隐藏工作表 {name} 未读取",
    "headers {headers} all name {column}; the first is used": "表头 {headers} 都可作为{column}列；已取第一个",
    # parts of the "no header row" message
    "; hidden sheets not read: {sheets}": "；未读取的隐藏工作表：{sheets}",
    " (named .{suffix}, but it is text, not a workbook)": "（文件名为 .{suffix}，但它是文本，不是工作簿）",
    " (an HTML page)": "（这是 HTML 网页）",
    " (an Excel 2003 XML workbook)": "（这是 Excel 2003 XML 工作簿）",
    # where in a file (io.words)
    ", sheet {sheet}": "，工作表 {sheet}",
    ": line {line}": "：第 {line} 行",
}  # fmt: skip
