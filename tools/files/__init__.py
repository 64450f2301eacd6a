"""File tools: list, read, search and create files inside the workspace."""
