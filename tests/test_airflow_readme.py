"""A newcomer's Airflow: the README's own commands, run as written from a shell whose PATH holds no
virtualenv, bring up an api-server that serves `news_etl`; a browser logs in, triggers a run and
sees it succeed, and the run publishes what the CLI publishes. One Ctrl-C then stops every process.

The commands run in the project with a private AIRFLOW_HOME, a free port (AIRFLOW_PORT) and the
log servers on free ports, so that they neither touch the developer's `.airflow/` nor collide with
another Airflow on the machine; the bundled sample is the runs' raw input and their output goes to
a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from tests.conftest import ARTIFACTS, CHROMIUM_FLAGS, PROJECT, SAMPLE_RAW, assert_same_partitions, chromium, run_cli
from tests.test_docs import README, code_blocks, section

pytestmark = pytest.mark.slow

START_TIMEOUT = 420  # a first start migrates a fresh SQLite database: ~1 min idle, more on a loaded 2-core machine
RUN_TIMEOUT = 600
STOP_TIMEOUT = 90  # `make airflow` escalates to SIGKILL 40 s after Ctrl-C
UI_TIMEOUT_MS = 120_000  # the browser waits on the same loaded api-server as the REST calls
LOGIN = re.compile(r"Airflow on (http://127\.0\.0\.1:\d+) - log in as (\w+), password in (\S+)")


@dataclass(frozen=True)
class ReadmeAirflow:
    url: str
    user: str
    password: str
    token: str
    out: Path
    log: Path

    def get(self, path: str) -> httpx.Response:
        """GET from the REST API, bounded but patient: a loaded 2-core machine answers slowly."""
        return httpx.get(f"{self.url}/api/v2{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=120)


def login(url: str, user: str, password: str) -> str:
    """A JWT for the REST API, from the printed user and the password file (Airflow 3: POST /auth/token)."""
    answer = httpx.post(f"{url}/auth/token", json={"username": user, "password": password}, timeout=120)
    assert answer.status_code == 201, answer.text
    return answer.json()["access_token"]


def readme_airflow_commands() -> list[str]:
    """The shell lines of the README's first Airflow code block, comments dropped."""
    block = code_blocks(section(README.read_text(), "Airflow"), "bash")[0]
    lines = (re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def bare_environment(home: Path, port: int, out: Path) -> dict[str, str]:
    """This environment less any virtualenv (PATH, VIRTUAL_ENV) and the outer make's variables."""
    venvs = {Path(sys.prefix).resolve(), (PROJECT / ".venv").resolve()}
    path = [p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if not _inside(Path(p), venvs)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MAKE", "MFLAGS", "VIRTUAL_ENV"))}
    return {
        **env,
        "PATH": os.pathsep.join(path),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": "0",
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": "0",
        "AIRFLOW__CORE__PARALLELISM": "4",  # 32 idle task workers by default: heavy on a shared 2-core machine
        # Unpausing on trigger would also start the latest scheduled run; only the browser's run is wanted.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "NEWSETL_RAW": str(SAMPLE_RAW),
        "NEWSETL_OUT": str(out),
    }


def _inside(path: Path, roots: set[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


@pytest.fixture(scope="module")
def readme_airflow(tmp_path_factory) -> Iterator[ReadmeAirflow]:
    base = tmp_path_factory.mktemp("readme-airflow")
    home, out, log = base / "airflow", base / "out", base / "make-airflow.log"
    env = bare_environment(home, _free_port(), out)
    *setup, server = readme_airflow_commands()
    for command in setup:
        subprocess.run(["bash", "-c", command], cwd=PROJECT, env=env, check=True, timeout=START_TIMEOUT)
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            ["bash", "-c", server],
            cwd=PROJECT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # As a terminal starts it: a test run in the background (`pytest &`) inherits SIGINT
            # ignored, which a shell may not trap (POSIX), and Ctrl-C would then stop nothing.
            preexec_fn=_default_sigint,
        )
    try:
        yield _wait_until_served(proc, log, out)
    finally:
        leftovers = _stop(proc, home)
    # Airflow 3.3's own shutdown can hang (apache/airflow#67870): `make airflow` escalates to SIGTERM
    # and SIGKILL itself, so that one Ctrl-C is enough.
    assert not leftovers, f"still running {STOP_TIMEOUT}s after one Ctrl-C (now killed): {leftovers}"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until_served(proc: subprocess.Popen, log: Path, out: Path) -> ReadmeAirflow:
    """Until the printed login works and the REST API knows news_etl (the dag-processor parsed it)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"`make airflow` exited with {proc.returncode}:\n{_tail(log)}"
        found = LOGIN.search(log.read_text(errors="replace"))
        if found and _listening(found[1]) and (password := _password(Path(found[3]), found[2])):
            url, user = found[1], found[2]
            with contextlib.suppress(httpx.TransportError):
                airflow = ReadmeAirflow(url, user, password, login(url, user, password), out, log)
                if airflow.get("/dags/news_etl").status_code == 200:
                    return airflow
        time.sleep(2)
    raise AssertionError(f"news_etl not served within {START_TIMEOUT}s:\n{_tail(log)}")


def _password(passwords: Path, user: str) -> str:
    return json.loads(passwords.read_text()).get(user, "") if passwords.exists() else ""


def _listening(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen, home: Path) -> list[str]:
    """What the README says: one Ctrl-C (SIGINT to the process group, as a terminal sends it). Returns
    what still ran STOP_TIMEOUT seconds later (then killed)."""
    groups = {proc.pid, *(group for _, group, _ in _airflow_processes({proc.pid}, home))}
    os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _airflow_processes(groups, home) and time.monotonic() < deadline:
        time.sleep(1)
    left = _airflow_processes(groups, home)
    for pid, _, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    return [command for _, _, command in left]


def _airflow_processes(groups: set[int], home: Path) -> list[tuple[int, int, str]]:
    """(pid, process group, command) of the live processes in those groups, or whose environment
    names this AIRFLOW_HOME (`make airflow` runs standalone in a session of its own). Workers retitle
    themselves, which can overwrite the environment /proc shows: the groups found at the start
    still count them."""
    marker = f"AIRFLOW_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, _, pgid = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[:3]
            if state != b"Z" and (int(pgid) in groups or marker in (entry / "environ").read_bytes().split(b"\0")):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(entry.name), int(pgid), command))
        except OSError:  # gone meanwhile
            continue
    return found


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


def test_the_readme_starts_airflow_with_one_command():
    assert readme_airflow_commands() == ["make airflow"]


def test_the_readmes_commands_serve_news_etl_on_the_rest_api_from_a_bare_path(readme_airflow):
    log = readme_airflow.log.read_text(errors="replace")
    assert "FileNotFoundError" not in log
    dag = readme_airflow.get("/dags/news_etl").json()
    assert dag["dag_id"] == "news_etl"
    assert dag["has_import_errors"] is False
    assert dag["timetable_summary"] == "0 0 * * *"
    from airflow.dag_processing.dagbag import DagBag  # Airflow imported by the tests that use it only

    served = {t["task_id"] for t in readme_airflow.get("/dags/news_etl/tasks").json()["tasks"]}
    assert served == set(DagBag(dag_folder=PROJECT / "dags").dags["news_etl"].task_ids)
    # The login is real: without a token the API refuses.
    assert httpx.get(f"{readme_airflow.url}/api/v2/dags/news_etl", timeout=120).status_code == 401


def test_a_browser_logs_in_triggers_news_etl_and_sees_the_run_succeed(readme_airflow, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium()
    shot = ARTIFACTS / "airflow-news_etl-run.png"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{readme_airflow.url}/dags/news_etl")
            page.get_by_label("Username").fill(readme_airflow.user)
            page.get_by_label("Password").fill(readme_airflow.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/dags/news_etl")

            page.get_by_role("button", name="Trigger Dag").click()
            dialog = page.get_by_role("dialog")
            trigger = dialog.get_by_role("button", name="Trigger", exact=True)
            expect(trigger).to_be_enabled(timeout=UI_TIMEOUT_MS)  # every required param has a value
            with page.expect_response(_posts_a_run) as posted:
                trigger.click()
            assert posted.value.ok, f"trigger answered {posted.value.status}: {posted.value.text()}"
            expect(dialog).to_be_hidden(timeout=UI_TIMEOUT_MS)

            run = _wait_for_run(readme_airflow)
            assert run["state"] == "success", f"{run}\n{_tail(readme_airflow.log)}"
            page.goto(f"{readme_airflow.url}/dags/news_etl/runs/{run['dag_run_id']}")
            expect(page.get_by_text("success").first).to_be_visible(timeout=UI_TIMEOUT_MS)
            page.screenshot(path=str(shot))
        finally:
            browser.close()

    # The run the browser started published what the CLI publishes for that date, byte for byte.
    (published,) = pq.read_table(readme_airflow.out / "runs").to_pylist()
    assert published["trigger"] == "airflow" and published["n_articles"] > 0
    day = published["partition_date"].isoformat()
    cli_out = tmp_path / "cli"
    run_cli("run", "--date", day, "--raw", str(SAMPLE_RAW), "--out", str(cli_out), "--quiet")
    assert_same_partitions(cli_out, readme_airflow.out, [day])


def _posts_a_run(response) -> bool:
    """The UI's trigger request: POST /api/v2/dags/{dag_id}/dagRuns."""
    return response.request.method == "POST" and response.url.split("?")[0].endswith("/dags/news_etl/dagRuns")


def _wait_for_run(airflow: ReadmeAirflow) -> dict:
    """The one manual run, once finished (or as it is when the time is up)."""
    deadline = time.monotonic() + RUN_TIMEOUT
    runs: list[dict] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):  # a slow answer is no answer: ask again
            runs = airflow.get("/dags/news_etl/dagRuns").json()["dag_runs"]
        if runs and runs[0]["state"] in ("success", "failed"):
            break
        time.sleep(3)
    assert len(runs) == 1, runs
    return runs[0]
