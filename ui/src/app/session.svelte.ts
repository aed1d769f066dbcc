// The session lifecycle: connect, enter the app, sign out, the session ending. The transitions are
// decided in `sessionState.ts`; this keeps them as reactive state and talks to the backend. What
// the rest of the app must do on the way (forget the view, drop loaded data, load the new user's)
// it asks through the hooks App.svelte passes in.
import { settleDrafts } from "../features/drafts/autosave.svelte";
import { api, toApiError } from "../lib/api";
import type { UserSummary } from "../lib/bindings/UserSummary";
import { clearError, showError } from "../lib/errors.svelte";
import {
  forgetClick,
  INITIAL_SESSION,
  noSession,
  sessionEnded,
  signedIn,
  signedOut,
  type Phase,
  type SessionState,
  type Step,
} from "./sessionState";

export interface SessionHooks {
  /** Forget the screen the previous user left (view, open ticket, selection, draft). */
  forgetView(): void;
  /** Drop what was loaded for the user who is no longer signed in. */
  dropData(): void;
  /** `user` is in: show and load what they see. */
  entered(user: UserSummary): void;
  /** How many items wait in the outbox (lost when forgetting offline data). */
  unsent(): number;
}

export class Session {
  phase = $state<Phase>(INITIAL_SESSION.phase);
  me = $state<UserSummary | null>(INITIAL_SESSION.me);
  /** Why the sign-in screen is shown, when it is not the first sign-in. */
  signInNote = $state<string | null>(INITIAL_SESSION.signInNote);
  /** Everyone, for names and "assign to"; null until loaded (or when it could not be). */
  users = $state<UserSummary[] | null>(null);
  /** A sign-in check is under way. */
  connecting = $state(true);
  /** The first sign-in check has answered: until then the "Connecting…" screen says it all. */
  firstAttemptDone = $state(false);
  signingOut = $state(false);
  /** "Forget offline data" asked to confirm losing this many unsent items (0: not asked). */
  unsentToForget = $state(0);
  #previousUserId: string | null = INITIAL_SESSION.previousUserId;
  readonly #hooks: SessionHooks;

  constructor(hooks: SessionHooks) {
    this.#hooks = hooks;
  }

  get inApp(): boolean {
    return this.phase === "app";
  }

  #state(): SessionState {
    return { phase: this.phase, me: this.me, signInNote: this.signInNote, previousUserId: this.#previousUserId };
  }

  #set(state: SessionState) {
    this.#previousUserId = state.previousUserId;
    this.me = state.me;
    this.signInNote = state.signInNote;
    this.phase = state.phase;
  }

  #step(step: Step) {
    if (step.dropData) {
      this.users = null;
      this.#hooks.dropData();
    }
    if (step.forgetView) this.#hooks.forgetView();
    this.#set(step.state);
  }

  /** Asks the backend whether a session is still open; shows the app or the sign-in form. */
  async connect() {
    this.connecting = true;
    try {
      const user = await api.currentUser();
      clearError();
      if (user) this.enter(user);
      else this.#set(noSession(this.#state()));
    } catch (e) {
      const error = toApiError(e);
      if (error.code === "unauthenticated") {
        clearError();
        this.#set(noSession(this.#state()));
      } else {
        showError(error, () => void this.connect());
      }
    } finally {
      this.connecting = false;
      this.firstAttemptDone = true;
    }
  }

  enter(user: UserSummary) {
    this.#step(signedIn(this.#state(), user));
    clearError();
    this.#hooks.entered(user);
    if (!this.users) void this.loadUsers();
  }

  /** Any command said the session is over: cover everything with the sign-in screen, keep the draft. */
  ended() {
    const step = sessionEnded(this.#state());
    if (step) this.#step(step);
  }

  async loadUsers() {
    try {
      this.users = await api.listUsers();
    } catch {
      // The create form still works with "Unassigned".
    }
  }

  /**
   * Work in the outbox is lost with the offline data: while some waits, the first click says how
   * much and the second signs out (any other sign-out or a new outbox count starts over).
   */
  forgetOfflineData() {
    const click = forgetClick(this.unsentToForget, this.#hooks.unsent());
    this.unsentToForget = click.confirming;
    if (click.signOut) void this.signOut(true);
  }

  /** Plain sign-out keeps this account's drafts on this computer; `forgetOfflineData` deletes them. */
  async signOut(forgetOfflineData = false) {
    if (this.signingOut) return;
    this.signingOut = true;
    try {
      // What was typed in the last moments reaches the store while the session still allows it
      // (and is deleted with the rest when forgetting).
      await settleDrafts();
      await api.signOut(forgetOfflineData);
    } catch (e) {
      const error = toApiError(e);
      // "unauthenticated" here just means there was no session left to end.
      if (error.code !== "unauthenticated") {
        showError(error);
        return;
      }
    } finally {
      this.signingOut = false;
    }
    this.#step(signedOut());
  }
}
