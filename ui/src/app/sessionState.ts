// The session's transitions as pure functions: who is signed in, which screen covers the app,
// and what must be forgotten on the way. `session.svelte.ts` keeps the state and talks to the
// backend; these decide.
import type { Role } from "../lib/bindings/Role";
import type { UserSummary } from "../lib/bindings/UserSummary";
import { seesEscalations } from "../features/escalations/escalations";

export type Phase = "connecting" | "sign-in" | "app";

/**
 * What the workspace shows once signed in; "admin" only for admins, "sla" for managers and
 * admins, "escalations" for team leads, managers and admins.
 */
export type View = "queue" | "admin" | "sla" | "escalations";

export const SESSION_ENDED = "Your session has ended; sign in again.";

export interface SessionState {
  phase: Phase;
  me: UserSummary | null;
  /** Why the sign-in screen is shown, when it is not the first sign-in. */
  signInNote: string | null;
  /** Who was signed in when the session ended: their view and draft come back if they sign in again. */
  previousUserId: string | null;
}

export const INITIAL_SESSION: SessionState = { phase: "connecting", me: null, signInNote: null, previousUserId: null };

/** A transition: the next state, and what the app must forget on the way. */
export interface Step {
  state: SessionState;
  /** Forget the screen (view, open ticket, selection, create-form draft). */
  forgetView: boolean;
  /** Drop what was loaded for the user (lists, panels, toasts, errors). */
  dropData: boolean;
}

/** `user` is signed in (at start-up or from the sign-in screen). */
export function signedIn(state: SessionState, user: UserSummary): Step {
  return {
    // Someone else signing in after a session ended must not see the previous user's view or draft.
    forgetView: state.previousUserId !== user.id,
    dropData: false,
    state: { phase: "app", me: user, signInNote: null, previousUserId: user.id },
  };
}

/** Start-up found no session: the sign-in form, nothing to forget. */
export function noSession(state: SessionState): SessionState {
  return { ...state, phase: "sign-in" };
}

/**
 * A command said the session is over: the sign-in screen covers everything and says why; the
 * view and draft stay for the same user. Null when no one was signed in (nothing changes).
 */
export function sessionEnded(state: SessionState): Step | null {
  if (state.phase !== "app") return null;
  return {
    forgetView: false,
    dropData: true,
    state: { phase: "sign-in", me: null, signInNote: SESSION_ENDED, previousUserId: state.previousUserId },
  };
}

/** The user signed out: everything goes, and the next user starts afresh. */
export function signedOut(): Step {
  return { forgetView: true, dropData: true, state: { phase: "sign-in", me: null, signInNote: null, previousUserId: null } };
}

/** Whether `role` may see `view` (the server refuses everyone else anyway). */
export function mayView(role: Role | undefined, view: View): boolean {
  switch (view) {
    case "queue":
      return role !== undefined;
    case "admin":
      return role === "ADMIN";
    case "sla":
      return role === "ADMIN" || role === "MANAGER";
    case "escalations":
      return seesEscalations(role);
  }
}

/** The view to show `role`: the one asked for when allowed (a role may have changed while signed out), else the queue. */
export function viewFor(role: Role, view: View): View {
  return mayView(role, view) ? view : "queue";
}

/**
 * "Sign out and forget offline data" while `unsent` items wait in the outbox: the first click
 * says how many (`confirming` becomes that count), a second click with the same count signs out.
 */
export function forgetClick(confirming: number, unsent: number): { confirming: number; signOut: boolean } {
  if (unsent > 0 && confirming !== unsent) return { confirming: unsent, signOut: false };
  return { confirming: 0, signOut: true };
}
