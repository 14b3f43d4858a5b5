"""Projects: named groups of tasks, owned by a user."""
