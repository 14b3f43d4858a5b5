"""Count what the fuzzer sends, by the role it calls as, and report it at the end of the run."""

from collections import Counter

import pytest

SEEN: dict[str, Counter] = {}


def tally(role: str) -> Counter:
    """The counts of one role's run."""
    return SEEN.setdefault(role, Counter())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line with the generated requests and 5xx answers in all, and one per role."""
    if not SEEN:
        return
    total = sum(SEEN.values(), Counter())
    terminalreporter.write_line(
        f"schemathesis: {total['cases']} generated requests, {total['server_errors']} server errors"
    )
    for role, seen in sorted(SEEN.items()):
        terminalreporter.write_line(
            f"  as {role}: {seen['cases']} requests, {seen['server_errors']} server errors"
        )
