// Pure helpers for the drafts kept on this computer (issue 16): which form a draft belongs
// to, reading a kept draft back into a form's fields, and the "Draft restored from…" wording.

import type { DraftKey } from "../../lib/api";

/** The keys of the forms whose text is kept as it is typed. */
export const draftKeys = {
  newTicket: "new-ticket" as DraftKey,
  /** A ticket's comment box. */
  comment: (ticketId: string): DraftKey => `comment:${ticketId}`,
  /** A ticket's resolution notes (the Resolve dialog). */
  resolve: (ticketId: string): DraftKey => `resolve:${ticketId}`,
  /** The Reason beside a ticket's actions (needed to escalate). */
  escalate: (ticketId: string): DraftKey => `escalate:${ticketId}`,
};

/** A form's fields as a draft keeps them: flat text and switches. */
export type DraftFields = Record<string, string | boolean>;

/** For fields with a fixed set of values (a select): the values a kept draft may restore. */
export type FieldChoices<F extends DraftFields> = Partial<Record<keyof F, readonly string[]>>;

/**
 * A kept draft's JSON as the form's fields, in the order of `defaults`: a field that is missing,
 * of another type or no longer one of its choices (a draft from an older version, say) gets
 * its default, so a restore never puts a value into a form that the form cannot show.
 */
export function readFields<F extends DraftFields>(body: unknown, defaults: F, choices: FieldChoices<F> = {}): F {
  const source = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const fields: Record<string, string | boolean> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const value = source[name];
    const allowed = choices[name];
    const fits = typeof value === typeof fallback && (allowed === undefined || allowed.includes(value as string));
    fields[name] = fits ? (value as string | boolean) : fallback;
  }
  return fields as F;
}

/** Every field at its default (text that is only spaces counts as empty): nothing worth keeping. */
export function isBlank<F extends DraftFields>(fields: F, defaults: F): boolean {
  return Object.entries(defaults).every(([name, fallback]) => {
    const value = fields[name];
    return typeof value === "string" && typeof fallback === "string" ? value.trim() === fallback.trim() : value === fallback;
  });
}

/**
 * When something was saved, for "Draft restored from 10:42" and "showing what was saved at
 * 10:42": hours and minutes in the user's locale, with the day in front when it was not saved
 * today ("3 Mar, 10:42"); null for a time that cannot be read.
 */
export function savedTimeLabel(savedAt: string, now: number = Date.now(), locale?: string): string | null {
  const saved = new Date(savedAt);
  if (Number.isNaN(saved.getTime())) return null;
  const today = new Date(now);
  const sameDay =
    saved.getFullYear() === today.getFullYear() && saved.getMonth() === today.getMonth() && saved.getDate() === today.getDate();
  const format = new Intl.DateTimeFormat(locale, {
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
    hour: "2-digit",
    minute: "2-digit",
  });
  return format.format(saved);
}

/** "Draft restored from 10:42" (see `savedTimeLabel`). */
export function restoredLabel(savedAt: string, now: number = Date.now(), locale?: string): string {
  const time = savedTimeLabel(savedAt, now, locale);
  return time === null ? "Draft restored" : `Draft restored from ${time}`;
}
