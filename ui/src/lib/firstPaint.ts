// "The window is ready": the moment the first screen a user works with has been painted.
import { emit } from "@tauri-apps/api/event";

/** The first screen: the signed-in queue, or the sign-in form when no session could be resumed. */
export type FirstView = "queue" | "sign-in";

let reported = false;

/**
 * Tells the backend, once per page load, that `view` has been painted (see
 * src-tauri/first_paint.rs; scripts/footprint.sh times it). Call it once the DOM holds the view
 * (from an `$effect`): the next animation frame paints it, and the task queued from that frame's
 * callback runs after the paint.
 */
export function reportFirstPaint(view: FirstView): void {
  if (reported) return;
  reported = true;
  requestAnimationFrame(() =>
    setTimeout(() => {
      emit("first-paint", { view, ms: performance.now() }).catch(() => {
        // Only a measurement listens: nothing to tell the user.
      });
    }, 0),
  );
}
