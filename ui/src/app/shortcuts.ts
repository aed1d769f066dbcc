// The queue's keyboard shortcuts: the keymap as data, and a pure function from a key press plus
// what is on screen to the action it asks for. App.svelte runs the action; nothing here touches
// the DOM except `keyTarget`, which reads the event's target.

/** What a shortcut asks the app to do. */
export type ShortcutAction =
  | { kind: "move"; delta: 1 | -1 }
  | { kind: "open"; ticketId: string }
  | { kind: "create" }
  | { kind: "acknowledge" }
  | { kind: "search" }
  | { kind: "closeDetail" }
  | { kind: "closePending" };

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}

/** What is on screen when the key is pressed. */
export interface ShortcutContext {
  /**
   * The queue has the keyboard: signed in, on the queue, and no form, panel or dialog over it
   * (the admin screen has its own forms; the notification centre handles its own Escape).
   */
  queueHasKeys: boolean;
  /** The key went to a text field (input, textarea, select, contenteditable). */
  typing: boolean;
  /** Nothing in particular has focus (the key went to the page itself). */
  onPage: boolean;
  selectedId: string | null;
  openId: string | null;
  /** A new ticket from the outbox is shown where a ticket would be. */
  pendingOpen: boolean;
}

interface Binding {
  key: string;
  /** What the hint line and the title attributes call it. */
  does: string;
  action: (ctx: ShortcutContext) => ShortcutAction | null;
}

/** The keymap: one row a key. */
export const KEYMAP: readonly Binding[] = [
  { key: "j", does: "select the next ticket", action: () => ({ kind: "move", delta: 1 }) },
  { key: "k", does: "select the previous ticket", action: () => ({ kind: "move", delta: -1 }) },
  {
    key: "Enter",
    does: "open the selected ticket",
    // Rows handle their own Enter; only act when nothing else has focus.
    action: (ctx) => (ctx.onPage && ctx.selectedId ? { kind: "open", ticketId: ctx.selectedId } : null),
  },
  { key: "c", does: "new ticket", action: () => ({ kind: "create" }) },
  {
    key: "a",
    does: "acknowledge the open ticket's escalation",
    // The fallback for notifications without buttons.
    action: (ctx) => (ctx.openId ? { kind: "acknowledge" } : null),
  },
  { key: "/", does: "search", action: () => ({ kind: "search" }) },
  {
    key: "Escape",
    does: "close the open ticket",
    action: (ctx) => (ctx.openId ? { kind: "closeDetail" } : ctx.pendingOpen ? { kind: "closePending" } : null),
  },
];

const BY_KEY: ReadonlyMap<string, Binding> = new Map(KEYMAP.map((b) => [b.key, b]));

/** The action a key press asks for, or null when it is not a shortcut here. */
export function shortcutFor(event: KeyPress, ctx: ShortcutContext): ShortcutAction | null {
  if (!ctx.queueHasKeys || event.defaultPrevented) return null;
  if (event.ctrlKey || event.metaKey || event.altKey || ctx.typing) return null;
  return BY_KEY.get(event.key)?.action(ctx) ?? null;
}

/** The ticket `delta` rows away from `currentId` (the first when none is current), kept within the list. */
export function stepSelection(ids: readonly string[], currentId: string | null, delta: number): string | null {
  if (ids.length === 0) return null;
  const current = currentId === null ? -1 : ids.indexOf(currentId);
  const next = current === -1 ? 0 : Math.min(ids.length - 1, Math.max(0, current + delta));
  return ids[next];
}

/** Where a key press went, as `ShortcutContext` needs it. */
export function keyTarget(target: EventTarget | null, doc: Document): { typing: boolean; onPage: boolean } {
  const typing =
    target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  return { typing, onPage: target === doc.body || target === doc.documentElement };
}
