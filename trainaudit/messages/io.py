"""Chinese templates for reading inputs: formats, layout, header matching, read limits (msgid: the English template)."""

ZH: dict[str, str] = {}
