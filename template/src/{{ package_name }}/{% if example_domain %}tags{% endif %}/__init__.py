"""Tags: labels shared across tasks."""
