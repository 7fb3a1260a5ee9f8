"""The audit on Apache Spark (SPEC §6): the same rules, on data that outgrows one machine.

Imported only for `--engine spark` (the `trainaudit[spark]` extra): pyspark and sqlglot
are not part of the default install.
"""
