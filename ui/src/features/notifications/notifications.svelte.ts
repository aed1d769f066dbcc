import { api, toApiError } from "../../lib/api";
import type { NotificationItem } from "../../lib/bindings/NotificationItem";
import type { NotificationQuery } from "../../lib/bindings/NotificationQuery";

export const PAGE_SIZE = 30;
/** The most the backend returns in one page (a refresh keeps up to this many rows). */
const MAX_PAGE = 100;

/** Why a call failed, for the panel; null when there is nothing to show (the session ended: sign-in takes over). */
function messageOf(e: unknown): string | null {
  const error = toApiError(e);
  if (error.code === "unauthenticated") return null;
  return error.code === "offline" ? `Database unavailable: ${error.message}` : error.message;
}

/** The badge text for `count` unread notifications; null shows no badge. */
export function badgeText(count: number): string | null {
  if (count <= 0) return null;
  return count > 99 ? "99+" : String(count);
}

/**
 * The in-app notification centre: the unread count (the bell's badge, kept current while the
 * panel is closed), the first page and "load more" pages, the unread-only filter and marking read.
 * Replies that a newer load or a sign-out has overtaken are dropped.
 */
export class NotificationStore {
  items = $state<NotificationItem[]>([]);
  /** Unread in all, not just among `items`. */
  unread = $state(0);
  nextCursor = $state<string | null>(null);
  unreadOnly = $state(false);
  open = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  loaded = $state(false);
  /** "Mark all read" in flight. */
  markingAll = $state(false);
  error = $state<string | null>(null);

  #generation = 0;
  /** Moves on at every reset, so replies meant for the previous user are dropped. */
  #session = 0;

  /** Sign-out or session end: forget everything that belonged to the user. */
  reset(): void {
    this.#generation++;
    this.#session++;
    this.items = [];
    this.unread = 0;
    this.nextCursor = null;
    this.unreadOnly = false;
    this.open = false;
    this.loading = false;
    this.loadingMore = false;
    this.loaded = false;
    this.markingAll = false;
    this.error = null;
  }

  #query(extra: NotificationQuery): NotificationQuery {
    return { unreadOnly: this.unreadOnly, ...extra };
  }

  /** Reloads the first page (and the count), keeping as many rows as are shown now. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.loadingMore = false;
    const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, this.items.length));
    try {
      const page = await api.notifications.list(this.#query({ limit }));
      if (generation !== this.#generation) return;
      this.items = page.items;
      this.unread = page.unread;
      this.nextCursor = page.nextCursor;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = messageOf(e);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** The next page: the same filter, before the cursor the last page returned. */
  async loadMore(): Promise<void> {
    const before = this.nextCursor;
    if (before === null || this.loading || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await api.notifications.list(this.#query({ before, limit: PAGE_SIZE }));
      if (generation !== this.#generation) return;
      const seen = new Set(this.items.map((n) => n.id));
      this.items = [...this.items, ...page.items.filter((n) => !seen.has(n.id))];
      this.unread = page.unread;
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = messageOf(e);
    } finally {
      if (generation === this.#generation) this.loadingMore = false;
    }
  }

  setUnreadOnly(unreadOnly: boolean): void {
    if (unreadOnly === this.unreadOnly) return;
    this.unreadOnly = unreadOnly;
    this.items = [];
    this.nextCursor = null;
    this.loaded = false;
    void this.refresh();
  }

  openCentre(): void {
    this.open = true;
    void this.refresh();
  }

  close(): void {
    this.open = false;
  }

  /**
   * A change went through: show it at once. A load still in flight may have read the old state,
   * so it is started again. Read rows stay in the list (also under "Unread only") so nothing
   * jumps under the pointer; the next refresh drops them there.
   */
  #applyRead(ids: ReadonlySet<string> | "all", unread: number): void {
    const readAt = new Date().toISOString();
    this.items = this.items.map((n) => (!n.readAt && (ids === "all" || ids.has(n.id)) ? { ...n, readAt } : n));
    this.unread = unread;
    this.error = null;
    if (this.loading || this.loadingMore) void this.refresh();
  }

  async markRead(id: string): Promise<void> {
    if (this.items.find((n) => n.id === id)?.readAt) return;
    const session = this.#session;
    try {
      const unread = await api.notifications.markRead(id);
      if (session === this.#session) this.#applyRead(new Set([id]), unread);
    } catch (e) {
      if (session === this.#session) this.error = messageOf(e);
    }
  }

  async markAllRead(): Promise<void> {
    if (this.markingAll) return;
    this.markingAll = true;
    const session = this.#session;
    try {
      const unread = await api.notifications.markAllRead();
      if (session === this.#session) this.#applyRead("all", unread);
    } catch (e) {
      if (session === this.#session) this.error = messageOf(e);
    } finally {
      if (session === this.#session) this.markingAll = false;
    }
  }
}
