"""A stateful fake of the Notion API (version 2025-09-03) for pages, blocks and databases
(and ``GET /v1/users/me``, the server's credentials check).

It checks what Notion checks on writes: the bearer token, the ``Notion-Version`` header, an
existing parent, the title property of a data source, at most 100 blocks per children array, at
most one level of nested children per request, at most 1,000 blocks and 500 KB per request, text
pieces and link URLs of at most 2,000 characters and rich-text arrays of at most 100 pieces,
tables with rows of the right width. Pages and blocks are
stored as a tree, so tests can read back exactly what a client built (``tree``).
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from tests.fakes.service import FakeService, Recorded, json_response

_ID = r"(?P<oid>[0-9a-fA-F-]{32,36})"


def dashed(raw: str) -> str:
    return str(uuid.UUID(raw.replace("-", "")))


def error(status: int, code: str, message: str) -> Response:
    return json_response(
        status, {"object": "error", "status": status, "code": code, "message": message}
    )


@dataclass
class Node:
    id: str
    type: str
    body: dict[str, Any]
    children: list[str] = field(default_factory=list)


class FakeNotion(FakeService):
    name = "fake-notion"

    def __init__(self, token: str = "secret_notion_test") -> None:
        super().__init__()
        self.token = token
        self.nodes: dict[str, Node] = {}
        self.databases: dict[str, list[str]] = {}
        self.data_sources: dict[str, dict[str, Any]] = {}
        """Each data source's properties (its schema)."""
        self.source_info: dict[str, dict[str, str]] = {}
        """Each data source's name and database."""
        self._ids = itertools.count(1)
        self.appends_left: int | None = None
        """When set, appends beyond this many fail with a 500 (a page left half-written)."""
        self.route("GET", r"/v1/users/me", self.get_me)
        self.route("POST", r"/v1/pages", self.create_page)
        self.route("GET", rf"/v1/pages/{_ID}", self.get_page)
        self.route("GET", rf"/v1/databases/{_ID}", self.get_database)
        self.route("GET", rf"/v1/data_sources/{_ID}", self.get_data_source)
        self.route("PATCH", rf"/v1/blocks/{_ID}/children", self.append)
        self.route("GET", rf"/v1/blocks/{_ID}/children", self.list_children)

    # -- setup and inspection ------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self._ids) + (7 << 100)))

    def add_page(self, title: str = "Parent") -> str:
        page_id = self.new_id()
        self.nodes[page_id] = Node(
            page_id, "page", {"title": title, "parent": {"type": "workspace"}}
        )
        return page_id

    def add_database(self, title_property: str = "Task name") -> tuple[str, str]:
        database_id = self.new_id()
        self.databases[database_id] = []
        return database_id, self.add_data_source(database_id, "Source", title_property)

    def add_data_source(self, database_id: str, name: str, title_property: str = "Name") -> str:
        """Another data source (2025-09-03: a database holds one or more) with its own schema."""
        source_id = self.new_id()
        self.databases[database_id].append(source_id)
        self.data_sources[source_id] = {
            "Status": {"id": "s1", "name": "Status", "type": "status"},
            title_property: {"id": "title", "name": title_property, "type": "title"},
        }
        self.source_info[source_id] = {"name": name, "database_id": database_id}
        return source_id

    def pages(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == "page" and "properties" in n.body]

    def tree(self, node_id: str) -> list[tuple[str, str, list[Any]]]:
        """(type, plain text, children) for each child block, recursively."""
        out = []
        for child_id in self.nodes[node_id].children:
            child = self.nodes[child_id]
            texts = child.body.get("rich_text") or []
            text = "".join(t["text"]["content"] for t in texts)
            out.append((child.type, text, self.tree(child_id)))
        return out

    # -- auth --------------------------------------------------------------------------------

    def authorized(self, headers: dict[str, str]) -> Response | None:
        if headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "unauthorized", "API token is invalid.")
        if not headers.get("notion-version"):
            return error(400, "missing_version", "Notion-Version header failed validation.")
        return None

    # -- validation like Notion's ------------------------------------------------------------

    def _check_rich(self, items: Any, where: str) -> str | None:
        if not isinstance(items, list):
            return f"{where} should be an array"
        if len(items) > 100:
            return f"{where}.length should be ≤ `100`, instead was `{len(items)}`."
        for i, item in enumerate(items):
            content = item.get("text", {}).get("content", "")
            if len(content) > 2000:
                size = len(content)
                return f"{where}[{i}].text.content.length should be ≤ `2000`, instead was `{size}`."
            url = (item.get("text", {}).get("link") or {}).get("url", "")
            if len(url) > 2000:
                size = len(url)
                return (
                    f"{where}[{i}].text.link.url.length should be ≤ `2000`, instead was `{size}`."
                )
        return None

    def _check_payload(self, body: Any) -> str | None:
        """Notion's payload limits: 1,000 block elements and 500 KB per request."""
        size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
        if size > 500_000:
            return f"Request body too large: {size} bytes, the limit is 500000."

        def count(blocks: Any) -> int:
            if not isinstance(blocks, list):
                return 0
            return sum(1 + count((b.get(b.get("type")) or {}).get("children")) for b in blocks)

        if (blocks := count(body.get("children"))) > 1000:
            return f"body.children has {blocks} block elements; the limit is 1000."
        return None

    def _check_blocks(self, blocks: Any, where: str, depth: int) -> str | None:
        if not isinstance(blocks, list):
            return f"{where} should be an array"
        if len(blocks) > 100:
            return f"{where}.length should be ≤ `100`, instead was `{len(blocks)}`."
        for i, block in enumerate(blocks):
            kind = block.get("type")
            body = block.get(kind)
            here = f"{where}[{i}].{kind}"
            if not isinstance(body, dict):
                return f"{where}[{i}] should be a block object"
            for key in ("rich_text",):
                if key in body and (problem := self._check_rich(body[key], f"{here}.{key}")):
                    return problem
            if kind == "table_row":
                for j, cell in enumerate(body.get("cells", [])):
                    if problem := self._check_rich(cell, f"{here}.cells[{j}]"):
                        return problem
            if kind == "table":
                rows = body.get("children")
                if not rows and depth >= 0:
                    return f"{here}.children should be defined, instead was `undefined`."
            children = body.get("children")
            if children is not None:
                if depth >= 1:
                    return f"{here}.children should be not present, instead was `{children!r:.20}`."
                if kind == "table":
                    width = body.get("table_width")
                    for row in children:
                        if len(row.get("table_row", {}).get("cells", [])) != width:
                            return f"{here}: table row width does not match table_width {width}"
                if problem := self._check_blocks(children, f"{here}.children", depth + 1):
                    return problem
        return None

    def _store(self, parent_id: str, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        created = []
        for block in blocks:
            kind = block["type"]
            body = dict(block[kind])
            children = body.pop("children", [])
            node = Node(self.new_id(), kind, body)
            self.nodes[node.id] = node
            self.nodes[parent_id].children.append(node.id)
            self._store(node.id, children)
            created.append(self._block_json(node))
        return created

    def _block_json(self, node: Node) -> dict[str, Any]:
        return {
            "object": "block",
            "id": node.id,
            "type": node.type,
            node.type: node.body,
            "has_children": bool(node.children),
        }

    # -- endpoints ---------------------------------------------------------------------------

    def get_me(self, record: Recorded) -> Response:
        bot = {"owner": {"type": "workspace", "workspace": True}, "workspace_name": "Fake"}
        me = {"object": "user", "id": dashed("f" * 32), "type": "bot", "name": "Fake bot"}
        return json_response(200, {**me, "bot": bot})

    def create_page(self, record: Recorded) -> Response:
        body = record.json if isinstance(record.json, dict) else {}
        parent = body.get("parent")
        if not isinstance(parent, dict):
            return error(
                400, "validation_error", "body.parent should be defined, instead was `undefined`."
            )
        properties = body.get("properties") or {}
        if "page_id" in parent:
            parent_id = dashed(parent["page_id"])
            if parent_id not in self.nodes:
                return error(404, "object_not_found", f"Could not find page with ID: {parent_id}.")
            if set(properties) - {"title"}:
                return error(400, "validation_error", "Invalid property for a page parent.")
        elif "data_source_id" in parent:
            source_id = dashed(parent["data_source_id"])
            source = self.data_sources.get(source_id)
            if source is None:
                return error(
                    404, "object_not_found", f"Could not find data_source with ID: {source_id}."
                )
            for name in properties:
                if name not in source:
                    return error(400, "validation_error", f"{name} is not a property that exists.")
        else:
            return error(
                400, "validation_error", "body.parent should be a page_id or data_source_id."
            )
        if not any("title" in v for v in properties.values()):
            return error(400, "validation_error", "Title is not provided")
        for name, value in properties.items():
            if "title" in value and (
                problem := self._check_rich(value["title"], f"body.properties.{name}.title")
            ):
                return error(400, "validation_error", problem)
        children = body.get("children", [])
        if problem := self._check_payload(body) or self._check_blocks(children, "body.children", 0):
            return error(400, "validation_error", problem)
        page = Node(
            self.new_id(),
            "page",
            {"parent": parent, "properties": properties, "icon": body.get("icon")},
        )
        self.nodes[page.id] = page
        self._store(page.id, children)
        url = f"https://www.notion.so/Page-{page.id.replace('-', '')}"
        return json_response(
            200,
            {
                "object": "page",
                "id": page.id,
                "url": url,
                "parent": parent,
                "properties": properties,
            },
        )

    def get_page(self, record: Recorded, oid: str) -> Response:
        page_id = dashed(oid)
        if page_id in self.databases:
            return error(
                400, "validation_error", f"Provided ID {page_id} is a database, not a page."
            )
        node = self.nodes.get(page_id)
        if node is None or node.type != "page":
            return error(404, "object_not_found", f"Could not find page with ID: {page_id}.")
        return json_response(
            200, {"object": "page", "id": page_id, "url": f"https://www.notion.so/{oid}"}
        )

    def get_database(self, record: Recorded, oid: str) -> Response:
        database_id = dashed(oid)
        sources = self.databases.get(database_id)
        if sources is None:
            return error(
                404, "object_not_found", f"Could not find database with ID: {database_id}."
            )
        return json_response(
            200,
            {
                "object": "database",
                "id": database_id,
                "data_sources": [{"id": s, "name": self.source_info[s]["name"]} for s in sources],
            },
        )

    def get_data_source(self, record: Recorded, oid: str) -> Response:
        source_id = dashed(oid)
        source = self.data_sources.get(source_id)
        if source is None:
            return error(
                404, "object_not_found", f"Could not find data_source with ID: {source_id}."
            )
        info = self.source_info[source_id]
        name = info["name"]
        return json_response(
            200,
            {
                "object": "data_source",
                "id": source_id,
                "title": [{"type": "text", "text": {"content": name}, "plain_text": name}],
                "parent": {"type": "database_id", "database_id": info["database_id"]},
                "properties": source,
            },
        )

    def append(self, record: Recorded, oid: str) -> Response:
        block_id = dashed(oid)
        if block_id not in self.nodes:
            return error(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        body = record.json if isinstance(record.json, dict) else {}
        children = body.get("children")
        if self.appends_left is not None:
            if self.appends_left <= 0:
                return error(500, "internal_server_error", "Unexpected error.")
            self.appends_left -= 1
        if problem := self._check_payload(body) or self._check_blocks(children, "body.children", 0):
            return error(400, "validation_error", problem)
        created = self._store(block_id, children)
        return json_response(
            200, {"object": "list", "results": created, "has_more": False, "next_cursor": None}
        )

    def list_children(self, record: Recorded, oid: str) -> Response:
        block_id = dashed(oid)
        node = self.nodes.get(block_id)
        if node is None:
            return error(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        size = min(int(record.query.get("page_size", 100)), 100)
        start = int(record.query.get("start_cursor") or 0)
        ids = node.children[start : start + size]
        more = start + size < len(node.children)
        return json_response(
            200,
            {
                "object": "list",
                "results": [self._block_json(self.nodes[i]) for i in ids],
                "has_more": more,
                "next_cursor": str(start + size) if more else None,
            },
        )
