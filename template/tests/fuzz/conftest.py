"""Count what the fuzzer sends, and report it at the end of the run."""

import pytest

SEEN: dict[str, int] = {"cases": 0, "server_errors": 0}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line with the number of generated requests and of 5xx answers."""
    if SEEN["cases"]:
        terminalreporter.write_line(
            f"schemathesis: {SEEN['cases']} generated requests, "
            f"{SEEN['server_errors']} server errors"
        )
