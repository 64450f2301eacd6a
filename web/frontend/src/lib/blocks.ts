// A streaming answer's Markdown as top-level blocks (marked's lexer), so that each new chunk
// re-lexes and re-renders only the last blocks: the finished ones keep their HTML and their DOM.
// Without this a 200 KB answer is parsed, sanitized and laid out whole on every chunk.

import { marked } from "marked";

/** The sources of the top-level blocks of `source`; they join back to `source` exactly. */
export function lexBlocks(source: string): string[] {
  const tokens = marked.lexer(source, { gfm: true });
  const raws = tokens.map((token) => token.raw);
  // a reference definition serves links in other blocks: such a text is not split at all
  const whole = tokens.some((token) => token.type === "def") || raws.join("") !== source;
  return whole ? [source] : raws.filter((raw) => raw.length > 0);
}

/** Blocks of a text that grows at its end: only the last two blocks are lexed again. */
export class BlockSplitter {
  private text = "";
  private blocks: string[] = [];

  update(next: string): string[] {
    if (!next.startsWith(this.text) || this.blocks.length < 3) {
      this.blocks = lexBlocks(next);
    } else {
      const stable = this.blocks.slice(0, -2);
      const offset = stable.reduce((n, raw) => n + raw.length, 0);
      this.blocks = [...stable, ...lexBlocks(next.slice(offset))];
    }
    this.text = next;
    return this.blocks;
  }
}

/** Blocks a segment holds: each segment is rendered and sanitized as one piece of HTML. */
export const SEGMENT_BLOCKS = 32;

/**
 * The blocks grouped into segments of SEGMENT_BLOCKS, by position: a segment whose blocks are
 * all settled (every block but the last two can no longer change as the text grows) keeps its
 * source, so its HTML is made once; only the last segment changes while the answer streams.
 * Rendering a 200 KB answer block by block costs one DOMPurify pass per block (~6,000), most
 * of it the fixed cost of a pass.
 */
export function segments(blocks: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < blocks.length; i += SEGMENT_BLOCKS) out.push(blocks.slice(i, i + SEGMENT_BLOCKS).join(""));
  return out;
}
