"""Chinese templates for the engine, the runner and the rules (skip reasons, rule errors) (msgid: the English template)."""

ZH: dict[str, str] = {}
