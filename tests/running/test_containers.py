"""The container set-up, checked without a container engine (none runs on these machines):
``docker-compose config`` (Debian's docker-compose 1.29) validates and resolves compose.yaml
with the example env files, and the Dockerfile is read for what it promises."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import require_program
from tests.running.served import REPO, clean_env, run


def _resolved() -> dict[str, Any]:
    compose = require_program("docker-compose")
    env = clean_env(
        FAST_GENAI_APP_ENV="compose.app.env.example", FAST_GENAI_DB_ENV="compose.db.env.example"
    )
    done = run([compose, "-f", str(REPO / "compose.yaml"), "config"], cwd=REPO, env=env)
    resolved: dict[str, Any] = yaml.safe_load(done.stdout)
    return resolved


def test_compose_file_is_valid_with_app_db_and_redis() -> None:
    services = _resolved()["services"]
    assert set(services) == {"app", "db", "redis"}
    app, db = services["app"], services["db"]
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name, service in services.items():
        assert service["healthcheck"]["test"], f"{name} has no healthcheck"
        assert service.get("volumes"), f"{name} keeps no data in a volume"
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["ports"][0].startswith("127.0.0.1:")  # not published on every interface
    # secrets come from the env files, each service only its own
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://fastgenai:")
    assert "FAST_GENAI_SECRET_KEY" in app["environment"]
    assert "FAST_GENAI_SECRET_KEY" not in db["environment"]
    assert "POSTGRES_PASSWORD" in db["environment"]
    assert app["environment"]["FAST_GENAI_RATE_LIMIT_STORAGE"].startswith("redis://redis:")
    assert "change-me" not in (REPO / "compose.yaml").read_text()


def test_dockerfile_runs_the_wheel_as_a_non_root_user_with_a_healthcheck() -> None:
    text = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert stages and all(re.fullmatch(r"python:3\.1[1-9]-slim( AS \w+)?", s) for s in stages)
    final = text.rsplit("\nFROM ", 1)[1]
    assert re.search(r"pip install --no-deps /dist/\*\.whl", final)
    assert "--require-hashes -r /dist/requirements.txt" in final
    user = re.findall(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert final.index("USER ") > final.index("pip install")  # installs as root, runs as user
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", final, flags=re.MULTILINE)
    assert '"fast-genai", "serve"' in final
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", ".env", "compose.*.env"} <= set(ignored)
