"""Tasks: the work inside a project."""
