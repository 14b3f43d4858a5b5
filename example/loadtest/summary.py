"""The lines `make loadtest` ends with: the whole run's figures, to compare between releases.

Locust loads this file beside locustfile.py (loadtest/run.py names both). It prints after
locust's own tables, from the same final statistics.
"""

from locust import events
from locust.env import Environment
from locust.stats import StatsEntry


def summary(total: StatsEntry, environment: Environment) -> str:
    """Requests, requests per second, median and 95th percentile times, failures."""
    options = environment.parsed_options
    what = f"{options.num_users} users for {options.run_time} s against {environment.host}"
    return "\n".join(
        [
            f"\nLoad test: {what}",
            f"  requests    {total.num_requests}",
            f"  requests/s  {total.total_rps:.1f}",
            f"  p50         {total.get_response_time_percentile(0.5)} ms",
            f"  p95         {total.get_response_time_percentile(0.95)} ms",
            f"  failures    {total.num_failures}",
        ]
    )


@events.init.add_listener
def print_summary_on_quit(environment: Environment, **_kwargs) -> None:
    """Print the summary as locust exits, once its tables are out."""

    def print_summary(**_kwargs) -> None:
        print(summary(environment.stats.total, environment), flush=True)

    environment.events.quit.add_listener(print_summary)
