"""A stateful fake of the GitHub REST API's repository contents endpoints.

Enough for PyGithub's ``get_repo``, ``get_contents``, ``create_file`` and ``update_file``, and
``GET /user`` (the server's credentials check):
repositories with a default branch, branches holding files, blob shas that change on update,
409 on a stale sha, 422 when a file exists and no sha was given, 401 on a wrong token, 403 on a
read-only repository (with GitHub's permission header), and injected failures (rate limits).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

from tests.fakes.service import FakeService, Recorded, json_response


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    owner: str
    name: str
    default_branch: str = "main"
    branches: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"main": {}})
    read_only: bool = False


class FakeGitHub(FakeService):
    name = "fake-github"

    def __init__(self, token: str = "gh-test-token") -> None:
        super().__init__()
        self.token = token
        self.repos: dict[str, FakeRepo] = {}
        self.commits = 0
        self.after_read: Callable[[], None] | None = None
        """Called after each contents read: lets a test change a file "underneath" a client."""
        self.route("GET", r"/user", self.get_user)
        self.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)", self.get_repo)
        contents = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/contents/(?P<path>.+)"
        self.route("GET", contents, self.get_contents)
        self.route("PUT", contents, self.put_contents)

    def add_repo(
        self, full: str, *, default_branch: str = "main", read_only: bool = False
    ) -> FakeRepo:
        owner, name = full.split("/")
        repo = FakeRepo(owner, name, default_branch, {default_branch: {}}, read_only)
        self.repos[full.lower()] = repo
        return repo

    def authorized(self, headers: dict[str, str]) -> Response | None:
        auth = headers.get("authorization", "")
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return json_response(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        return None

    def _repo(self, owner: str, repo: str) -> FakeRepo | None:
        return self.repos.get(f"{owner}/{repo}".lower())

    def _repo_json(self, repo: FakeRepo) -> dict[str, object]:
        full = f"{repo.owner}/{repo.name}"
        return {
            "id": 1,
            "name": repo.name,
            "full_name": full,
            "owner": {"login": repo.owner, "id": 1, "type": "User"},
            "private": False,
            "default_branch": repo.default_branch,
            "url": f"{self.base_url}/repos/{full}",
            "html_url": f"https://github.com/{full}",
        }

    def _file_json(self, repo: FakeRepo, branch: str, path: str, data: bytes) -> dict[str, object]:
        full = f"{repo.owner}/{repo.name}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.b64encode(data).decode(),
            "sha": blob_sha(data),
            "url": f"{self.base_url}/repos/{full}/contents/{path}?ref={branch}",
            "html_url": f"https://github.com/{full}/blob/{branch}/{path}",
        }

    def get_user(self, record: Recorded) -> Response:
        return json_response(200, {"login": "octocat", "id": 1, "type": "User"})

    def get_repo(self, record: Recorded, owner: str, repo: str) -> Response:
        found = self._repo(owner, repo)
        if found is None:
            return json_response(404, {"message": "Not Found"})
        return json_response(200, self._repo_json(found))

    def get_contents(self, record: Recorded, owner: str, repo: str, path: str) -> Response:
        response = self._contents(record, owner, repo, path)
        if self.after_read is not None:
            self.after_read()
        return response

    def _contents(self, record: Recorded, owner: str, repo: str, path: str) -> Response:
        found = self._repo(owner, repo)
        if found is None:
            return json_response(404, {"message": "Not Found"})
        branch = record.query.get("ref") or found.default_branch
        files = found.branches.get(branch)
        if files is None:
            return json_response(404, {"message": f"No commit found for the ref {branch}"})
        if path in files:
            return json_response(200, self._file_json(found, branch, path, files[path]))
        children = sorted({p for p in files if p.startswith(path + "/")})
        if children:
            return json_response(
                200, [self._file_json(found, branch, p, files[p]) for p in children]
            )
        return json_response(404, {"message": "Not Found"})

    def put_contents(self, record: Recorded, owner: str, repo: str, path: str) -> Response:
        found = self._repo(owner, repo)
        if found is None:
            return json_response(404, {"message": "Not Found"})
        if found.read_only:
            return json_response(
                403,
                {"message": "Resource not accessible by personal access token"},
                {"X-Accepted-GitHub-Permissions": "contents=write"},
            )
        body = record.json if isinstance(record.json, dict) else {}
        if "message" not in body or "content" not in body:
            return json_response(
                422, {"message": "Invalid request. message and content are required."}
            )
        branch = body.get("branch") or found.default_branch
        files = found.branches.get(branch)
        if files is None:
            return json_response(404, {"message": f"Branch {branch} not found"})
        data = base64.b64decode(body["content"])
        existing = files.get(path)
        if existing is not None and "sha" not in body:
            return json_response(422, {"message": 'Invalid request.\n\n"sha" wasn\'t supplied.'})
        if existing is not None and body["sha"] != blob_sha(existing):
            return json_response(409, {"message": f"{path} does not match {body['sha']}"})
        files[path] = data
        self.commits += 1
        commit_sha = hashlib.sha1(f"commit {self.commits}".encode()).hexdigest()
        content = self._file_json(found, branch, path, data)
        commit = {
            "sha": commit_sha,
            "url": f"{self.base_url}/repos/{owner}/{repo}/git/commits/{commit_sha}",
            "html_url": f"https://github.com/{owner}/{repo}/commit/{commit_sha}",
            "message": body["message"],
        }
        return json_response(
            200 if existing is not None else 201, {"content": content, "commit": commit}
        )
