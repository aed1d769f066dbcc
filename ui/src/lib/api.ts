// The one typed boundary between the UI and the Rust backend.
// Every command call and every event subscription goes through this file.
import { Channel, invoke, type InvokeOptions } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { About } from "./bindings/About";
import type { AccountChange } from "./bindings/AccountChange";
import type { AccountView } from "./bindings/AccountView";
import type { AppError } from "./bindings/AppError";
import type { Assignment } from "./bindings/Assignment";
import type { CommentEdit } from "./bindings/CommentEdit";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Escalation } from "./bindings/Escalation";
import type { MfaEnrolment } from "./bindings/MfaEnrolment";
import type { NewAccount } from "./bindings/NewAccount";
import type { NewAttachment } from "./bindings/NewAttachment";
import type { NewComment } from "./bindings/NewComment";
import type { NewTicket } from "./bindings/NewTicket";
import type { NotificationEvent } from "./bindings/NotificationEvent";
import type { NotificationPage } from "./bindings/NotificationPage";
import type { NotificationPreference } from "./bindings/NotificationPreference";
import type { NotificationQuery } from "./bindings/NotificationQuery";
import type { OutboxEntry } from "./bindings/OutboxEntry";
import type { PriorityChange } from "./bindings/PriorityChange";
import type { QueuePage } from "./bindings/QueuePage";
import type { QueueQuery } from "./bindings/QueueQuery";
import type { SavedDraft } from "./bindings/SavedDraft";
import type { JsonValue } from "./bindings/serde_json/JsonValue";
import type { StatusChange } from "./bindings/StatusChange";
import type { Submitted } from "./bindings/Submitted";
import type { HolidayCalendar } from "./bindings/HolidayCalendar";
import type { SlaPolicy } from "./bindings/SlaPolicy";
import type { SlaExplanation } from "./bindings/SlaExplanation";
import type { TicketDetail } from "./bindings/TicketDetail";
import type { TokenStore } from "./bindings/TokenStore";
import type { TicketSummary } from "./bindings/TicketSummary";
import type { UserSummary } from "./bindings/UserSummary";
import type { Work } from "./bindings/Work";

/** Which form a kept draft belongs to (and which ticket); the backend refuses any other key. */
export type DraftKey = "new-ticket" | `comment:${string}` | `resolve:${string}` | `escalate:${string}`;

/** Command name → argument object and resolved value, exactly as the backend declares them. */
interface Commands {
  current_user: { args: Record<string, never>; result: UserSummary | null };
  sign_in: { args: { login: string; password: string; mfaCode: string | null }; result: UserSummary };
  /** `forgetOfflineData` also deletes this account's drafts from this computer. */
  sign_out: { args: { forgetOfflineData?: boolean }; result: null };
  list_users: { args: Record<string, never>; result: UserSummary[] };
  list_queue: { args: { query: QueueQuery }; result: QueuePage };
  get_ticket: { args: { ticketId: string }; result: TicketDetail };
  get_ticket_sla: { args: { ticketId: string }; result: SlaExplanation | null };
  /** The ticket a `ticketdesk://` link asked for (its id), null when no link waits. */
  take_ticket_link: { args: Record<string, never>; result: string | null };
  about: { args: Record<string, never>; result: About };
  start_at_login: { args: Record<string, never>; result: boolean };
  set_start_at_login: { args: { on: boolean }; result: boolean };
  sign_in_kept_in: { args: Record<string, never>; result: TokenStore };
  remember_open_ticket: { args: { ticketId: string | null }; result: null };
  last_open_ticket: { args: Record<string, never>; result: string | null };
  list_sla_policies: { args: Record<string, never>; result: SlaPolicy[] };
  save_sla_policy: { args: { policy: SlaPolicy }; result: SlaPolicy[] };
  list_sla_calendars: { args: Record<string, never>; result: HolidayCalendar[] };
  save_sla_calendar: { args: { calendar: HolidayCalendar }; result: HolidayCalendar[] };
  /** The five writes below may land in the offline outbox instead (`queued`). */
  create_ticket: { args: { input: NewTicket }; result: Submitted<TicketSummary> };
  change_status: { args: { change: StatusChange }; result: Submitted<TicketDetail> };
  assign_ticket: { args: { change: Assignment }; result: Submitted<TicketDetail> };
  change_priority: { args: { change: PriorityChange }; result: Submitted<TicketDetail> };
  add_comment: { args: { input: NewComment }; result: Submitted<TicketDetail> };
  edit_comment: { args: { edit: CommentEdit }; result: TicketDetail };
  delete_comment: { args: { commentId: string }; result: TicketDetail };
  /** Raw bytes, not JSON: where the part belongs travels in headers (see `UploadPart`). */
  upload_chunk: { args: Uint8Array; result: null };
  attach_upload: { args: { input: NewAttachment }; result: TicketDetail };
  /** Resolves to the path the file was saved to; `onProgress` receives the bytes received so far. */
  download_attachment: { args: { attachmentId: string; onProgress: Channel<number> }; result: string };
  reset_password: { args: { code: string; newPassword: string }; result: null };
  mfa_status: { args: Record<string, never>; result: boolean };
  mfa_begin_enrol: { args: Record<string, never>; result: MfaEnrolment };
  mfa_confirm: { args: { code: string }; result: null };
  mfa_disable: { args: { code: string }; result: null };
  admin_list_users: { args: Record<string, never>; result: AccountView[] };
  admin_create_user: { args: { input: NewAccount }; result: AccountView };
  admin_update_user: { args: { userId: string; change: AccountChange }; result: null };
  admin_unlock: { args: { userId: string }; result: null };
  admin_issue_reset: { args: { userId: string }; result: string };
  list_notifications: { args: { query: NotificationQuery }; result: NotificationPage };
  /** Resolves to the unread count after the change. */
  mark_notification_read: { args: { notificationId: string }; result: number };
  /** Resolves to the unread count after the change (0). */
  mark_all_notifications_read: { args: Record<string, never>; result: number };
  /** The whole grid: every kind on every channel, defaults filled in, in display order. */
  list_notification_preferences: { args: Record<string, never>; result: NotificationPreference[] };
  /** Resolves to the whole grid after the change. */
  set_notification_preference: { args: { preference: NotificationPreference }; result: NotificationPreference[] };
  list_escalations: { args: Record<string, never>; result: Escalation[] };
  /** Resolves to the open escalations after the change. */
  acknowledge_escalation: { args: { escalationId: string }; result: Escalation[] };
  /** Resolves to the open escalations after the change. */
  resolve_escalation: { args: { escalationId: string; notes: string }; result: Escalation[] };
  /** Resolves to when it was saved (ISO time). */
  save_draft: { args: { key: DraftKey; body: JsonValue }; result: string };
  load_draft: { args: { key: DraftKey }; result: SavedDraft | null };
  discard_draft: { args: { key: DraftKey }; result: null };
  /** The offline outbox, oldest first; the two actions resolve to the whole list after them. */
  list_outbox: { args: Record<string, never>; result: OutboxEntry[] };
  retry_outbox_item: { args: { id: string; work?: Work | null; onTop?: boolean | null }; result: OutboxEntry[] };
  discard_outbox_item: { args: { id: string }; result: OutboxEntry[] };
}

const ERROR_CODES: readonly ErrorCode[] = [
  "validation",
  "not_found",
  "conflict",
  "forbidden",
  "unauthenticated",
  "offline",
  "internal",
];

/** A rejected command, always with a known `code` so callers branch on it, never on message text. */
export class ApiError extends Error implements AppError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

function isAppError(value: unknown): value is AppError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === "string" &&
    (ERROR_CODES as readonly string[]).includes(v.code) &&
    typeof v.message === "string"
  );
}

/** Turns anything a command may reject with into an ApiError (unknown shapes become `internal`). */
export function toApiError(reason: unknown): ApiError {
  if (reason instanceof ApiError) return reason;
  if (isAppError(reason)) return new ApiError(reason.code, reason.message);
  if (typeof reason === "string" && reason.length > 0) return new ApiError("internal", reason);
  if (reason instanceof Error && reason.message) return new ApiError("internal", reason.message);
  return new ApiError("internal", "Unexpected error from the backend");
}

/**
 * Commands whose `unauthenticated` rejection does not mean "the session ended":
 * `sign_in` uses it for a wrong password, `sign_out` for "already signed out";
 * `reset_password` needs no session at all.
 */
const NOT_A_SESSION_END: ReadonlySet<keyof Commands> = new Set(["sign_in", "sign_out", "reset_password"]);

let sessionEndedHandler: (() => void) | null = null;

/** Called (before the caller sees the rejection) whenever a command says the session has ended. */
export function onSessionEnded(handler: (() => void) | null): void {
  sessionEndedHandler = handler;
}

/** Where one part of an upload belongs; sent as the `upload_chunk` headers. */
export interface UploadPart {
  /** One per file, made by the client. */
  uploadId: string;
  /** 0, 1, … in the order the parts are sent. */
  seq: number;
  /** The whole file's size, so the backend can refuse an oversized file at part 0. */
  totalSize: number;
}

async function call<C extends keyof Commands>(
  command: C,
  args: Commands[C]["args"],
  options?: InvokeOptions,
): Promise<Commands[C]["result"]> {
  try {
    return await invoke<Commands[C]["result"]>(command, args, options);
  } catch (reason) {
    const error = toApiError(reason);
    if (error.code === "unauthenticated" && !NOT_A_SESSION_END.has(command)) sessionEndedHandler?.();
    throw error;
  }
}

export const api = {
  /** The signed-in user, after a silent sign-in with a stored refresh token if needed; null = show sign-in. */
  currentUser: () => call("current_user", {}),
  /** The password (and the two-factor code, null when none was typed) go into this one call and nowhere else. */
  signIn: (login: string, password: string, mfaCode: string | null) => call("sign_in", { login, password, mfaCode }),
  /** `forgetOfflineData` also deletes this account's drafts from this computer; plain sign-out keeps them. */
  signOut: (forgetOfflineData = false) => call("sign_out", forgetOfflineData ? { forgetOfflineData } : {}),
  listUsers: () => call("list_users", {}),
  /** While the server is away a first page may be this desktop's saved copy (`cachedAt` set). */
  listQueue: (query: QueueQuery) => call("list_queue", { query }),
  /** While the server is away this may be this desktop's saved copy (`cachedAt` set). */
  getTicket: (ticketId: string) => call("get_ticket", { ticketId }),
  /** Both deadlines with the steps that set them ("Why this deadline?"); null without an SLA policy. */
  getTicketSla: (ticketId: string) => call("get_ticket_sla", { ticketId }),
  /** The ticket a `ticketdesk://ticket/TKT-…` link asked for, once; null when no link waits. A link to a
   * ticket the user may not see rejects with `not_found`. */
  takeTicketLink: () => call("take_ticket_link", {}),
  /** This build's version and the server's schema and PostgreSQL versions (null while unreachable). */
  about: () => call("about", {}),
  /** Whether ticketdesk starts in the tray at login; setting it resolves to what is now the case. */
  startAtLogin: () => call("start_at_login", {}),
  setStartAtLogin: (on: boolean) => call("set_start_at_login", { on }),
  /** Where this computer keeps the sign-in: the OS keyring, or the settings file when no keyring answers. */
  signInKeptIn: () => call("sign_in_kept_in", {}),
  /** The ticket open now (null: none), kept per user for the next start. */
  rememberOpenTicket: (ticketId: string | null) => call("remember_open_ticket", { ticketId }),
  /** What the signed-in user had open when the app last ran. */
  lastOpenTicket: () => call("last_open_ticket", {}),
  /** This and the four writes after it resolve to `{ sent }`, or to `{ queued }` when the work went to
   * the outbox (server away, or earlier work on the ticket still waiting); their client ids are
   * optional, the backend fills them in. */
  createTicket: (input: NewTicket) => call("create_ticket", { input }),
  /** The ticket changes below name the version they were based on; a stale one rejects with `conflict`. */
  changeStatus: (change: StatusChange) => call("change_status", { change }),
  /** `assigneeId` null unassigns; the caller's own id takes the ticket. */
  assignTicket: (change: Assignment) => call("assign_ticket", { change }),
  changePriority: (change: PriorityChange) => call("change_priority", { change }),
  addComment: (input: NewComment) => call("add_comment", { input }),
  /** `editCount` is the count the user saw; a changed comment rejects with `conflict`. */
  editComment: (edit: CommentEdit) => call("edit_comment", { edit }),
  deleteComment: (commentId: string) => call("delete_comment", { commentId }),
  /** One part (at most 1 MiB) of a staged upload; `attachUpload` turns the parts into an attachment. */
  uploadChunk: (bytes: Uint8Array, part: UploadPart) =>
    call("upload_chunk", bytes, {
      headers: { "x-upload-id": part.uploadId, "x-seq": String(part.seq), "x-total-size": String(part.totalSize) },
    }),
  attachUpload: (input: NewAttachment) => call("attach_upload", { input }),
  /** Saves into the user's Downloads folder and resolves to the path; `onProgress` gets bytes received so far. */
  downloadAttachment: (attachmentId: string, onProgress: (bytes: number) => void) => {
    const channel = new Channel<number>();
    channel.onmessage = onProgress;
    return call("download_attachment", { attachmentId, onProgress: channel });
  },
  /** Sets a new password with a code an admin handed out; works without a session. */
  resetPassword: (code: string, newPassword: string) => call("reset_password", { code, newPassword }),
  /** Two-factor (TOTP) for the signed-in user. */
  mfa: {
    /** Whether two-factor is on. */
    status: () => call("mfa_status", {}),
    /** A new secret, shown once: never store it; it only takes effect after `confirm`. */
    beginEnrol: () => call("mfa_begin_enrol", {}),
    confirm: (code: string) => call("mfa_confirm", { code }),
    disable: (code: string) => call("mfa_disable", { code }),
  },
  /** SLA policies and holiday calendars: anyone signed in reads; managers and admins save
   * (the server refuses others with `forbidden`, bad fields with `validation`, and a stale
   * `updated_at` with `conflict`). A save answers with the whole list. */
  sla: {
    listPolicies: () => call("list_sla_policies", {}),
    savePolicy: (policy: SlaPolicy) => call("save_sla_policy", { policy }),
    listCalendars: () => call("list_sla_calendars", {}),
    saveCalendar: (calendar: HolidayCalendar) => call("save_sla_calendar", { calendar }),
  },
  admin: {
    listUsers: () => call("admin_list_users", {}),
    createUser: (input: NewAccount) => call("admin_create_user", { input }),
    /** Role, department and active flag are always sent together. */
    updateUser: (userId: string, change: AccountChange) => call("admin_update_user", { userId, change }),
    unlock: (userId: string) => call("admin_unlock", { userId }),
    /** A one-hour, single-use reset code: show it once, never store it. */
    issueReset: (userId: string) => call("admin_issue_reset", { userId }),
  },
  /** The escalation ladder (issue 15): team leads, managers and admins list the open escalations
   * they may act on, oldest first (others get `forbidden`). Acting on one that is not theirs or
   * no longer open rejects with `not_found`; resolving needs notes (`validation`). Each action
   * answers with the list as it now is. */
  escalations: {
    list: () => call("list_escalations", {}),
    /** Stops its rise to the next level. */
    acknowledge: (escalationId: string) => call("acknowledge_escalation", { escalationId }),
    resolve: (escalationId: string, notes: string) => call("resolve_escalation", { escalationId, notes }),
  },
  /** What is typed into a form, kept on this computer per account (issue 16): it survives closing
   * the form, a restart and a crash, and works while the server is unreachable. Needs a session.
   * `body` is the form's fields as JSON (at most 256 KB); an unknown key rejects with `validation`. */
  drafts: {
    save: (key: DraftKey, body: JsonValue) => call("save_draft", { key, body }),
    /** null when nothing is kept for that form. */
    load: (key: DraftKey) => call("load_draft", { key }),
    /** The draft was sent, or the user threw it away. */
    discard: (key: DraftKey) => call("discard_draft", { key }),
  },
  /** Work kept on this computer until the server takes it (issue 16). */
  outbox: {
    list: () => call("list_outbox", {}),
    /** Sends an item again: as it is, as `work` edited (same kind and id), or with `onTop` based on
     * the ticket as it is now (status, priority and assign changes only; needs the server). */
    retry: (id: string, how: { work?: Work; onTop?: true } = {}) => call("retry_outbox_item", { id, ...how }),
    /** Deletes it from this computer unsent. */
    discard: (id: string) => call("discard_outbox_item", { id }),
  },
  /** The signed-in user's in-app notification centre. */
  notifications: {
    /** Newest first; `unread` is the total for the badge. Page on with `before: nextCursor` and the same `unreadOnly`. */
    list: (query: NotificationQuery) => call("list_notifications", { query }),
    /** Marking one that is already read is harmless; resolves to the unread count after. */
    markRead: (notificationId: string) => call("mark_notification_read", { notificationId }),
    markAllRead: () => call("mark_all_notifications_read", {}),
    /** Which events reach the signed-in user on which channels. */
    preferences: {
      list: () => call("list_notification_preferences", {}),
      /** Stores one cell; resolves to the whole grid as it now is. */
      set: (preference: NotificationPreference) => call("set_notification_preference", { preference }),
    },
  },
};

/** Backend events. Each returns a function that stops listening. */
export function onNotification(handler: (event: NotificationEvent) => void): Promise<UnlistenFn> {
  return listen<NotificationEvent>("notification", (e) => handler(e.payload));
}

/** A ticket changed somewhere (any desktop); the payload is its id. */
export function onTicketsChanged(handler: (ticketId: string | null) => void): Promise<UnlistenFn> {
  return listen<string | null>("tickets-changed", (e) => handler(e.payload ?? null));
}

/**
 * The live connection to the database server went up (true) or was lost (false). Sent on every
 * (re)connect and every loss; the backend retries by itself, so the UI only has to say so.
 */
export function onConnection(handler: (online: boolean) => void): Promise<UnlistenFn> {
  return listen<boolean>("connection", (e) => handler(e.payload === true));
}

/** The outbox changed (queued, sent, discarded, or an item needs the user); the payload is the whole list. */
export function onOutbox(handler: (entries: OutboxEntry[]) => void): Promise<UnlistenFn> {
  return listen<OutboxEntry[]>("outbox", (e) => handler(Array.isArray(e.payload) ? e.payload : []));
}

/** A `ticketdesk://` link is waiting (take it with `api.takeTicketLink`); the window is already shown. */
export function onLinkOpened(handler: () => void): Promise<UnlistenFn> {
  return listen<null>("link-opened", () => handler());
}

/** Open this ticket (a click on a native notification or a tray menu item); the window is already shown. */
export function onOpenTicket(handler: (ticketId: string) => void): Promise<UnlistenFn> {
  return listen<string>("open-ticket", (e) => {
    if (typeof e.payload === "string" && e.payload.length > 0) handler(e.payload);
  });
}
