"""A stateful fake of the Jira REST API (v2 and v3) for issue creation.

Serves what the ``jira`` client calls: serverInfo (deploymentType Cloud or Server), project (with
issue types and components), field, user/search, issue create and read,
``myself`` (the server's credentials check). It checks like Jira:
basic auth (Cloud) or a bearer personal token (Server), the project and issue type, components,
priority, labels without spaces, the parent, custom fields, and the description format (a string
for v2, an Atlassian Document for v3).
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from tests.fakes.service import FakeService, Recorded, json_response

_API = r"/rest/api/(?P<version>[23])"


def jira_error(
    status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    return json_response(status, {"errorMessages": messages or [], "errors": errors or {}})


@dataclass
class FakeProject:
    key: str
    id: str
    issue_types: list[dict[str, Any]]
    components: list[str] = field(default_factory=list)


class FakeJira(FakeService):
    name = "fake-jira"

    def __init__(
        self,
        *,
        cloud: bool = False,
        user: str = "me@example.com",
        api_token: str = "jira-api-token",
        personal_token: str = "jira-pat",
    ) -> None:
        super().__init__()
        self.cloud = cloud
        self.user = user
        self.api_token = api_token
        self.personal_token = personal_token
        self.projects: dict[str, FakeProject] = {}
        self.issues: dict[str, dict[str, Any]] = {}
        self.priorities = ["Highest", "High", "Medium", "Low"]
        self.custom_fields = {"customfield_10016": "Story Points"}
        self.users = [
            {
                "accountId": "5b10ac8d82e05b22cc7d4ef5",
                "displayName": "Ada Lovelace",
                "emailAddress": "ada@example.com",
            },
            {
                "accountId": "5b10ac8d82e05b22cc7d4ef6",
                "displayName": "Ada Byron",
                "emailAddress": "byron@example.com",
            },
        ]
        self._ids = itertools.count(10000)
        self.route("GET", f"{_API}/serverInfo", self.server_info)
        self.route("GET", f"{_API}/myself", self.myself)
        self.route("GET", f"{_API}/project/(?P<key>[^/]+)", self.get_project)
        self.route("GET", f"{_API}/field", self.get_fields)
        self.route("GET", f"{_API}/user/search", self.user_search)
        self.route("POST", f"{_API}/issue", self.create_issue)
        self.route("GET", f"{_API}/issue/(?P<key>[^/]+)", self.get_issue)

    def add_project(self, key: str, *, components: list[str] | None = None) -> FakeProject:
        types = [
            {"id": "10001", "name": "Task", "subtask": False},
            {"id": "10002", "name": "Bug", "subtask": False},
            {"id": "10003", "name": "Sub-task", "subtask": True},
        ]
        project = FakeProject(key, str(next(self._ids)), types, components or [])
        self.projects[key] = project
        return project

    def created(self) -> list[dict[str, Any]]:
        return list(self.issues.values())

    def authorized(self, headers: dict[str, str]) -> Response | None:
        auth = headers.get("authorization", "")
        basic = "Basic " + base64.b64encode(f"{self.user}:{self.api_token}".encode()).decode()
        if auth in (basic, f"Bearer {self.personal_token}"):
            return None
        return Response(
            "<html><body>Unauthorized (401)</body></html>", status_code=401, media_type="text/html"
        )

    def myself(self, record: Recorded, version: str) -> Response:
        return json_response(
            200,
            {"accountId": "5b10ac8d82e05b22cc7d4eff", "emailAddress": self.user, "active": True},
        )

    def server_info(self, record: Recorded, version: str) -> Response:
        return json_response(
            200,
            {
                "baseUrl": self.base_url,
                "version": "1001.0.0-SNAPSHOT" if self.cloud else "9.12.2",
                "versionNumbers": [1001, 0, 0] if self.cloud else [9, 12, 2],
                "deploymentType": "Cloud" if self.cloud else "Server",
                "serverTitle": "Fake Jira",
            },
        )

    def _project_json(self, project: FakeProject, version: str) -> dict[str, Any]:
        return {
            "self": f"{self.base_url}/rest/api/{version}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": f"Project {project.key}",
            "issueTypes": project.issue_types,
            "components": [{"id": str(i), "name": n} for i, n in enumerate(project.components)],
        }

    def get_project(self, record: Recorded, version: str, key: str) -> Response:
        project = self.projects.get(key) or next(
            (p for p in self.projects.values() if p.id == key), None
        )
        if project is None:
            return jira_error(404, [f"No project could be found with key '{key}'."])
        return json_response(200, self._project_json(project, version))

    def get_fields(self, record: Recorded, version: str) -> Response:
        system = [
            {"id": i, "name": i.title(), "custom": False, "clauseNames": [i]}
            for i in ("summary", "description", "labels", "duedate", "priority")
        ]
        custom = [
            {"id": i, "name": n, "custom": True, "clauseNames": [f"cf[{i[12:]}]"]}
            for i, n in self.custom_fields.items()
        ]
        return json_response(200, system + custom)

    def user_search(self, record: Recorded, version: str) -> Response:
        query = record.query.get("query", "").lower()
        found = [
            u
            for u in self.users
            if query in u["displayName"].lower() or query in u["emailAddress"].lower()
        ]
        base = f"{self.base_url}/rest/api/{version}/user?accountId="
        return json_response(200, [{"self": base + u["accountId"], **u} for u in found])

    def create_issue(self, record: Recorded, version: str) -> Response:
        body = record.json if isinstance(record.json, dict) else {}
        fields = body.get("fields")
        if not isinstance(fields, dict):
            return jira_error(400, ["fields is required"])
        errors: dict[str, str] = {}
        project_ref = fields.get("project") or {}
        project = self.projects.get(project_ref.get("key", "")) or next(
            (p for p in self.projects.values() if p.id == project_ref.get("id")), None
        )
        if project is None:
            return jira_error(400, errors={"project": "valid project is required"})
        type_ref = fields.get("issuetype") or {}
        issue_type = next(
            (
                t
                for t in project.issue_types
                if t["id"] == type_ref.get("id") or t["name"] == type_ref.get("name")
            ),
            None,
        )
        if issue_type is None:
            errors["issuetype"] = "valid issue type is required"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary:
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        if "description" in fields:
            description = fields["description"]
            if version == "3" and not (
                isinstance(description, dict) and description.get("type") == "doc"
            ):
                errors["description"] = (
                    "Operation value must be an Atlassian Document "
                    "(see the Atlassian Document Format)"
                )
            if version == "2" and not isinstance(description, str):
                errors["description"] = "Operation value must be a string"
        for label in fields.get("labels", []):
            if " " in label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
        for component in fields.get("components", []):
            if component.get("name") not in project.components:
                errors["components"] = f"Component name '{component.get('name')}' is not valid"
        if "priority" in fields and fields["priority"].get("name") not in self.priorities:
            errors["priority"] = f"Specify the Priority (name) in the form {self.priorities}"
        if "assignee" in fields:
            who = fields["assignee"]
            key = "accountId" if self.cloud else "name"
            if key not in who:
                errors["assignee"] = f"assignee requires {key}"
        if issue_type and issue_type["subtask"] and "parent" not in fields:
            errors["parent"] = "Parent is required for a sub-task"
        if "parent" in fields and fields["parent"].get("key") not in self.issues:
            errors["parent"] = f"Could not find issue by id or key '{fields['parent'].get('key')}'."
        for name in fields:
            if name.startswith("customfield_") and name not in self.custom_fields:
                errors[name] = (
                    f"Field '{name}' cannot be set. "
                    "It is not on the appropriate screen, or unknown."
                )
        if errors:
            return jira_error(400, errors=errors)
        number = sum(1 for k in self.issues if k.startswith(project.key + "-")) + 1
        key = f"{project.key}-{number}"
        issue_id = str(next(self._ids))
        self.issues[key] = {"id": issue_id, "key": key, "fields": fields, "version": version}
        return json_response(
            201,
            {
                "id": issue_id,
                "key": key,
                "self": f"{self.base_url}/rest/api/{version}/issue/{issue_id}",
            },
        )

    def get_issue(self, record: Recorded, version: str, key: str) -> Response:
        issue = self.issues.get(key) or next(
            (i for i in self.issues.values() if i["id"] == key), None
        )
        if issue is None:
            return jira_error(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        return json_response(
            200,
            {
                "id": issue["id"],
                "key": issue["key"],
                "self": f"{self.base_url}/rest/api/{version}/issue/{issue['id']}",
                "fields": issue["fields"],
            },
        )
