"""A generated corpus of nested Markdown: every block construct inside every chain of containers.

Each leaf carries marker words (``alpha``...), so a test can check that a converter kept every
piece of text whatever it had to downgrade. Deterministic: the same documents every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

LEAVES: dict[str, str] = {
    "paragraph": (
        "alpha **bold** *em* `code` ~~strike~~ [link](https://example.com/a) "
        "![image](https://example.com/i.png)\nsoft  \nhard break"
    ),
    "heading": "# bravo *heading*",
    "heading6": "###### charlie",
    "setext": "delta\n=====",
    "rule": "echo\n\n---\n\nfoxtrot",
    "table": "| golf | hotel |\n|------|-------|\n| india | **juliet** |\n| | `kilo` |",
    "fence": "```python\nlima = 1\n```",
    "empty_fence": "```\n```\n\nmike",
    "indented": "    november = 2",
    "bullets": "- oscar\n- papa",
    "ordered": "3. quebec\n4. romeo",
    "tasks": "- [x] sierra\n- [ ] tango",
    "quote": "> uniform\n>\n> victor",
    "html": "<div>\nwhiskey\n</div>",
    "empty_item": "-\n\nxray",
    "loose": "- yankee\n\n  zulu\n- omega",
}
"""Marker words are the lowercase words that are not Markdown syntax."""

CONTAINERS = ("quote", "bullet", "ordered", "task")


def wrap(container: str, text: str) -> str:
    """``text`` as the content of one quote or list item."""
    lines = text.split("\n")
    if container == "quote":
        return "\n".join(f"> {line}" if line else ">" for line in lines)
    if container == "task":  # a to-do whose item goes on with the content
        return "\n".join(["- [ ] to do", "", *(f"  {line}" if line else "" for line in lines)])
    marker = {"bullet": "- ", "ordered": "1. "}[container]
    rest = [f"{' ' * len(marker)}{line}" if line else "" for line in lines[1:]]
    return "\n".join([marker + lines[0], *rest])


@dataclass(frozen=True)
class Sample:
    name: str
    markdown: str
    words: tuple[str, ...]


def _words(leaf: str) -> tuple[str, ...]:
    text = LEAVES[leaf]
    found = [w for w in _MARKERS if w in text]
    return tuple(found)


_MARKERS = (
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
    "omega",
)


def corpus() -> Iterator[Sample]:
    """Every leaf in every container chain of depth 0-2, each followed by a sibling paragraph,
    then 120 seeded random documents of 2-4 leaves nested up to 4 deep."""
    chains: list[tuple[str, ...]] = [()]
    chains += [(c,) for c in CONTAINERS]
    chains += [(a, b) for a in CONTAINERS for b in CONTAINERS]
    for chain in chains:
        for leaf in LEAVES:
            text = LEAVES[leaf] + "\n\nafter"
            for container in reversed(chain):
                text = wrap(container, text)
            yield Sample(f"{'/'.join(chain) or 'top'}:{leaf}", text + "\n", _words(leaf))
    rng = random.Random(15)
    names = list(LEAVES)
    for index in range(120):
        leaves = rng.sample(names, rng.randint(2, 4))
        parts = []
        for leaf in leaves:
            text = LEAVES[leaf]
            for _ in range(rng.randint(0, 4)):
                text = wrap(rng.choice(CONTAINERS), text)
            parts.append(text)
        words = tuple(w for leaf in leaves for w in _words(leaf))
        yield Sample(f"random-{index}:{'+'.join(leaves)}", "\n\n".join(parts) + "\n", words)
