"""Integration tools: GitHub, Notion, Jira and link parsing."""
