// The queue's search, filters and order as plain data, and their two outside forms:
// the `#/queue?…` hash (restored when the app or the view is reopened) and the QueueQuery
// the backend takes. Pure: no DOM, no stores, so it is unit-tested directly.
import type { Category } from "../../lib/bindings/Category";
import type { Priority } from "../../lib/bindings/Priority";
import type { QueueQuery } from "../../lib/bindings/QueueQuery";
import type { QueueSort } from "../../lib/bindings/QueueSort";
import type { Status } from "../../lib/bindings/Status";
import { CATEGORIES, PRIORITIES, STATUSES } from "../../lib/labels";

export type AssigneeFilter = "anyone" | "me" | "unassigned";

export interface QueueFilters {
  /** Search text as typed (web-search syntax); blank means no search. */
  text: string;
  statuses: Status[];
  priorities: Priority[];
  categories: Category[];
  assignee: AssigneeFilter;
  /** "" = any environment. */
  environment: string;
  /** Only tickets past their SLA. */
  slaBreached: boolean;
  sort: QueueSort;
}

export const SORTS: readonly QueueSort[] = ["NEWEST", "OLDEST", "UPDATED", "PRIORITY", "DUE", "RELEVANCE"];
const ASSIGNEES: readonly AssigneeFilter[] = ["anyone", "me", "unassigned"];
const QUEUE_PATH = "#/queue";

export function defaultFilters(): QueueFilters {
  return {
    text: "",
    statuses: [],
    priorities: [],
    categories: [],
    assignee: "anyone",
    environment: "",
    slaBreached: false,
    sort: "NEWEST",
  };
}

/** The order actually used: relevance means nothing without search text, so it falls back to newest. */
export function effectiveSort(filters: QueueFilters): QueueSort {
  return filters.sort === "RELEVANCE" && filters.text.trim() === "" ? "NEWEST" : filters.sort;
}

/** Whether anything narrows the queue (the order does not count). */
export function isFiltered(filters: QueueFilters): boolean {
  const d = defaultFilters();
  return (
    filters.text.trim() !== "" ||
    filters.statuses.length + filters.priorities.length + filters.categories.length > 0 ||
    filters.assignee !== d.assignee ||
    filters.environment !== d.environment ||
    filters.slaBreached
  );
}

/** The filters as `#/queue?q=…&status=A,B&…`; defaults are left out, so no filters is just `#/queue`. */
export function filtersToHash(filters: QueueFilters): string {
  const params: [string, string][] = [];
  const add = (key: string, value: string) => params.push([key, value]);
  if (filters.text.trim()) add("q", filters.text.trim());
  if (filters.statuses.length) add("status", filters.statuses.join(","));
  if (filters.priorities.length) add("priority", filters.priorities.join(","));
  if (filters.categories.length) add("category", filters.categories.join(","));
  if (filters.assignee !== "anyone") add("assignee", filters.assignee);
  if (filters.environment) add("env", filters.environment);
  if (filters.slaBreached) add("sla", "breached");
  const sort = effectiveSort(filters);
  if (sort !== "NEWEST") add("sort", sort);
  if (params.length === 0) return QUEUE_PATH;
  // Commas between list items stay readable; everything else is encoded (a comma in the search text too).
  const encode = (value: string) => value.split(",").map(encodeURIComponent).join(",");
  return `${QUEUE_PATH}?${params.map(([k, v]) => `${k}=${k === "q" ? encodeURIComponent(v) : encode(v)}`).join("&")}`;
}

function listOf<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  const wanted = new Set(raw.split(","));
  // In the canonical order, without duplicates or unknown values (a hand-edited hash stays harmless).
  return allowed.filter((value) => wanted.has(value));
}

function oneOf<T extends string>(raw: string | null, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(raw ?? "") ? (raw as T) : fallback;
}

/** Reads a hash written by `filtersToHash`; anything else (another view, junk) gives the defaults. */
export function filtersFromHash(hash: string): QueueFilters {
  const filters = defaultFilters();
  const [path, query = ""] = hash.split("?", 2);
  if (path !== QUEUE_PATH) return filters;
  const params = new URLSearchParams(query);
  filters.text = params.get("q") ?? "";
  filters.statuses = listOf(params.get("status"), STATUSES);
  filters.priorities = listOf(params.get("priority"), PRIORITIES);
  filters.categories = listOf(params.get("category"), CATEGORIES);
  filters.assignee = oneOf(params.get("assignee"), ASSIGNEES, "anyone");
  filters.environment = params.get("env") ?? "";
  filters.slaBreached = params.get("sla") === "breached";
  filters.sort = oneOf(params.get("sort"), SORTS, "NEWEST");
  filters.sort = effectiveSort(filters);
  return filters;
}

/**
 * The backend query for the filters (without paging). Only what narrows or orders is sent;
 * "me" needs the signed-in user's id and filters nothing without one.
 */
export function toQueueQuery(filters: QueueFilters, meId: string | null): QueueQuery {
  const query: QueueQuery = {};
  const text = filters.text.trim();
  if (text) query.text = text;
  if (filters.statuses.length) query.statuses = [...filters.statuses];
  if (filters.priorities.length) query.priorities = [...filters.priorities];
  if (filters.categories.length) query.categories = [...filters.categories];
  if (filters.assignee === "unassigned") query.unassigned = true;
  if (filters.assignee === "me" && meId) query.assigneeId = meId;
  if (filters.environment) query.environment = filters.environment;
  if (filters.slaBreached) query.slaBreached = true;
  const sort = effectiveSort(filters);
  if (sort !== "NEWEST") query.sort = sort;
  return query;
}
