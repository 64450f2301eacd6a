"""``ToolSpec``: one tool's function plus the metadata every surface needs."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from tools.context import ToolContext
from tools.errors import InvalidArgument

ToolFunction = Callable[..., Coroutine[Any, Any, BaseModel]]
Credential = Literal["github", "notion", "jira", "model"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolSpec:
    """A tool: an async function ``f(ctx, **params) -> Model`` and how to present it."""

    func: ToolFunction
    title: str
    writes: bool = False
    credential: Credential | None = None
    idempotent: bool = False
    """Calling it again with the same arguments has no further effect."""
    destructive: bool = True
    """A write tool that may overwrite or delete what exists; ``False`` when it only adds."""
    open_world: bool = False
    """It talks to a service outside this machine."""
    long_running: bool = False
    """It may take a while on large inputs and reports progress through the context."""

    @property
    def name(self) -> str:
        return self.func.__name__

    @cached_property
    def description(self) -> str:
        return inspect.getdoc(self.func) or self.title

    @cached_property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0]

    @cached_property
    def params_model(self) -> type[BaseModel]:
        """A pydantic model of the parameters (every one after the context)."""
        signature = inspect.signature(self.func, eval_str=True)
        params = list(signature.parameters.values())
        if not params or params[0].name != "ctx":
            raise TypeError(f"tool {self.name} must take `ctx: ToolContext` first")
        fields: dict[str, Any] = {}
        for param in params[1:]:
            if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                raise TypeError(f"tool {self.name}: parameter {param.name} must be named")
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (param.annotation, default)
        model_name = "".join(part.title() for part in self.name.split("_")) + "Params"
        return create_model(model_name, __base__=_Params, **fields)

    @cached_property
    def output_model(self) -> type[BaseModel]:
        annotation = inspect.signature(self.func, eval_str=True).return_annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise TypeError(f"tool {self.name} must return a pydantic model")
        return annotation

    def parameters_schema(self) -> dict[str, Any]:
        return self.params_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        return self.output_model.model_json_schema()

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments, or ``InvalidArgument`` naming every problem."""
        try:
            params = self.params_model.model_validate(dict(arguments))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidArgument(f"invalid arguments for {self.name}: {problems}") from exc
        return {name: getattr(params, name) for name in type(params).model_fields}

    async def call(self, ctx: ToolContext, arguments: Mapping[str, Any]) -> BaseModel:
        """Validate ``arguments`` and run the tool."""
        return await self.func(ctx, **self.validate(arguments))
