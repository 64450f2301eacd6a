"""The MCP server: the tool registry served to MCP clients over stdio and streamable HTTP.

Importing this package is cheap; the ``mcp`` SDK loads when a server is built.
"""
