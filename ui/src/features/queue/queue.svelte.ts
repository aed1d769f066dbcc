import { api, toApiError, type ApiError } from "../../lib/api";
import type { TicketSummary } from "../../lib/bindings/TicketSummary";

export const PAGE_SIZE = 50;

type ErrorSink = (error: ApiError, retry: () => void) => void;

/** The ticket queue: first page, "load more" pages, and refreshes that never race each other. */
export class QueueStore {
  tickets = $state<TicketSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  loaded = $state(false);

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
  }

  /** Reloads from the top, keeping as many rows as are on screen now. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.loadingMore = false;
    const limit = Math.max(PAGE_SIZE, this.tickets.length);
    try {
      const page = await api.listQueue({ limit, after: null });
      if (generation !== this.#generation) return;
      this.tickets = page.tickets;
      this.nextCursor = page.nextCursor;
      this.loaded = true;
    } catch (e) {
      if (generation === this.#generation) this.#onError(toApiError(e), () => void this.refresh());
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  async loadMore(): Promise<void> {
    const after = this.nextCursor;
    if (after === null || this.loadingMore || this.loading) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await api.listQueue({ limit: PAGE_SIZE, after });
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
}
