import { describe, expect, it } from "vitest";
import { groupConversations, parseTime } from "./groups";

const now = new Date(2026, 11, 2, 10, 0, 0); // local time
function ago(days: number, hours = 0): string {
  return new Date(now.getTime() - days * 86_400_000 - hours * 3_600_000).toISOString();
}

describe("groupConversations", () => {
  const items = [
    { title: "Old chat", updated_at: ago(90) },
    { title: "Fix the tests", updated_at: ago(0, 1) },
    { title: "Yesterday's plan", updated_at: ago(1) },
    { title: "Last week", updated_at: ago(4) },
    { title: "This month", updated_at: ago(12) },
    { title: "Newest", updated_at: ago(0) },
  ];

  it("groups newest first by day", () => {
    const groups = groupConversations(items, "", now);
    expect(groups.map((g) => [g.label, g.items.map((i) => i.title)])).toEqual([
      ["Today", ["Newest", "Fix the tests"]],
      ["Yesterday", ["Yesterday's plan"]],
      ["Previous 7 days", ["Last week"]],
      ["Previous 30 days", ["This month"]],
      ["Older", ["Old chat"]],
    ]);
  });

  it("keeps titles holding every word of the search, in any case", () => {
    const groups = groupConversations(items, "  the TESTS ", now);
    expect(groups.flatMap((g) => g.items.map((i) => i.title))).toEqual(["Fix the tests"]);
    expect(groupConversations(items, "nothing like this", now)).toEqual([]);
  });

  it("reads a timestamp without a zone as UTC", () => {
    expect(parseTime("2026-12-01T10:00:00").toISOString()).toBe("2026-12-01T10:00:00.000Z");
    expect(parseTime("2026-12-01T10:00:00+00:00").toISOString()).toBe("2026-12-01T10:00:00.000Z");
  });
});
