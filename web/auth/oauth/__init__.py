"""OAuth 2.1 for MCP clients of ``/mcp``: discovery, registration, login and consent, tokens.

The protocol endpoints are the ``mcp`` SDK's handlers (``mcp.server.auth``) over ``provider``
(storage in the database); the login and consent pages are ours (``pages``).
"""
