import { api, toApiError, type ApiError } from "../../lib/api";
import type { QueueQuery } from "../../lib/bindings/QueueQuery";
import type { TicketSummary } from "../../lib/bindings/TicketSummary";
import { defaultFilters, filtersFromHash, filtersToHash, toQueueQuery, type QueueFilters } from "./queryState";

export const PAGE_SIZE = 50;
/** The last queue hash, so a restarted app (which opens without a hash) comes back to the same view. */
const LAST_VIEW_KEY = "ticketdesk.queue.view";

type ErrorSink = (error: ApiError, retry: () => void) => void;

/**
 * The ticket queue: its filters (mirrored in `location.hash`), the first page, "load more"
 * pages, and refreshes that never race each other.
 */
export class QueueStore {
  tickets = $state<TicketSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  loaded = $state(false);
  filters = $state<QueueFilters>(defaultFilters());
  /** Set while the rows are this desktop's saved copy (the server is away): when it was saved. */
  cachedAt = $state<string | null>(null);
  /** The signed-in user, for the "assigned to me" filter. */
  meId: string | null = null;

  #generation = 0;
  #onError: ErrorSink;

  constructor(onError: ErrorSink) {
    this.#onError = onError;
  }

  reset(): void {
    this.#generation++;
    this.tickets = [];
    this.nextCursor = null;
    this.loading = false;
    this.loadingMore = false;
    this.loaded = false;
    this.cachedAt = null;
  }

  /** Takes the filters from the hash, or from the last session when the app opened without one. */
  restoreFilters(): void {
    let hash = location.hash;
    if (!hash) {
      try {
        hash = localStorage.getItem(LAST_VIEW_KEY) ?? "";
      } catch {
        hash = "";
      }
    }
    this.filters = filtersFromHash(hash);
  }

  /** New filters: written to the hash (replacing, so Back leaves the app rather than undoing a filter) and reloaded. */
  setFilters(filters: QueueFilters): void {
    this.filters = filters;
    const hash = filtersToHash(filters);
    if (location.hash !== hash) history.replaceState(history.state, "", hash);
    try {
      localStorage.setItem(LAST_VIEW_KEY, hash);
    } catch {
      // Private mode or a full store: the hash alone still works for this session.
    }
    void this.refresh({ keepRows: false });
  }

  /** The hash was changed from outside (typed, pasted, a saved view): follow it. */
  followHash(): void {
    const filters = filtersFromHash(location.hash);
    if (filtersToHash(filters) !== filtersToHash(this.filters)) this.setFilters(filters);
  }

  #query(): QueueQuery {
    return toQueueQuery(this.filters, this.meId);
  }

  /** Reloads from the top, by default keeping as many rows as are on screen now. */
  async refresh({ keepRows = true }: { keepRows?: boolean } = {}): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.loadingMore = false;
    const limit = keepRows ? Math.max(PAGE_SIZE, this.tickets.length) : PAGE_SIZE;
    try {
      const page = await api.listQueue({ limit, ...this.#query() });
      if (generation !== this.#generation) return;
      this.tickets = page.tickets;
      this.nextCursor = page.nextCursor;
      this.cachedAt = page.cachedAt ?? null;
      this.loaded = true;
    } catch (e) {
      if (generation === this.#generation) this.#onError(toApiError(e), () => void this.refresh());
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** The next page: the same filters and order, after the cursor the last page returned. */
  async loadMore(): Promise<void> {
    const after = this.nextCursor;
    if (after === null || this.loadingMore || this.loading) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await api.listQueue({ limit: PAGE_SIZE, ...this.#query(), after });
      if (generation !== this.#generation) return;
      const seen = new Set(this.tickets.map((t) => t.id));
      this.tickets = [...this.tickets, ...page.tickets.filter((t) => !seen.has(t.id))];
      this.nextCursor = page.nextCursor;
    } catch (e) {
      if (generation === this.#generation) this.#onError(toApiError(e), () => void this.loadMore());
    } finally {
      if (generation === this.#generation) this.loadingMore = false;
    }
  }

  /** A ticket changed on this desktop: show its new summary at once (the next refresh re-sorts). */
  replace(ticket: TicketSummary): void {
    const i = this.tickets.findIndex((t) => t.id === ticket.id);
    if (i !== -1) this.tickets[i] = ticket;
  }
}
