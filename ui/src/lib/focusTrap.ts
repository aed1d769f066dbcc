// Keeps the keyboard inside a modal dialog while it is open, and gives the focus back to what
// opened it when it closes. Used as `{@attach trapFocus()}` on the element with role="dialog".
import type { Attachment } from "svelte/attachments";

const CANDIDATES =
  'a[href], area[href], button, input:not([type="hidden"]), select, textarea, iframe, summary, [contenteditable="true"], [tabindex]';

function shown(element: HTMLElement): boolean {
  if (typeof element.checkVisibility === "function") return element.checkVisibility({ visibilityProperty: true });
  return element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
}

/** The elements inside `root` that Tab stops at, in document order. */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(CANDIDATES)].filter(
    (el) => el.tabIndex >= 0 && !el.matches(":disabled") && !el.closest("[inert]") && shown(el),
  );
}

/** The open traps, innermost (last opened) last: only that one acts on Tab. */
const open: HTMLElement[] = [];

/**
 * Tab from the dialog's last stop goes to its first, Shift+Tab from its first (or from the dialog
 * itself) to its last, and a Tab while the focus is outside brings it back in. When the dialog
 * goes, the element that had the focus as it opened gets it back — unless that element is gone
 * too, or something else has already taken the focus on purpose.
 */
export function trapFocus(): Attachment<HTMLElement> {
  return (root) => {
    const active = document.activeElement;
    const opener = active instanceof HTMLElement && active !== document.body && !root.contains(active) ? active : null;
    open.push(root);

    function onKeydown(event: KeyboardEvent) {
      if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      if (open[open.length - 1] !== root) return;
      const stops = tabStops(root);
      const focused = document.activeElement;
      const inside = focused instanceof Node && root.contains(focused);
      if (stops.length === 0) {
        event.preventDefault();
        root.focus();
        return;
      }
      const first = stops[0];
      const last = stops[stops.length - 1];
      if (event.shiftKey && (!inside || focused === first || focused === root)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (!inside || focused === last)) {
        event.preventDefault();
        first.focus();
      }
    }

    document.addEventListener("keydown", onKeydown);
    return () => {
      document.removeEventListener("keydown", onKeydown);
      const at = open.lastIndexOf(root);
      if (at !== -1) open.splice(at, 1);
      // By now the dialog's elements may have left the page, which leaves the focus on <body>.
      const now = document.activeElement;
      const dropped = now === null || now === document.body || root.contains(now);
      if (dropped && opener?.isConnected) opener.focus({ preventScroll: true });
    };
  };
}
