"""The literal strings every match of a query must contain, for picking candidate files.

A literal query is its own literal. Of a regular expression only a plain sequence is read: runs
of ordinary (or escaped punctuation) characters; anything that could make a run optional or
alternative (``|``, groups, classes, quantifiers other than ``+``) ends the run or gives up.
``None`` means no literal can be relied on, and the caller searches without the index.
Queries with non-ASCII characters give ``None`` too: ripgrep's Unicode case folding is not
SQLite's.
"""

from __future__ import annotations

MIN_LITERAL = 3
"""A trigram index needs at least three characters to narrow anything."""

_BREAKS = set(".^$[")
_GIVE_UP = set("|()")
_OPTIONAL = set("*?{")
_ESCAPED_LITERAL = set("\\.+*?()|[]{}^$#&-~ /'\"")


def required_literals(query: str, *, regex: bool) -> list[str] | None:
    """Strings (at least :data:`MIN_LITERAL` characters) found in every match, or ``None``."""
    if not query.isascii():
        return None
    if not regex:
        return [query] if len(query) >= MIN_LITERAL else None
    runs = _regex_runs(query)
    if runs is None:
        return None
    kept = [run for run in runs if len(run) >= MIN_LITERAL]
    return kept or None


def _regex_runs(pattern: str) -> list[str] | None:
    runs: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char in _GIVE_UP:
            return None
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if following and following in _ESCAPED_LITERAL:
                current.append(following)
                i += 2
                continue
            return None  # \d, \b, \x41, \Q...: not read here
        if char in _OPTIONAL:
            if current:
                current.pop()  # the character before may be absent
            runs.append("".join(current))
            current = []
            if char == "{":
                end = pattern.find("}", i)
                if end < 0:
                    return None
                i = end + 1
                continue
        elif char in _BREAKS:
            runs.append("".join(current))
            current = []
            if char == "[":
                return None  # a class: could hold ']' and escapes; not parsed here
        elif char == "+":
            runs.append("".join(current))  # the character stays; a repeat starts a new run
            current = []
        else:
            current.append(char)
        i += 1
    runs.append("".join(current))
    return runs
