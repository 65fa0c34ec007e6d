"""The analyst example answers its three questions on the real output of real runs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

from tests.conftest import PROJECT


def load_example():
    spec = importlib.util.spec_from_file_location("analyst_questions", PROJECT / "examples" / "analyst_questions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    # Places come from the extracted `places` column: the Wikinews sample is mostly about the US.
    assert re.search(r"^United States\s", coverage, flags=re.M)
    # Beyond the top ten: the wire story's dateline place, in its (partition) year; Paris from
    # "Notre Dame in Paris catches fire".
    table = load_example().coverage_per_place(str(processed), top=1000)
    assert table.loc["Lisbon", 2024] == 1
    assert table.loc["Paris", "total"] >= 1
    # The seed article, the wire story and a Wikinews story ("according to Reuters") credit Reuters;
    # Wikinews also credits CNN ("according to CNN", "CNN reported").
    assert re.search(r"^Reuters\s+3\s", agencies, flags=re.M)
    assert re.search(r"^CNN\s+3\s", agencies, flags=re.M)
    # Day two re-sent every sample story once and the wire story had one copy on day one: 63 stories
    # with one exact copy each.
    assert re.search(r"^\s+title\s+kept_date\s+exact\s+copies$", copies, flags=re.M)
    assert re.search(r"^1\s+63$", copies, flags=re.M)
