"""The analyst example answers its three questions on the real output of real runs."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import PROJECT


def test_analyst_questions_answer_places_agencies_and_copies_per_story(processed):
    proc = subprocess.run(
        [sys.executable, str(PROJECT / "examples" / "analyst_questions.py"), "--out", str(processed)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    text = proc.stdout
    coverage, agencies, copies = re.split(r"^\d\. ", text, flags=re.M)[1:]
    # The wire story's dateline place, in its (partition) year; Paris from "Notre Dame in Paris catches fire".
    assert re.search(r"^Lisbon\s.*\b1\s*$", coverage, flags=re.M)
    assert re.search(r"^Paris\s", coverage, flags=re.M)
    # The seed article and the wire story both credit Reuters.
    assert re.search(r"^Reuters\s+2\s", agencies, flags=re.M)
    # Day two re-sent every sample story once and the wire story had one copy on day one: 63 stories
    # with one exact copy each.
    assert re.search(r"^\s+title\s+kept_date\s+exact\s+copies$", copies, flags=re.M)
    assert re.search(r"^1\s+63$", copies, flags=re.M)
