"""The model an agent runs on: Gemini through ``GoogleModel`` by default, any pydantic-ai name else.

Gemini requests go through an HTTP client whose transport (``agent.transport``) retries
408/429/5xx and connection failures with exponential backoff, honouring ``Retry-After``. When the
retries run out the run fails with the endpoint's last answer, mapped by pydantic-ai to a
``ModelAPIError`` that ``agent.run`` turns into one clear ``ModelUnavailable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.errors import MissingModelKey, UnknownModel
from agent.settings import AgentSettings

if TYPE_CHECKING:
    import httpx2
    from pydantic_ai.models import Model
    from pydantic_ai.providers.google import GoogleProvider
    from pydantic_ai.settings import ModelSettings

GOOGLE_PROVIDERS = frozenset({"google", "google-gla"})


def is_gemini(model_name: str) -> bool:
    """Whether a model name goes to the Gemini API (``google:...`` or a bare ``gemini-...``)."""
    provider, sep, _ = model_name.partition(":")
    return provider in GOOGLE_PROVIDERS if sep else model_name.startswith("gemini")


def build_model(settings: AgentSettings, name: str | None = None) -> Model:
    """The model called ``name`` (default: ``settings.model``), ready to use.

    Raises ``MissingModelKey`` naming the setting when no key is configured, and
    ``UnknownModel`` for a name pydantic-ai cannot resolve.
    """
    model_name = name or settings.model
    if is_gemini(model_name):
        return _gemini(settings, model_name.partition(":")[2] or model_name)
    from pydantic_ai.exceptions import UserError
    from pydantic_ai.models import infer_model

    try:
        return infer_model(model_name)
    except UserError as exc:
        raise UnknownModel(f"cannot use the model {model_name!r}: {exc}") from None


def model_settings(settings: AgentSettings, model: Model) -> ModelSettings:
    """Request settings for every call to ``model``.

    Every model gets the ``request_timeout`` deadline (pydantic-ai enforces it). Gemini also gets
    the per-read timeout and no SDK retries, since its transport retries; other models keep their
    SDK's own retry policy (these settings would only warn there).
    """
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.settings import ModelSettings

    if isinstance(model, GoogleModel):
        return ModelSettings(
            timeout=settings.read_timeout, request_timeout=settings.request_timeout, max_retries=0
        )
    return ModelSettings(request_timeout=settings.request_timeout)


def _gemini(settings: AgentSettings, model_name: str) -> Model:
    from pydantic_ai.models.google import GoogleModel

    key = settings.gemini_api_key
    if key is None or not key.get_secret_value().strip():
        raise MissingModelKey("GEMINI_API_KEY", f"google:{model_name}")
    provider = _retrying_google_provider(settings, key.get_secret_value())
    return GoogleModel(model_name, provider=provider)


def _retrying_google_provider(settings: AgentSettings, api_key: str) -> GoogleProvider:
    from pydantic_ai.providers.google import GoogleProvider

    class RetryingGoogleProvider(GoogleProvider):
        """A Gemini provider owning a retrying HTTP client, closed and renewed like its own."""

        def __init__(self) -> None:
            client = _retrying_client(settings)
            super().__init__(api_key=api_key, base_url=settings.gemini_base_url, http_client=client)
            # Hand the client to the provider's own lifecycle: closed when the agent or model
            # context exits, re-created on a new event loop (the provider's documented behaviour
            # for clients it creates).
            self._own_http_client = client
            self._http_client_factory = lambda: _retrying_client(settings)

    return RetryingGoogleProvider()


def _retrying_client(settings: AgentSettings) -> httpx2.AsyncClient:
    import httpx2
    from pydantic_ai.models import create_async_httpx2_client

    from agent.transport import RetryingTransport

    timeout = httpx2.Timeout(settings.read_timeout, connect=min(10.0, settings.read_timeout))
    return create_async_httpx2_client(timeout=timeout, transport=RetryingTransport(settings))
