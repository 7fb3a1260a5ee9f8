"""Chinese templates for the workbook, the console and the labels of reports (msgid: the English template)."""

ZH: dict[str, str] = {}
