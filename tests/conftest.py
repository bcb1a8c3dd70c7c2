"""Shared test settings: headless matplotlib, and the repository root importable."""

import json
import os
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never use the network: the digits notebook and loader take scikit-learn's 8×8 digits
# at once instead of probing the MNIST mirror (the kernels nbval starts inherit this).
os.environ.setdefault("DLB_DIGITS", "sklearn")


# ----------------------------------------------------------------------------------------------
# Markers: `slow` (executes notebooks, starts kernels or a browser, or runs minutes of CPU) and
# `sandbox` (needs bubblewrap). `python -m pytest -n auto -m "not slow"` is the fast loop while
# you work; `python -m pytest -n auto` runs everything. A test file may mark its own tests; these
# lists mark the tests of files that do not (yet), by file and test name.
# ----------------------------------------------------------------------------------------------

SLOW = {
    "test_lab.py": {
        "test_clean_notebook_passes_in_a_fresh_folder_outside_the_repository",
        "test_syntax_error_is_the_first_error",
        "test_exception_in_cell_3_stops_the_run",
        "test_infinite_loop_is_stopped_within_its_limit",
        "test_a_cell_that_prints_forever_is_stopped_too",
        "test_total_time_limit_stops_a_slow_notebook",
        "test_not_implemented_stub_is_blocking",
        "test_a_stub_called_by_a_later_task_is_the_first_error",
        "test_input_does_not_wait_and_a_missing_file_is_reported",
        "test_a_kernel_that_dies_is_an_error_not_a_hang",
        "test_folder_writes_one_csv_row_per_notebook",
        "test_exit_status_is_zero_for_warnings_only",
    },
    "test_lab_sandbox.py": None,  # None: every test of the file
    "test_lab_key.py": {"test_key_prints_the_teams_numbers"},
    "test_lab_distribution.py": {
        "test_fit_cross_entropy_matches_a_long_gradient_descent",
        "test_every_draw_tells_the_lab_story",
        "test_same_team_same_numbers_different_teams_different_ones",
        "test_stacked_copies_train_as_separate_networks",
        "test_best_line_beats_or_ties_the_cross_entropy_line_on_its_sample",
    },
    "test_handin.py": {
        "test_the_checker_inside_the_check_does_not_recurse",
        "test_in_colab_a_blocked_notebook_is_reported_not_raised",
        "test_outside_colab_jupyter_names_the_saved_file",
        "test_in_colab_the_lab_cell_checks_the_open_notebook",
    },
    "test_release.py": {"test_student_edition_runs_top_to_bottom"},
    "test_notebooks.py": {
        "test_setup_cell_as_colab_runs_it",
        "test_setup_cell_says_what_to_do_when_the_clone_fails",
    },
}
SLOW_FIXTURES = {"built_site", "chromium_session"}  # the readers' edition, any browser
# Tests that reuse the session's notebook runs (tests/notebook_runs.py): with pytest-xdist
# (`-n 2`), they go to one worker, which runs each notebook once for all of them.
NOTEBOOK_RUNS = {"test_site.py", "test_sliders.py", "test_mock_exam.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups
def pytest_collection_modifyitems(config, items):

    for item in items:
        if item.path.name in NOTEBOOK_RUNS:
            item.add_marker(pytest.mark.xdist_group("notebook_runs"))
        names = SLOW.get(item.path.name, set())
        name = getattr(item, "originalname", item.name)
        if names is None or name in names or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        for mark in item.iter_markers("skipif"):
            if "bubblewrap" in str(mark.kwargs.get("reason", "")):
                item.add_marker(pytest.mark.sandbox)


@pytest.fixture
def course_without_graded_notebooks(tmp_path_factory, monkeypatch):
    """These small team notebooks test the checker, not the graded lab: a course.json without
    "graded", or every one of them would be blocked for the lab's missing tasks (tested in
    tests/test_lab_forgery.py)."""
    course = json.loads(
        (Path(__file__).resolve().parent.parent / "course.json").read_text(encoding="utf-8")
    )
    course.pop("graded", None)
    path = tmp_path_factory.mktemp("course") / "course.json"
    path.write_text(json.dumps(course), encoding="utf-8")
    monkeypatch.setenv("DLB_COURSE_FILE", str(path))


# ----------------------------------------------------------------------------------------------
# Headless Chromium (Debian's `chromium` and `chromium-driver`, driven by selenium): one browser
# for the session, shared by the readers' edition (test_site.py), the class report
# (test_class_report.py) and the printed mock exam (test_mock_exam.py).
# ----------------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1200,900",
    # No network but a test's own server: any other host fails to resolve (and logs an error).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)


def chromium_missing() -> str | None:
    """Why headless Chromium cannot run here (what to install), or None when it can."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        return "headless Chromium not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@pytest.fixture(scope="session")
def chromium_session():
    """The session's one headless Chromium (selenium's driver); skips, with what to install,
    where Chromium, its driver or selenium is missing. Tests use `chromium`."""
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def chromium(chromium_session):
    """The session's headless Chromium as a test module finds it: without the console messages
    of an earlier module's pages and without an earlier module's device-metrics override."""
    chromium_session.get_log("browser")
    chromium_session.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return chromium_session
