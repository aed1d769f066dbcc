// The notification preferences grid as the panel lays it out: rows are event kinds, columns
// channels, both in the order the backend lists them (it lists them in display order).
import type { Channel } from "../../lib/bindings/Channel";
import type { NotificationKind } from "../../lib/bindings/NotificationKind";
import type { NotificationPreference } from "../../lib/bindings/NotificationPreference";
import { humanize } from "../../lib/labels";

/** What each kind the user can choose is about, from their side. */
export const PREFERENCE_KIND_LABELS: Partial<Record<NotificationKind, string>> = {
  TICKET_ASSIGNED: "Assigned to me",
  ESCALATED: "Escalated to me",
  SLA_WARNING: "SLA warning (80 % used)",
  SLA_BREACH: "SLA breach",
  COMMENT_ADDED: "Comments",
  STATUS_CHANGED: "Status changes on my requests",
  TICKET_CLOSED: "My requests closed",
};

export const CHANNEL_LABELS: Record<Channel, string> = {
  IN_APP: "In app",
  EMAIL: "Email",
  SLACK: "Slack",
  SMS: "SMS",
};

/** The kinds whose in-app alert also raises a desktop notification (SPEC §7). */
export const DESKTOP_ALERT_KINDS: readonly NotificationKind[] = ["TICKET_ASSIGNED", "ESCALATED", "SLA_WARNING", "SLA_BREACH"];

export function kindLabel(kind: NotificationKind): string {
  return PREFERENCE_KIND_LABELS[kind] ?? humanize(kind);
}

export function channelLabel(channel: Channel): string {
  return CHANNEL_LABELS[channel] ?? humanize(channel);
}

/** One cell's identity, e.g. "TICKET_ASSIGNED:EMAIL". */
export function cellKey(kind: NotificationKind, channel: Channel): string {
  return `${kind}:${channel}`;
}

/** The checkbox's accessible name, e.g. "Email for Assigned to me". */
export function cellLabel(kind: NotificationKind, channel: Channel): string {
  return `${channelLabel(channel)} for ${kindLabel(kind)}`;
}

export interface PreferenceGrid {
  kinds: NotificationKind[];
  channels: Channel[];
  /** By `cellKey`; a pair the backend did not list is absent (the panel shows no checkbox). */
  enabled: Map<string, boolean>;
}

/** Lays the backend's list out as rows and columns, each in the order it first appears. */
export function toGrid(preferences: readonly NotificationPreference[]): PreferenceGrid {
  const kinds: NotificationKind[] = [];
  const channels: Channel[] = [];
  const enabled = new Map<string, boolean>();
  for (const p of preferences) {
    if (!kinds.includes(p.kind)) kinds.push(p.kind);
    if (!channels.includes(p.channel)) channels.push(p.channel);
    enabled.set(cellKey(p.kind, p.channel), p.enabled);
  }
  return { kinds, channels, enabled };
}
