"""Outbound requests to URLs a user can set: one policy, one guarded transport per HTTP library.

``policy`` decides (internal addresses refused unless ``FAST_GENAI_ALLOWED_INTERNAL_HOSTS``
lists them), ``httpx_guard`` and ``requests_guard`` enforce it at connection time.
"""
