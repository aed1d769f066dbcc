import type { ApiError } from "../../lib/api";
import { formatDateTime } from "../../lib/time.svelte";

const pad = (n: number) => String(n).padStart(2, "0");

/** When a lock ends: "HH:MM" (local, 24-hour) within the next day, the full date and time beyond. */
export function lockEnd(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  if (t - now > 24 * 60 * 60 * 1000) return formatDateTime(iso);
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Whether an account's lock is still in force (the list only says when it ends). */
export function isLocked(lockedUntil: string | null, now: number): lockedUntil is string {
  return lockedUntil !== null && Date.parse(lockedUntil) > now;
}

/** A failed admin action as text for the screen; null when the app already handles it (session ended). */
export function actionMessage(error: ApiError): string | null {
  if (error.code === "unauthenticated") return null;
  return error.code === "offline" ? `Database unavailable: ${error.message}` : error.message;
}
