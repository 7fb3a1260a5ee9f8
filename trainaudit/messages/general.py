"""Chinese templates for policy, history, sample data, help texts and anything without a part of its own (msgid: the English template)."""

ZH: dict[str, str] = {}
