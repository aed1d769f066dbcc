// The SLA policies screen's pure parts: how a policy's terms read, and an empty policy or
// calendar to start from. The rules themselves are the server's (api.save_sla_policy).
import type { HolidayCalendar } from "../../lib/bindings/HolidayCalendar";
import type { SlaPolicy } from "../../lib/bindings/SlaPolicy";

/** 125 → "2 h 05 min", 480 → "8 h", 30 → "30 min". */
export function minutesText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, "0")} min`;
}

/** "Mon–Fri 09:00–17:00 Europe/Berlin", or "Around the clock". */
export function hoursText(p: Pick<SlaPolicy, "business_hours_only" | "include_weekends" | "business_start_hour" | "business_end_hour" | "time_zone">): string {
  if (!p.business_hours_only) return "Around the clock";
  const hour = (h: number) => `${String(h).padStart(2, "0")}:00`;
  return `${p.include_weekends ? "Mon–Sun" : "Mon–Fri"} ${hour(p.business_start_hour)}–${hour(p.business_end_hour)} ${p.time_zone}`;
}

/** "2025-01-01 – open end", "2026-01-01 – 2026-06-30". */
export function effectiveText(p: Pick<SlaPolicy, "effective_from" | "effective_until">): string {
  return `${p.effective_from} – ${p.effective_until ?? "open end"}`;
}

/** The local calendar day as "YYYY-MM-DD" (a new policy starts today where the user is). */
export function localDay(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function newPolicy(today: string): SlaPolicy {
  return {
    id: null,
    name: "",
    description: null,
    priority: "P3_MEDIUM",
    category: null,
    response_time_minutes: 120,
    resolution_time_minutes: 1440,
    business_hours_only: true,
    business_start_hour: 9,
    business_end_hour: 17,
    include_weekends: false,
    time_zone: "UTC",
    calendar_id: null,
    calendar_name: null,
    is_active: true,
    effective_from: today,
    effective_until: null,
    updated_at: null,
  };
}

export function newCalendar(): HolidayCalendar {
  return { id: null, name: "", description: null, holidays: [], updated_at: null };
}

/** The calendar's days in order, a new one added (or its label replaced), none twice. */
export function withHoliday(calendar: HolidayCalendar, day: string, label: string): HolidayCalendar {
  const others = calendar.holidays.filter((h) => h.day !== day);
  const holidays = [...others, { day, label: label.trim() === "" ? null : label.trim() }].sort((a, b) => a.day.localeCompare(b.day));
  return { ...calendar, holidays };
}
