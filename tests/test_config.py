"""Settings sources, the ``config`` command, and the README's configuration table."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.settings_catalog import catalog, markdown_table
from tools.settings import ToolSettings, config_path

runner = CliRunner()


def test_config_set_writes_validated_values_and_env_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["config", "set", "max_results", "50"])
    assert result.exit_code == 0, result.output
    assert tomllib.loads(config_path().read_text())["max_results"] == 50
    assert ToolSettings().max_results == 50
    assert os.stat(config_path()).st_mode & 0o077 == 0, "config file must be private"

    monkeypatch.setenv("FAST_GENAI_MAX_RESULTS", "7")
    assert ToolSettings().max_results == 7


def test_config_set_secret_is_masked_in_show() -> None:
    assert runner.invoke(app, ["config", "set", "github_token", "ghp_secretvalue"]).exit_code == 0
    assert ToolSettings().github_token is not None
    assert ToolSettings().github_token.get_secret_value() == "ghp_secretvalue"
    shown = runner.invoke(app, ["config", "show", "--json"])
    assert shown.exit_code == 0
    assert "ghp_secretvalue" not in shown.output
    assert '"value": "********"' in shown.output


def test_config_rejects_unknown_keys_and_bad_values() -> None:
    unknown = runner.invoke(app, ["config", "set", "no_such_setting", "1"])
    assert unknown.exit_code == 2
    assert "unknown setting" in unknown.output
    bad = runner.invoke(app, ["config", "set", "max_results", "many"])
    assert bad.exit_code == 2
    assert "valid integer" in bad.output
    assert not config_path().exists()


def test_config_unset_restores_default() -> None:
    runner.invoke(app, ["config", "set", "max_results", "5"])
    result = runner.invoke(app, ["config", "unset", "max_results"])
    assert result.exit_code == 0
    assert ToolSettings().max_results == ToolSettings.model_fields["max_results"].default


def test_broken_config_file_is_a_clear_error() -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text("max_results = [unclosed\n")
    for command in (
        ["config", "set", "max_results", "5"],
        ["config", "show"],
        ["tools", "call", "list_files"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert "not valid TOML" in result.output or "cannot be read" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_readme_configuration_table_matches_the_code() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings-table:start -->") + len("<!-- settings-table:start -->")
    end = readme.index("<!-- settings-table:end -->")
    assert readme[start:end].strip() == markdown_table(), (
        "README's configuration table is stale; regenerate it with "
        "`uv run python -c 'from cli.settings_catalog import markdown_table as t; print(t())'`"
    )
    assert len(catalog()) >= 10


def test_every_setting_is_documented() -> None:
    undocumented = [info.key for info in catalog().values() if not info.description.strip()]
    assert not undocumented, f"settings without a description: {undocumented}"


def test_config_set_stores_a_list_setting_comma_separated() -> None:
    result = CliRunner().invoke(
        app, ["config", "set", "allowed_internal_hosts", "127.0.0.1, jira.corp,10.0.0.0/8"]
    )
    assert result.exit_code == 0, result.output
    assert 'allowed_internal_hosts = "127.0.0.1,jira.corp,10.0.0.0/8"' in config_path().read_text()
    assert ToolSettings().allowed_internal_hosts == ("127.0.0.1", "jira.corp", "10.0.0.0/8")
