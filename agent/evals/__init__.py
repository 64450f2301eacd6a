"""The eval set: how well the agent chooses tools, case by case (``fast-genai eval``).

``cases``: the case model and the TOML loader; ``scripted``: a model that plays each case's
reference script (so the harness itself is tested without a model key); ``runner``: running
cases and checking them.

pydantic-evals (``Dataset``/``Case``/evaluators) would be the library for this, but its newest
release on PyPI (2.62.0) pins ``pydantic-ai-slim==2.62.0`` while this project needs 2.68: the
two cannot be installed together. The harness is small and keeps pydantic-evals' shape (cases
with inputs, expected output checks, evaluators as named checks, a report table) so it can move
to the library once a matching release exists.
"""
