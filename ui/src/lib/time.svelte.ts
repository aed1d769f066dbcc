/** A coarse shared clock so every "age" cell re-renders together, twice a minute. */
export const clock = $state({ now: Date.now() });

let timer: ReturnType<typeof setInterval> | undefined;
export function startClock(): () => void {
  clock.now = Date.now();
  timer ??= setInterval(() => (clock.now = Date.now()), 30_000);
  return () => {
    clearInterval(timer);
    timer = undefined;
  };
}

/** Compact age of an RFC 3339 timestamp: "now", "5m", "3h", "2d", "1y". */
export function timeAgo(iso: string, now: number = clock.now): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return "now";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 365) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** Full local date and time; a bare "YYYY-MM-DD" is shown as a date only. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, mo, d] = iso.split("-").map(Number);
    return dateFmt.format(new Date(y, mo - 1, d));
  }
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTimeFmt.format(t);
}
