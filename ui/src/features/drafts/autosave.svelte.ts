// Drafts that save themselves as the user types (issue 16): one DraftAutosave per open form,
// created while the form's component initialises. It saves the fields ~400 ms after the last
// change into the account's store on this computer, restores them when the form opens empty,
// and deletes them once the form was sent or the user discards them.
import { untrack } from "svelte";
import { api, toApiError, type DraftKey } from "../../lib/api";
import type { SavedDraft } from "../../lib/bindings/SavedDraft";
import { isBlank, readFields, type DraftFields, type FieldChoices } from "./drafts";

/** How long after the last keystroke or change a draft is saved. */
export const AUTOSAVE_DELAY_MS = 400;

/** How a form is kept: its fields when empty, and how to read and fill them. */
export interface DraftForm<F extends DraftFields> {
  /** The fields of the empty form. */
  defaults: F;
  /** The form's fields now; read inside an effect, so every field it reads is followed. */
  read: () => F;
  /** Fills the form (a restored draft, or the defaults after Discard). */
  write: (fields: F) => void;
  /** The values a select may take back from a kept draft (see `readFields`). */
  choices?: FieldChoices<F>;
  /** Nothing worth keeping (default: every field at its default); such a form's draft is deleted, not saved. */
  blank?: (fields: F) => boolean;
}

/** What the "Draft restored from 10:42 — Discard" note needs. */
export interface DraftStatus {
  /** When the restored draft was saved; null when the form was not restored, or after sending or discarding. */
  readonly restoredFrom: string | null;
  /** The last save failed; typing goes on and the next change tries again. */
  readonly unsaved: boolean;
  discard(): void;
}

/**
 * The draft operations of each key still under way: the next one waits for the one before, so
 * the store sees a save, a load and a delete in the order they were made (a delete after a
 * send never lands before the save that was in flight, a form reopened at once loads what its
 * closing saved).
 */
const queues = new Map<DraftKey, Promise<void>>();

function inOrder<T>(key: DraftKey, op: () => Promise<T>): Promise<T> {
  const result = (queues.get(key) ?? Promise.resolve()).then(op);
  const settled = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return result;
}

/** The forms open now. */
const live = new Set<{ readonly key: DraftKey; flush(): void; sent(): void }>();

/** Saves every pending change now and waits until the store has every draft (before signing out). */
export async function settleDrafts(): Promise<void> {
  for (const autosave of live) autosave.flush();
  await Promise.all(queues.values());
}

/** The form with this key was sent: its kept draft is deleted (see `DraftAutosave.sent`). */
export function draftSent(key: DraftKey): void {
  const open = [...live].filter((autosave) => autosave.key === key);
  if (open.length === 0) void inOrder(key, () => api.drafts.discard(key)).catch(warn(key));
  for (const autosave of open) autosave.sent();
}

const warn = (key: DraftKey) => (e: unknown) => console.warn(`draft ${key}: ${toApiError(e).message}`);

export class DraftAutosave<F extends DraftFields> implements DraftStatus {
  restoredFrom = $state<string | null>(null);
  unsaved = $state(false);
  readonly key: DraftKey;

  #form: DraftForm<F>;
  #delay: number;
  /**
   * What the store holds for this form as far as this form knows: the JSON of the kept fields,
   * null for nothing, undefined after a failure (unknown: the next change is sent whatever it is).
   */
  #kept: string | null | undefined = null;
  /** A change waiting for the debounce. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: F | null = null;
  /** Closed: later changes (the form emptied as it closes) are not the user's draft. */
  #closed = false;

  /** Call while a component initialises: the draft follows the form until the component goes. */
  constructor(key: DraftKey, form: DraftForm<F>, delayMs = AUTOSAVE_DELAY_MS) {
    this.key = key;
    this.#form = form;
    this.#delay = delayMs;
    live.add(this);
    $effect(() => {
      const fields = readFields(form.read(), form.defaults);
      untrack(() => this.#changed(fields));
    });
    $effect(() => {
      untrack(() => void this.#restore());
      // Unmounted (ticket switched, signed out, session ended): nothing typed is left behind.
      return () => this.close();
    });
  }

  #blank(fields: F): boolean {
    return this.#form.blank ? this.#form.blank(fields) : isBlank(fields, this.#form.defaults);
  }

  /** What the store should hold for `fields`: their JSON, or nothing for an empty form. */
  #target(fields: F): string | null {
    return this.#blank(fields) ? null : JSON.stringify(fields);
  }

  #changed(fields: F): void {
    if (this.#closed) return;
    this.#cancel();
    // Back to what is kept (a restore, or typing undone within the debounce): nothing to send.
    if (this.#target(fields) === this.#kept) return;
    this.#pending = fields;
    this.#timer = setTimeout(() => this.flush(), this.#delay);
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = null;
  }

  /** Sends a change still waiting for the debounce now. */
  flush(): void {
    const fields = this.#pending;
    this.#cancel();
    if (!fields || this.#closed) return;
    const target = this.#target(fields);
    this.#kept = target;
    const key = this.key;
    const op = target === null ? () => api.drafts.discard(key) : () => api.drafts.save(key, fields);
    inOrder(key, op).then(
      () => (this.unsaved = false),
      (e: unknown) => {
        // A failed save never gets in the way of typing: a quiet hint, and the next change retries.
        if (this.#kept === target) this.#kept = undefined;
        this.unsaved = true;
        warn(key)(e);
      },
    );
  }

  /** The form was sent: its draft is deleted and a save still waiting is dropped, so it cannot come back. */
  sent(): void {
    const hadDraft = this.#kept !== null || this.#pending !== null;
    this.#cancel();
    this.#kept = null;
    this.restoredFrom = null;
    this.unsaved = false;
    if (hadDraft) void inOrder(this.key, () => api.drafts.discard(this.key)).catch(warn(this.key));
  }

  /** "Discard": empties the form and deletes its draft. */
  discard(): void {
    this.sent();
    this.#form.write({ ...this.#form.defaults });
  }

  /** The form closes: a pending change is saved now, and later changes are ignored. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    live.delete(this);
  }

  /** Fills an empty form with its kept draft; what is already on screen is never replaced. */
  async #restore(): Promise<void> {
    let saved: SavedDraft | null;
    try {
      saved = await inOrder(this.key, () => api.drafts.load(this.key));
    } catch (e) {
      warn(this.key)(e);
      return;
    }
    if (!saved || this.#closed) return;
    const { defaults, choices, read, write } = this.#form;
    // Typed while the draft was loading, or kept in memory across a session end: that wins.
    if (!this.#blank(readFields(read(), defaults))) return;
    const fields = readFields(saved.body, defaults, choices);
    if (this.#blank(fields)) return;
    this.#cancel();
    this.#kept = JSON.stringify(fields);
    write(fields);
    this.restoredFrom = saved.savedAt;
  }
}
