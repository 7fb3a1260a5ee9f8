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
