"""Chinese templates for the Spark engine (msgid: the English template)."""

ZH: dict[str, str] = {}
