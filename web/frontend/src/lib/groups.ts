// The conversation list: filtered by a search and grouped by when each was last active.

export interface Dated {
  title: string;
  updated_at: string;
}

export interface Group<T> {
  label: string;
  items: T[];
}

const LABELS = ["Today", "Yesterday", "Previous 7 days", "Previous 30 days", "Older"] as const;

function dayStart(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** The server's timestamps are UTC; one without a zone is read as UTC too. */
export function parseTime(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

function labelOf(updated: Date, now: Date): (typeof LABELS)[number] {
  const days = Math.round((dayStart(now) - dayStart(updated)) / 86_400_000);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 7) return "Previous 7 days";
  if (days < 30) return "Previous 30 days";
  return "Older";
}

/** Items whose title holds every word of `query` (any case), newest first, in date groups. */
export function groupConversations<T extends Dated>(items: T[], query: string, now = new Date()): Group<T>[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const kept = items
    .filter((item) => words.every((w) => item.title.toLowerCase().includes(w)))
    .map((item) => ({ item, at: parseTime(item.updated_at) }))
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const groups = new Map<string, T[]>();
  for (const { item, at } of kept) {
    const label = labelOf(at, now);
    groups.set(label, [...(groups.get(label) ?? []), item]);
  }
  return LABELS.filter((l) => groups.has(l)).map((label) => ({ label, items: groups.get(label) ?? [] }));
}
