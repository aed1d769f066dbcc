// Named queue views (a name and the `#/queue?…` hash it stands for), kept in localStorage.
const KEY = "ticketdesk.queue.savedViews";

export interface SavedView {
  name: string;
  hash: string;
}

function read(): SavedView[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((v): v is SavedView => typeof v?.name === "string" && typeof v?.hash === "string");
  } catch {
    return [];
  }
}

export const savedViews = $state<{ items: SavedView[] }>({ items: read() });

function write(items: SavedView[]): void {
  savedViews.items = items;
  try {
    localStorage.setItem(KEY, JSON.stringify(items));
  } catch {
    // Storage unavailable: the views last until the window closes.
  }
}

/** Saves (or, for a name already used, replaces) a view, keeping the list sorted by name. */
export function saveView(name: string, hash: string): void {
  const others = savedViews.items.filter((v) => v.name !== name);
  write([...others, { name, hash }].sort((a, b) => a.name.localeCompare(b.name)));
}

export function deleteView(name: string): void {
  write(savedViews.items.filter((v) => v.name !== name));
}
