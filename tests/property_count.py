"""How many inputs the property-based tests generate, and a gate on it.

Every property test (marked `property`) wraps the body hypothesis calls in `counted`, under
`@given`. The session sums the calls; when the whole property suite ran (every test of every module
in PROPERTY_MODULES selected, none deselected, skipped or failed), fewer than
PROPERTY_MIN_INPUTS inputs (environment variable, default 10,000) fail the run. The count is printed
in the summary of any run that includes property tests:

    .venv/bin/python -m pytest tests/test_bad_input.py tests/test_property_inputs.py
    ...
    property-based inputs: 10,6xx generated (minimum 10,000 when the whole property suite runs)

Registered in tests/conftest.py (pytest_plugins). Per process: under pytest-xdist each worker counts
its own share, so the gate is meant for a run in one process, as CI runs the suite.
"""

import functools
import os

import pytest

PROPERTY_MODULES = ("tests/test_bad_input.py", "tests/test_property_inputs.py")
MINIMUM = 10_000

_state = {"inputs": 0, "current": None, "by_test": {}, "collected": set(), "deselected": False, "bad": False}


def counted(body):
    """Count each call of `body`: put it under @given (and above nothing else)."""

    @functools.wraps(body)
    def wrapper(*args, **kwargs):
        _state["inputs"] += 1
        if _state["current"] is not None:
            _state["by_test"][_state["current"]] = _state["by_test"].get(_state["current"], 0) + 1
        return body(*args, **kwargs)

    return wrapper


def inputs_generated():
    return _state["inputs"]


def _minimum():
    return int(os.environ.get("PROPERTY_MIN_INPUTS", MINIMUM))


def pytest_configure(config):
    config.addinivalue_line("markers", "property: a property-based test; its inputs count (tests/property_count.py)")


def _module(item):
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    # trylast: after -k / -m deselection, so this is what runs
    _state["collected"] = {_module(item) for item in items if item.get_closest_marker("property")}


def pytest_deselected(items):
    if any(item.get_closest_marker("property") for item in items):
        _state["deselected"] = True


def pytest_runtest_setup(item):
    _state["current"] = item.nodeid if item.get_closest_marker("property") else None


def pytest_runtest_logreport(report):
    if report.nodeid.split("::", 1)[0] in PROPERTY_MODULES and (report.failed or report.skipped):
        _state["bad"] = True


def _whole_suite_ran():
    return set(PROPERTY_MODULES) <= _state["collected"] and not _state["deselected"] and not _state["bad"]


def pytest_sessionfinish(session, exitstatus):
    if _whole_suite_ran() and _state["inputs"] < _minimum() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        _state["short"] = True


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _state["collected"]:
        return
    count, minimum = _state["inputs"], _minimum()
    line = f"property-based inputs: {count:,} generated (minimum {minimum:,} when the whole property suite runs)"
    if _state.get("short"):
        terminalreporter.write_line(f"FAILED {line}: too few", red=True)
    else:
        terminalreporter.write_line(line)
    if config.getoption("verbose") > 0:
        for nodeid, number in sorted(_state["by_test"].items()):
            terminalreporter.write_line(f"  {number:6,d}  {nodeid}")
