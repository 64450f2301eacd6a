"""Exit codes of every command."""

OK = 0
TOOL_ERROR = 1
"""A tool or a run failed; the message is on stderr."""
BAD_INPUT = 2
"""Bad arguments, an unknown tool, or a missing setting."""
DENIED = 3
"""A write was not approved (declined at the prompt, or no TTY and no ``--yes``)."""
MODEL_ERROR = 4
"""The model endpoint failed after retries, timed out, or a usage limit stopped the run (the
conversation so far is kept in ``chat``)."""
STARTUP = 5
"""A server could not start: the port is taken or not allowed, a workspace is missing, the
database is unreachable (one line on stderr says which)."""
