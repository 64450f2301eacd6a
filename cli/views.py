"""Per-result views for ``tools call``, keyed by result model name; JSON is the fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from tools.code.outline_model import CodeOutline
    from tools.files.create_file import CreatedFile
    from tools.files.list_files import FileListing
    from tools.files.read_file import ReadFileResult
    from tools.files.search_code import SearchCodeResult, SearchHit
    from tools.integrations.github_file import GithubFileResult
    from tools.integrations.jira_issue import JiraIssueResult
    from tools.integrations.notion_page import NotionPageResult
    from tools.integrations.parse_link import ParsedLinks
    from tools.integrations.write_once import WriteOutcome

View = Callable[[Console, Any], None]


def file_listing(console: Console, listing: FileListing) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("path", style="cyan")
    table.add_column("kind")
    table.add_column("size", justify="right")
    for entry in listing.entries:
        shown = (
            f"{entry.path} -> {entry.target or '(outside)'}"
            if entry.kind == "symlink"
            else entry.path
        )
        size = "" if entry.size is None else f"{entry.size:,}"
        table.add_row(Text(shown), entry.kind, size)
    console.print(table)
    more = (
        f"; truncated at {listing.limit}, narrow with path/glob/max_depth"
        if listing.truncated
        else ""
    )
    count = len(listing.entries)
    noun = "entry" if count == 1 else "entries"
    console.print(f"[dim]{count} {noun} under {escape(listing.root)}{more}[/]")


def read_file_result(console: Console, result: ReadFileResult) -> None:
    """In a terminal highlighted (lexer by file name only); piped, the numbered lines as is."""
    if not console.is_terminal:
        console.file.write(result.content)
    else:
        lines = result.content.split("\n")[:-1]  # the content ends with a newline
        code = "\n".join(line.partition("\t")[2] for line in lines)
        lexer = _lexer_name(result.path)
        console.print(Syntax(code, lexer, line_numbers=True, start_line=result.start_line))
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/]")


def _lexer_name(path: str) -> str:
    """The pygments lexer for a file name, ``text`` when none: never guessed from the content
    (``Syntax.guess_lexer`` imports hundreds of lexers to do that: most of a second)."""
    from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        return str(get_lexer_for_filename(path).aliases[0])
    except (ClassNotFound, IndexError):
        return "text"


def created_file(console: Console, result: CreatedFile) -> None:
    verb = "create" if result.created else "overwrite"
    done = f"[yellow]dry run:[/] would {verb}" if result.dry_run else f"{verb[:-1]}ed"
    console.print(f"{done} {escape(result.path)} ({result.bytes_written:,} bytes)")


def code_outline(console: Console, result: CodeOutline) -> None:
    """A tree per file: imports count, then symbols nested under their parents, with lines."""
    from rich.tree import Tree

    for outline in result.files:
        title = f"[bold cyan]{escape(outline.path)}[/] [dim]{outline.language or ''}[/]"
        if not outline.supported:
            console.print(f"{title} [yellow]{escape(outline.reason or 'not outlined')}[/]")
            continue
        tree = Tree(title)
        if outline.imports:
            tree.add(f"[dim]{len(outline.imports)} imports[/]")
        nodes: dict[str, Tree] = {}
        for symbol in outline.symbols:
            shown = symbol.signature or symbol.name
            kind = "" if shown.startswith(symbol.kind + " ") else f"[magenta]{symbol.kind}[/] "
            label = f"{kind}{escape(shown)} [dim]{symbol.start_line}-{symbol.end_line}[/]"
            if symbol.doc:
                label += f" [green]{escape(symbol.doc)}[/]"
            parent = nodes.get(symbol.parent or "", tree)
            nodes[symbol.qualified_name] = parent.add(label)
        console.print(tree)
    more = "; truncated by max_files" if result.truncated else ""
    console.print(
        f"[dim]{len(result.files)} files outlined, {result.files_unsupported} in other "
        f"languages, {result.cache_hits} from cache{more}[/]"
    )


def parsed_links(console: Console, result: ParsedLinks) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("service", "kind", "reference", "url"):
        table.add_column(column, style="cyan" if column == "service" else None)
    for link in result.links:
        if link.service == "github":
            ref = f"{link.owner}/{link.repo}"
            ref += f"#{link.number}" if link.number else ""
            ref += f"@{link.ref}" if link.ref else ""
            ref += f":{link.path}" if link.path else ""
        elif link.service == "notion":
            ref = link.notion_id or ""
        else:
            ref = link.issue_key or link.project_key or ""
        table.add_row(link.service, link.kind, Text(ref), Text(link.url))
    console.print(table)
    if result.other_urls:
        console.print(f"[dim]{len(result.other_urls)} other URLs[/]")


def _write_outcome(console: Console, result: WriteOutcome, done: str) -> None:
    import json

    if result.dry_run:
        console.print("[yellow]dry run:[/] nothing was sent; the request would be:")
        console.print_json(json.dumps(result.request, ensure_ascii=False))
    else:
        again = (
            f" [yellow](already done at {result.recorded_at:%Y-%m-%d %H:%M:%S}; not repeated)[/]"
            if result.deduplicated and result.recorded_at
            else ""
        )
        console.print(done + again)
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/]")


def github_file(console: Console, result: GithubFileResult) -> None:
    done = (
        f"{result.action} {escape(result.repo)}:{escape(result.path)} on "
        f"{escape(result.branch or '')} (commit {(result.commit_sha or '')[:12]})\n"
        f"{escape(result.html_url or '')}"
    )
    _write_outcome(console, result, done)


def notion_page(console: Console, result: NotionPageResult) -> None:
    done = f"created a Notion page with {result.blocks} blocks\n{escape(result.url or '')}"
    if not result.complete:
        done = (
            f"[red]created a Notion page but wrote only {result.blocks_written} of "
            f"{result.blocks} blocks:[/] {escape(result.error or '')}\n{escape(result.url or '')}"
        )
    _write_outcome(console, result, done)


def jira_issue(console: Console, result: JiraIssueResult) -> None:
    done = f"created {escape(result.key or '')} ({escape(result.issue_type)})"
    done += f"\n{escape(result.url or '')}"
    _write_outcome(console, result, done)


_CONTROLS = dict.fromkeys((*range(9), *range(10, 32), 127), "\ufffd")
"""Control characters in searched files are shown as U+FFFD, never sent to the terminal."""


def _search_line(path: str, number: int, separator: str, text: str, style: str = "") -> Text:
    line = Text(style=style)
    line.append(path, style="magenta")
    line.append(f"{separator}{number}{separator}", style="green")
    line.append(" " + text.translate(_CONTROLS))
    return line


def _search_hit(hit: SearchHit) -> Text:
    prefix = "…" if hit.text_column > 1 else ""
    line = Text()
    line.append(hit.path, style="magenta")
    line.append(f":{hit.line}:{hit.column}:", style="green")
    line.append(" " + prefix)
    start = len(line) + hit.column - hit.text_column
    line.append(hit.text.translate(_CONTROLS))
    line.stylize("bold red", start, min(len(line), start + hit.end_column - hit.column))
    return line


def search_results(console: Console, result: SearchCodeResult) -> None:
    """``path:line:col: text`` with the match highlighted, context lines dimmed (as rg shows)."""
    hit_lines = {(hit.path, hit.line) for hit in result.hits}
    with_context = any(hit.context_before or hit.context_after for hit in result.hits)
    path, printed = "", 0  # the last line printed, to print shared context only once
    for index, hit in enumerate(result.hits):
        first = hit.line - len(hit.context_before)
        if hit.path != path:
            path, printed = hit.path, 0
            gap = index > 0
        else:
            gap = first > printed + 1
        if with_context and gap:
            console.print(Text("--", style="dim"))
        for number, text in enumerate(hit.context_before, start=first):
            if number > printed:
                console.print(_search_line(hit.path, number, "-", text, style="dim"))
        console.print(_search_hit(hit))
        printed = hit.line
        for number, text in enumerate(hit.context_after, start=hit.line + 1):
            if (hit.path, number) in hit_lines:
                break  # that hit prints itself and the lines after it
            console.print(_search_line(hit.path, number, "-", text, style="dim"))
            printed = number
    more = (
        f"; truncated at {result.limit}, narrow with path/glob or raise max_results"
        if result.truncated
        else ""
    )
    hits = "hit" if len(result.hits) == 1 else "hits"
    files = "file" if result.files_with_hits == 1 else "files"
    console.print(f"[dim]{len(result.hits)} {hits} in {result.files_with_hits} {files}{more}[/]")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


VIEWS: dict[str, View] = {
    "SearchCodeResult": search_results,
    "CodeOutline": code_outline,
    "FileListing": file_listing,
    "ReadFileResult": read_file_result,
    "CreatedFile": created_file,
    "ParsedLinks": parsed_links,
    "GithubFileResult": github_file,
    "NotionPageResult": notion_page,
    "JiraIssueResult": jira_issue,
}
