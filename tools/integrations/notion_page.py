"""``create_notion_page``: a page under a Notion page or database, content given as Markdown.

The Markdown becomes Notion blocks (``tools.integrations.notion_blocks``). The page is
created with its first 100 top-level blocks (each with one level of children); everything
else is appended in follow-up requests under the blocks it belongs to, so long and deeply
nested documents arrive whole and in order. A database parent (API version 2025-09-03) gets
the page in its data source (``data_source`` names one, by name or id, when it has several),
with the title in whichever property has the ``title`` type; a data-source id or
``collection://`` URL is a parent too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from tools.context import ToolContext
from tools.egress.policy import policy_for
from tools.errors import InvalidArgument, MissingCredential, NotFound, ToolError, UpstreamError
from tools.integrations.markdown_tree import Span
from tools.integrations.notion_blocks import (
    MAX_CHILDREN,
    MAX_REQUEST_BYTES,
    MAX_RICH_TEXT,
    MAX_TEXT,
    MAX_URL,
    BlockNode,
    count_blocks,
    inline_children,
    json_size,
    markdown_to_blocks,
    render,
    request_blocks,
    request_chunks,
    rich_text,
)
from tools.integrations.parse_link import notion_id_from, parse_url
from tools.integrations.retry import RetryPolicy, with_retries
from tools.integrations.upstream_errors import NOTION, body_detail, upstream_error
from tools.integrations.write_once import NO_CREDENTIAL, UNCHECKED, WriteOutcome, write_once

if TYPE_CHECKING:
    from notion_client import AsyncClient

ParentType = Literal["page", "database", "data_source"]


class NotionPageResult(WriteOutcome):
    parent_id: str
    parent_type: ParentType | None = None
    page_id: str | None = None
    url: str | None = None
    blocks: int = Field(description="Blocks in the page content.")
    requests: int = Field(default=0, description="Requests used to write the content.")
    complete: bool = Field(
        default=True,
        description="False when the page was created but a follow-up request failed: the page "
        "holds only `blocks_written` of `blocks` blocks, and `error` says why.",
    )
    blocks_written: int | None = Field(default=None, description="Blocks Notion accepted.")
    error: str | None = Field(default=None, description="Why the content is incomplete.")


async def create_notion_page(
    ctx: ToolContext,
    parent: Annotated[
        str,
        Field(
            description="Parent page, database or data source: a Notion URL or a page, database "
            "or data-source id."
        ),
    ],
    title: Annotated[str, Field(min_length=1, description="Title of the new page.")],
    content_markdown: Annotated[
        str, Field(description="Page content as Markdown (headings, lists, to-dos, code, tables).")
    ] = "",
    icon: Annotated[
        str | None, Field(description="An emoji, or an https:// image URL, for the page icon.")
    ] = None,
    data_source: Annotated[
        str | None,
        Field(
            description="For a database parent with several data sources: the data source's "
            "name or id."
        ),
    ] = None,
    dry_run: Annotated[
        bool, Field(description="Validate and show the request without sending it.")
    ] = False,
) -> NotionPageResult:
    """Create a Notion page with Markdown content under a parent page or database.

    Markdown is converted to Notion blocks; Notion's limits (2,000 characters per text piece, 100
    blocks per request, nesting depth) are handled by splitting and follow-up requests. Returns
    the page URL."""
    parent_id, hinted = _parent(parent)
    token = ctx.credentials.notion_token
    if len(_title(title)) > MAX_RICH_TEXT:
        raise InvalidArgument(
            f"the title is {len(title):,} characters; Notion takes {MAX_RICH_TEXT * MAX_TEXT:,}"
        )
    nodes = markdown_to_blocks(content_markdown)
    total = count_blocks(nodes)
    icon_object = _icon(icon)
    base_url = ctx.settings.notion_api_url.rstrip("/")
    source = data_source.strip() if data_source and data_source.strip() else None
    if dry_run:
        result = _dry_run(base_url, parent_id, hinted, source, title, nodes, total, icon_object)
        result.notes.insert(0, UNCHECKED.format(service="Notion"))
        if token is None:
            hint = ctx.credentials.hint("notion", "set NOTION_TOKEN")
            result.notes.insert(1, NO_CREDENTIAL.format(hint=hint))
        return result
    if token is None:
        raise MissingCredential(
            "create_notion_page needs a Notion token",
            hint=ctx.credentials.hint("notion", "set NOTION_TOKEN"),
        )

    async def perform() -> NotionPageResult:
        from notion_client import AsyncClient

        from tools.egress.httpx_guard import guarded_client

        async with guarded_client(policy_for(ctx.settings)) as http:
            client = AsyncClient(
                client=http,
                auth=token.get_secret_value(),
                base_url=base_url,
                timeout_ms=int(ctx.settings.http_timeout * 1000),
                retry=False,
                log_level=logging.ERROR,  # failures are reported as ToolErrors, not logged
            )
            writer = _Writer(client, RetryPolicy.from_settings(ctx.settings))
            return await writer.create(parent_id, hinted, source, title, nodes, total, icon_object)

    normalised = {
        "parent": parent_id,
        "title": title,
        "content_markdown": content_markdown,
        "icon": icon,
        "api": base_url,
        **({"data_source": source} if source else {}),
    }
    return await write_once(ctx, "create_notion_page", normalised, perform, NotionPageResult)


def _parent(parent: str) -> tuple[str, ParentType | None]:
    text = parent.strip()
    if text.startswith("collection://"):  # how Notion writes a data source's URL
        found = notion_id_from(text.removeprefix("collection://").strip("/"))
        if found is None:
            raise InvalidArgument(f"{parent!r} is not a Notion data source URL")
        return found, "data_source"
    if "://" in text or text.startswith(("notion.so/", "www.notion.so/")):
        link = parse_url(text if "://" in text else f"https://{text}")
        if link is None or link.service != "notion" or link.notion_id is None:
            raise InvalidArgument(f"{parent!r} is not a Notion page or database URL")
        return link.notion_id, "database" if link.kind == "database" else None
    found = notion_id_from(text)
    if found is None or len(text.replace("-", "")) != 32:
        raise InvalidArgument(
            f"{parent!r} is not a Notion id",
            hint="give a page or database URL, or a page, database or data-source id (32 hex)",
        )
    return found, None


def _icon(icon: str | None) -> dict[str, Any] | None:
    if icon is None or not icon.strip():
        return None
    icon = icon.strip()
    if icon.startswith("https://"):
        if len(icon) > MAX_URL:
            raise InvalidArgument(
                f"the icon URL is {len(icon):,} characters; Notion takes {MAX_URL:,}"
            )
        return {"type": "external", "external": {"url": icon}}
    if len(icon) > 16 or icon.isascii():
        raise InvalidArgument(f"icon {icon!r} is neither an emoji nor an https:// URL")
    return {"type": "emoji", "emoji": icon}


def _title(title: str) -> list[dict[str, Any]]:
    return rich_text([Span(title)])


def _dry_run(
    base_url: str,
    parent_id: str,
    hinted: ParentType | None,
    source: str | None,
    title: str,
    nodes: list[BlockNode],
    total: int,
    icon: dict[str, Any] | None,
) -> NotionPageResult:
    notes = []
    if hinted in ("database", "data_source"):
        if hinted == "data_source":
            source_ref = parent_id
        elif source:
            source_ref = f"<data source {source!r} of database {parent_id}>"
        else:
            source_ref = f"<the data source of database {parent_id}>"
        parent_obj: dict[str, Any] = {"type": "data_source_id", "data_source_id": source_ref}
        properties = {"<the data source's title property>": {"title": _title(title)}}
        notes.append("the data source and its title property are read at run time")
    else:
        parent_obj = {"page_id": parent_id}
        properties = {"title": {"title": _title(title)}}
        notes.append(
            "if the id is a database or a data source, the page goes into that data source "
            "instead (a database with several needs data_source)"
        )
    body: dict[str, Any] = {"parent": parent_obj, "properties": properties}
    if icon:
        body["icon"] = icon
    first = _first_chunk(body, nodes)
    body["children"] = [render(n, with_children=True) for n in first]
    sent = sum(request_blocks(n) for n in first)
    if total > sent:
        notes.append(f"{total - sent} more blocks are appended in follow-up requests")
    request = {"method": "POST", "url": f"{base_url}/v1/pages", "json": body}
    return NotionPageResult(
        parent_id=parent_id,
        parent_type=hinted,
        blocks=total,
        dry_run=True,
        request=request,
        notes=notes,
    )


@dataclass
class _Writer:
    client: AsyncClient
    policy: RetryPolicy
    requests: int = 0
    written: int = 0

    async def call(self, what: str, request: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        async def attempt() -> dict[str, Any]:
            import httpx
            from notion_client.errors import HTTPResponseError, RequestTimeoutError

            self.requests += 1
            try:
                answer = await request()
            except HTTPResponseError as exc:
                raise _error(exc, what) from None
            except (RequestTimeoutError, httpx.TransportError) as exc:
                raise upstream_error(NOTION, None, type(exc).__name__, what=what) from None
            return answer if isinstance(answer, dict) else {}

        return await with_retries(attempt, self.policy)

    async def create(
        self,
        parent_id: str,
        hinted: ParentType | None,
        source: str | None,
        title: str,
        nodes: list[BlockNode],
        total: int,
        icon: dict[str, Any] | None,
    ) -> NotionPageResult:
        parent_obj, title_key, parent_type = await self._resolve(parent_id, hinted, source)
        body: dict[str, Any] = {
            "parent": parent_obj,
            "properties": {title_key: {"title": _title(title)}},
        }
        if icon:
            body["icon"] = icon
        first = _first_chunk(body, nodes)
        rest = nodes[len(first) :]
        if first:
            body["children"] = [render(n, with_children=True) for n in first]
        self.requests = 0
        page = await self.call("creating the page", lambda: self.client.pages.create(**body))
        self.written = sum(request_blocks(n) for n in first)
        page_id = page.get("id")
        notes: list[str] = []
        error: str | None = None
        if page_id:
            try:
                await self._finish_all(str(page_id), first, None)
                await self._upload(str(page_id), rest)
            except ToolError as exc:
                error = str(exc)
                notes.append(
                    f"the page was created but holds only {self.written} of {total} blocks: "
                    f"{error}. This result is recorded, so the same call returns it instead of "
                    "creating a second page; append the rest by hand, or delete the page first"
                )
        elif count_blocks(nodes) > sum(request_blocks(n) for n in first):
            raise UpstreamError(
                "Notion created the page but answered without its id; the rest of the content "
                "could not be appended",
                service="notion",
            )
        else:
            notes.append("Notion's answer had no page id")
        url = page.get("url") or (f"https://www.notion.so/{page_id.replace('-', '')}"
                                  if isinstance(page_id, str) else None)  # fmt: skip
        return NotionPageResult(
            parent_id=parent_id,
            parent_type=parent_type,
            page_id=page_id if isinstance(page_id, str) else None,
            url=url,
            blocks=total,
            requests=self.requests,
            notes=notes,
            complete=error is None,
            blocks_written=self.written,
            error=error,
        )

    async def _resolve(
        self, parent_id: str, hinted: ParentType | None, source: str | None
    ) -> tuple[dict[str, Any], str, ParentType]:
        if hinted == "data_source":
            return await self._source_parent(parent_id, source, None)
        if hinted is None:
            try:
                await self.call(
                    f"reading parent page {parent_id}",
                    lambda: self.client.pages.retrieve(page_id=parent_id),
                )
            except (NotFound, InvalidArgument):
                pass  # not a page (or not shared): try it as a database, then a data source
            else:
                if source:
                    raise InvalidArgument(f"{parent_id} is a page; data_source is for databases")
                return {"page_id": parent_id}, "title", "page"
        try:
            database = await self.call(
                f"reading parent {parent_id}",
                lambda: self.client.databases.retrieve(database_id=parent_id),
            )
        except (NotFound, InvalidArgument) as exc:
            if hinted == "database" and isinstance(exc, InvalidArgument):
                raise
            try:
                return await self._source_parent(parent_id, source, None)
            except NotFound:
                raise NotFound(
                    f"Notion has no page, database or data source {parent_id} that this "
                    "integration can see",
                    hint="share the parent with the integration (… menu > Connections)",
                ) from None
        source_id = _pick_source(parent_id, database.get("data_sources") or [], source)
        return await self._source_parent(source_id, None, parent_id)

    async def _source_parent(
        self, source_id: str, source: str | None, database_id: str | None
    ) -> tuple[dict[str, Any], str, ParentType]:
        found = await self.call(
            f"reading data source {source_id}",
            lambda: self.client.data_sources.retrieve(data_source_id=source_id),
        )
        if source and _norm(source) not in (_norm(source_id), _norm(_plain(found.get("title")))):
            raise InvalidArgument(
                f"the parent is data source {source_id}, not {source!r}",
                hint="leave data_source out when the parent is a data source",
            )
        properties = found.get("properties") or {}
        title_key = next(
            (name for name, prop in properties.items() if prop.get("type") == "title"), None
        )
        if title_key is None:
            raise InvalidArgument(f"Notion data source {source_id} has no title property")
        kind: ParentType = "database" if database_id else "data_source"
        return {"type": "data_source_id", "data_source_id": source_id}, title_key, kind

    async def _upload(self, parent_id: str, nodes: list[BlockNode]) -> None:
        for chunk in request_chunks(nodes, MAX_REQUEST_BYTES - _ENVELOPE):
            children = [render(n, with_children=True) for n in chunk]
            answer = await self.call(
                f"appending blocks to {parent_id}",
                lambda children=children: self.client.blocks.children.append(  # type: ignore[misc]
                    block_id=parent_id, children=children
                ),
            )
            self.written += sum(request_blocks(n) for n in chunk)
            ids = [str(r["id"]) for r in answer.get("results", []) if "id" in r]
            await self._finish_all(parent_id, chunk, ids)

    async def _finish_all(
        self, parent_id: str, nodes: list[BlockNode], ids: list[str] | None
    ) -> None:
        """Append what did not fit into the request that created ``nodes``."""
        if not any(_has_more(n) for n in nodes):
            return
        if ids is None or len(ids) < len(nodes):
            ids = await self._child_ids(parent_id, len(nodes))
        for node, node_id in zip(nodes, ids, strict=False):
            if _has_more(node):
                await self._finish(node, node_id)

    async def _finish(self, node: BlockNode, node_id: str) -> None:
        inline = inline_children(node)
        if any(child.children for child in inline):
            ids = await self._child_ids(node_id, len(inline))
            for child, child_id in zip(inline, ids, strict=False):
                if child.children:
                    await self._upload(child_id, child.children)
        await self._upload(node_id, node.children[len(inline) :])

    async def _child_ids(self, block_id: str, count: int) -> list[str]:
        ids: list[str] = []
        cursor: str | None = None
        while len(ids) < count:
            kwargs: dict[str, Any] = {"block_id": block_id, "page_size": MAX_CHILDREN}
            if cursor:
                kwargs["start_cursor"] = cursor
            answer = await self.call(
                f"listing the blocks of {block_id}",
                lambda kwargs=kwargs: self.client.blocks.children.list(**kwargs),  # type: ignore[misc]
            )
            ids += [str(r["id"]) for r in answer.get("results", []) if "id" in r]
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                break
        return ids[:count]


def _pick_source(database_id: str, sources: list[dict[str, Any]], wanted: str | None) -> str:
    """The data source of a database that ``wanted`` (a name or id) names, or its only one."""
    listing = ", ".join(f"{s.get('name') or '(untitled)'!r} ({s.get('id')})" for s in sources)
    if not sources:
        raise InvalidArgument(f"Notion database {database_id} has no data source to add to")
    if wanted is None:
        if len(sources) == 1:
            return str(sources[0]["id"])
        raise InvalidArgument(
            f"Notion database {database_id} has {len(sources)} data sources: {listing}",
            hint="pass data_source with the name or id of the one to add the page to",
        )
    key = _norm(wanted)
    by_id = [s for s in sources if _norm(str(s.get("id", ""))) == key]
    by_name = [s for s in sources if _norm(str(s.get("name") or "")) == key]
    matches = by_id or by_name
    if len(matches) == 1:
        return str(matches[0]["id"])
    problem = "several are named" if matches else "none is"
    raise InvalidArgument(
        f"of the data sources of Notion database {database_id}, {problem} {wanted!r}: {listing}",
        hint="pass data_source with one of these ids" if matches else None,
    )


def _norm(value: str) -> str:
    """A name or id compared loosely: case-folded, an id without dashes."""
    text = value.strip().casefold()
    raw = text.replace("-", "")
    return raw if len(raw) == 32 and all(c in "0123456789abcdef" for c in raw) else text


def _plain(rich: Any) -> str:
    if not isinstance(rich, list):
        return ""
    return "".join(str(r.get("plain_text", "")) for r in rich if isinstance(r, dict))


_ENVELOPE = 1000
"""Bytes kept free in a request for what surrounds the blocks."""


def _first_chunk(body: dict[str, Any], nodes: list[BlockNode]) -> list[BlockNode]:
    """The blocks sent with the page itself, within the request limits left by ``body``."""
    budget = MAX_REQUEST_BYTES - json_size(body) - _ENVELOPE
    return next(request_chunks(nodes, budget), [])


def _has_more(node: BlockNode) -> bool:
    inline = inline_children(node)
    return len(inline) < len(node.children) or any(child.children for child in inline)


def _error(exc: Any, what: str) -> ToolError:
    status = int(getattr(exc, "status", 0)) or None
    code = str(getattr(exc, "code", "") or "")
    detail = str(exc)
    if detail.startswith("Request to Notion API failed"):  # not Notion's own error body
        detail = body_detail(getattr(exc, "body", "")) or detail
    headers = dict(getattr(exc, "headers", {}) or {})
    permission = None
    if code == "restricted_resource":
        permission = "the integration capability for this action (read or insert content)"
    if status == 400 and code == "validation_error":
        return InvalidArgument(f"Notion rejected the request while {what}: {detail}")
    return upstream_error(NOTION, status, detail, what=what, headers=headers, permission=permission)
