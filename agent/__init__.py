"""The agent: a pydantic-ai ``Agent`` over the tool registry, Gemini by default.

Importing this package is cheap; pydantic-ai loads when an agent or model is built.

Public API (import from the modules):

- ``agent.settings``: ``AgentSettings`` (model, ``gemini_api_key`` from GEMINI_API_KEY /
  GOOGLE_API_KEY, ``gemini_base_url`` from GOOGLE_GEMINI_BASE_URL, usage limits, retries,
  timeouts), ``DEFAULT_MODEL``.
- ``agent.deps``: ``AgentDeps(tools: ToolContext)``, the deps of every run.
- ``agent.build``: ``build_agent(settings, *, model=None, tools=None, can_ask=False,
  capabilities=(), mcp_servers=None)`` ->
  ``Agent[AgentDeps, str | DeferredToolRequests]``; write tools need approval.
- ``agent.model``: ``build_model(settings, name=None)`` (a ``Model``; Gemini with a retrying
  client honouring Retry-After), ``model_settings(settings)``, ``is_gemini(name)``.
- ``agent.run``: ``run_agent(agent, prompt, *, deps, settings, message_history=None,
  deferred_tool_results=None, on_event=None)`` (streams to ``on_event``; failures raise
  ``RunFailed`` carrying ``messages``), ``usage_limits(settings)``, ``run_failure(exc, settings)``.
- ``agent.approvals``: ``decide_all(requests, decide, specs)`` -> ``DeferredToolResults``
  (``Decision`` = "approve" | "deny" | "dry_run"), ``supports_dry_run(spec)``.
- ``agent.presets``: ``preset_prompt(name, path=..., code=..., context=...)``, ``PRESETS``,
  ``PRESET_NAMES`` (explain, review, document, tests).
- ``agent.errors``: ``MissingModelKey`` (a ``MissingCredential``; names the setting),
  ``UnknownModel`` (an ``InvalidArgument``), ``RunFailed`` > ``ModelUnavailable``,
  ``UsageLimitReached`` (ToolErrors with ``messages``: the conversation so far).
- ``agent.toolset``: ``registry_tools(specs, retries=2)``, the one registry adapter.
- ``agent.instructions``: ``INSTRUCTIONS``, ``workspace_instructions``.
- ``agent.questions``: ``ask_user`` (``Question``, ``UserAnswer``, ``pending_questions``).
- ``agent.history_budget``: ``HistoryBudget``, the capability keeping requests under
  ``history_budget_tokens`` (stubs, then a stored summary).
- ``agent.mcp_config``: ``McpServerConfig`` (the ``mcp_servers`` setting); ``agent.mcp_sources``:
  ``mcp_toolsets(configs)``, ``probe(config)``.
- ``agent.evals``: the eval set's cases, scripted model and runner (``fast-genai eval``).
"""
