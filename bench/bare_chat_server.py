"""The reference for bench/web_chat.py: the same pydantic-ai agent behind a bare sse-starlette
endpoint speaking the same Vercel AI UI-message stream, with no auth, no database, no history.

Run: uv run python bench/bare_chat_server.py PORT WORKSPACE   (GEMINI_API_KEY and
GOOGLE_GEMINI_BASE_URL select the model endpoint, as for fast-genai serve)
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import uvicorn
from pydantic_ai.ui.vercel_ai import VercelAIAdapter
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from agent.build import build_agent
from agent.deps import AgentDeps
from agent.settings import AgentSettings
from tools.context import ToolContext


def make_app(workspace: str) -> Starlette:
    agent = build_agent(AgentSettings())

    async def chat(request: Request) -> EventSourceResponse:
        adapter = await VercelAIAdapter.from_request(request, agent=agent, sdk_version=6)
        stream = adapter.run_stream(deps=AgentDeps(tools=ToolContext.local(workspace)))

        async def events() -> AsyncIterator[dict[str, str]]:
            async for chunk in stream:
                yield {"data": chunk.encode(6)}

        return EventSourceResponse(
            events(), ping=15, headers={"x-vercel-ai-ui-message-stream": "v1"}
        )

    return Starlette(routes=[Route("/api/v1/chat", chat, methods=["POST"])])


if __name__ == "__main__":
    port, workspace = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(make_app(workspace), host="127.0.0.1", port=port, log_level="warning")
