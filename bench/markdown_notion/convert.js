// Reference side of bench/markdown_to_notion.py: convert a Markdown file with @tryfabric/martian
// `runs` times in-process; print the median milliseconds per conversion and the block count.
const fs = require("fs");
const { markdownToBlocks } = require("@tryfabric/martian");

const [file, runsArg] = process.argv.slice(2);
const text = fs.readFileSync(file, "utf8");
const runs = Number(runsArg || 5);
const times = [];
let blocks = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  blocks = markdownToBlocks(text);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const count = (list) => list.reduce((n, b) => n + 1 + count((b[b.type] && b[b.type].children) || []), 0);
console.log(JSON.stringify({ ms: times[Math.floor(runs / 2)], blocks: count(blocks) }));
