import { SvelteMap } from "svelte/reactivity";
import { api, toApiError } from "../../lib/api";
import type { Channel } from "../../lib/bindings/Channel";
import type { NotificationKind } from "../../lib/bindings/NotificationKind";
import { cellKey, cellLabel, toGrid, type PreferenceGrid } from "./preferences";

/** Why a call failed, for the panel; null when the session ended (the sign-in screen takes over). */
function messageOf(e: unknown): string | null {
  const error = toApiError(e);
  if (error.code === "unauthenticated") return null;
  return error.code === "offline" ? `Database unavailable: ${error.message}` : error.message;
}

/**
 * The signed-in user's notification preferences while the panel is open. A change is sent at
 * once and shown at once; its checkbox waits (disabled) until the backend answers, and goes back
 * to what it was if the change failed. Changes are sent one after another, so every reply (the
 * whole grid after that change) is newer than the one before and can replace it as it is.
 */
export class PreferencesStore {
  grid = $state<PreferenceGrid | null>(null);
  loading = $state(false);
  loadError = $state<string | null>(null);
  /** The last change that failed, and why. */
  error = $state<string | null>(null);
  /** Cells whose change is queued or in flight → the value asked for. */
  readonly pending = new SvelteMap<string, boolean>();

  #queue: Promise<void> = Promise.resolve();

  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      this.grid = toGrid(await api.notifications.preferences.list());
    } catch (e) {
      this.loadError = messageOf(e);
    } finally {
      this.loading = false;
    }
  }

  /** What the checkbox shows: the value asked for while a change is on its way, else the stored one. */
  shown(kind: NotificationKind, channel: Channel): boolean | undefined {
    const key = cellKey(kind, channel);
    return this.pending.get(key) ?? this.grid?.enabled.get(key);
  }

  isPending(kind: NotificationKind, channel: Channel): boolean {
    return this.pending.has(cellKey(kind, channel));
  }

  set(kind: NotificationKind, channel: Channel, enabled: boolean): Promise<void> {
    const key = cellKey(kind, channel);
    if (this.pending.has(key)) return this.#queue;
    this.pending.set(key, enabled);
    this.error = null;
    const send = async () => {
      try {
        this.grid = toGrid(await api.notifications.preferences.set({ kind, channel, enabled }));
      } catch (e) {
        const why = messageOf(e);
        if (why !== null) this.error = `Could not change ${cellLabel(kind, channel)}: ${why}`;
      } finally {
        // With the wish gone the checkbox shows the stored value: the new one, or the old one after a failure.
        this.pending.delete(key);
      }
    };
    this.#queue = this.#queue.then(send);
    return this.#queue;
  }
}
