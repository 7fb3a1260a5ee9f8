"""A fuzz pass over mutated workbooks and CSVs through the real CLI (issue 5, item 6).

200 mutants of the sample inputs (tests/fuzzing.py says how they are made), each run in
a worker process so that a native crash is seen, not suffered: every one must end in
exit 0, 1 or 2 with no traceback, and on exit 2 with one line. A longer pass:
`python tests/fuzzing.py --mutants 2000`.
"""

from __future__ import annotations

import fuzzing


def test_fuzzed_inputs_never_crash_the_cli(tmp_path):
    summary = fuzzing.fuzz(200, seed=5, workdir=tmp_path, full_every=25)
    assert summary.tried == 200
    assert summary.crashes == [], summary.as_text()
    assert summary.by_exit[2] > 50  # most mutants are refused, with their one line
    assert summary.by_exit[0] + summary.by_exit[1] > 10  # and some still read
