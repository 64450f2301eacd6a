"""Every settings class of the project, for ``config`` and the README's configuration table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

S = TypeVar("S", bound=BaseSettings)


def settings_classes() -> list[type[BaseSettings]]:
    """One settings class per package, imported lazily (the CLI starts without them)."""
    from agent.settings import AgentSettings
    from mcp_server.settings import McpSettings
    from tools.settings import ToolSettings
    from web.settings import WebSettings

    return [ToolSettings, AgentSettings, McpSettings, WebSettings]


@dataclass(frozen=True)
class SettingInfo:
    """One setting: its config-file key, environment variable, default and description."""

    key: str
    env: str
    default: str
    description: str
    secret: bool
    owner: type[BaseSettings]


def catalog() -> dict[str, SettingInfo]:
    """Every setting by config-file key (the first class that declares a key owns it)."""
    out: dict[str, SettingInfo] = {}
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            if name not in out:
                out[name] = SettingInfo(
                    key=name,
                    env=_env_name(name, field, prefix),
                    default=_default(field),
                    description=field.description or "",
                    secret="Secret" in repr(field.annotation),
                    owner=cls,
                )
    return out


def _env_name(name: str, field: FieldInfo, prefix: str) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        if isinstance(first, str):
            return first
    if isinstance(alias, str):
        return alias
    return f"{prefix}{name}".upper()


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return _describe_factory(field.default_factory)
    value: Any = field.default
    if value is None:
        return "(unset)"
    return "(none)" if value in ([], {}, ()) else str(value)


def _describe_factory(factory: Any) -> str:
    if isinstance(factory, type) or getattr(factory, "__name__", "") == "<lambda>":
        return "(none)" if not factory() else str(factory())  # dict, list, a literal lambda
    doc = (getattr(factory, "__doc__", None) or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else "(computed)"


def markdown_table() -> str:
    """The README's configuration table (a test keeps README.md equal to this)."""
    lines = [
        "| setting (config key) | environment variable | default | what it does |",
        "|---|---|---|---|",
    ]
    for info in catalog().values():
        description = info.description.replace("|", "\\|")
        lines.append(f"| `{info.key}` | `{info.env}` | {info.default} | {description} |")
    return "\n".join(lines)


class SettingsError(ValueError):
    """The settings in force cannot be loaded (a broken config file, an invalid value)."""


def load_settings(cls: type[S]) -> S:
    """``cls()``, with a broken config file or a bad value turned into one clear message."""
    import tomllib

    from pydantic import ValidationError

    from tools.settings import config_path

    try:
        return cls()
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"the config file {config_path()} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid setting: {problems}") from exc
