"""Users: the people who own projects and work on tasks."""
