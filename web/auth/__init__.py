"""Users and their tokens: fastapi-users, long-lived access tokens."""
