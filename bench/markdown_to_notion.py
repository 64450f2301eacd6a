"""Markdown to Notion blocks: ``tools.integrations.notion_blocks`` against @tryfabric/martian (npm).

Martian is what a user would otherwise reach for to turn Markdown into Notion blocks. Both sides
convert the same documents in-process (no process start-up counted), median of RUNS runs each.

Run: ``npm ci --prefix bench/markdown_notion && uv run python bench/markdown_to_notion.py``
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.integrations.notion_blocks import count_blocks, markdown_to_blocks  # noqa: E402

RUNS = 7
HERE = Path(__file__).resolve().parent
NODE_SCRIPT = HERE / "markdown_notion" / "convert.js"
README = (ROOT / "tests" / "data" / "markdown" / "every_construct.md").read_text()

DOCUMENTS = {
    "README with every construct (1.0 KB)": README,
    "the same README x100 (100 KB)": "\n\n".join([README] * 100),
    "300 paragraphs": "\n\n".join(
        f"Paragraph **{i}** with `code` and a [link](https://x.org/{i})." for i in range(300)
    ),
    "one 5,000-character paragraph": "word " * 1000,
    "nested lists, 2,000 items": "\n".join(f"{'  ' * (i % 4)}- item {i}" for i in range(2000)),
}


def ours(text: str) -> tuple[float, int]:
    times = []
    blocks = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        nodes = markdown_to_blocks(text)
        times.append((time.perf_counter() - start) * 1000)
        blocks = count_blocks(nodes)
    return statistics.median(times), blocks


def martian(text: str) -> tuple[float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as handle:
        handle.write(text)
    out = subprocess.run(
        ["node", str(NODE_SCRIPT), handle.name, str(RUNS)],
        check=True, capture_output=True, text=True, cwd=HERE / "markdown_notion",
    )  # fmt: skip
    Path(handle.name).unlink()
    result = json.loads(out.stdout)
    return float(result["ms"]), int(result["blocks"])


def main() -> None:
    print("| document | fast-genai | martian | martian / fast-genai | blocks (ours / martian) |")
    print("|---|---|---|---|---|")
    for name, text in DOCUMENTS.items():
        our_ms, our_blocks = ours(text)
        ref_ms, ref_blocks = martian(text)
        print(
            f"| {name} | {our_ms:.2f} ms | {ref_ms:.2f} ms | {ref_ms / our_ms:.1f}x "
            f"| {our_blocks} / {ref_blocks} |"
        )


if __name__ == "__main__":
    main()
