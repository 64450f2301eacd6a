"""Chat turns and one-shot runs: the agent run, approvals, history."""
