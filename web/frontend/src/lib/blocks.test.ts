import { describe, expect, it } from "vitest";
import { BlockSplitter, lexBlocks, SEGMENT_BLOCKS, segments } from "./blocks";

const doc = "# Title\n\nA paragraph\nthat goes on.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```py\nx = 1\n```\n";

describe("blocks", () => {
  it("splits into blocks that join back to the source", () => {
    const blocks = lexBlocks(doc);
    expect(blocks.join("")).toBe(doc);
    expect(blocks.length).toBeGreaterThan(4);
  });

  it("gives the same blocks when the text arrives chunk by chunk", () => {
    for (const size of [1, 3, 7, 16]) {
      const splitter = new BlockSplitter();
      let blocks: string[] = [];
      for (let end = size; end < doc.length + size; end += size) blocks = splitter.update(doc.slice(0, end));
      expect(blocks).toEqual(lexBlocks(doc));
    }
  });

  it("keeps a setext heading and a lazy paragraph continuation whole", () => {
    const splitter = new BlockSplitter();
    splitter.update("intro\n\nmore\n\nTitle\n");
    expect(splitter.update("intro\n\nmore\n\nTitle\n===\n")).toEqual(lexBlocks("intro\n\nmore\n\nTitle\n===\n"));
  });

  it("does not split text with reference definitions", () => {
    const text = "See [x].\n\n[x]: https://example.org\n";
    expect(lexBlocks(text)).toEqual([text]);
  });
});

describe("segments", () => {
  it("groups blocks by position, so settled segments keep their source as the text grows", () => {
    const blocks = Array.from({ length: SEGMENT_BLOCKS * 2 + 5 }, (_, i) => `block ${i}\n\n`);
    const before = segments(blocks);
    const after = segments([...blocks.slice(0, -1), "block changed\n\n", "one more\n\n"]);
    expect(before).toHaveLength(3);
    expect(before.join("")).toBe(blocks.join(""));
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toBe(before[2]);
  });
});
