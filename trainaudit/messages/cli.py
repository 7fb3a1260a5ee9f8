"""Chinese templates for the command line, api.py, baseline, waivers, privacy, findings files, atomic writes (msgid: the English template)."""

ZH: dict[str, str] = {}
