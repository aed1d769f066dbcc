// A small registry of elements that take the focus from elsewhere (a shortcut, a dialog closing),
// for elements whose owner is not at hand to `bind:this`: the element registers itself with
// `{@attach focusTarget("…")}` and the app asks for it by that name — never by a test id.
import type { Attachment } from "svelte/attachments";

/** The elements that can be asked for. */
export type FocusName = "queue-search";

const targets = new Map<FocusName, HTMLElement>();

/** Registers the element while it is on the page. */
export function focusTarget(name: FocusName): Attachment<HTMLElement> {
  return (element) => {
    targets.set(name, element);
    return () => {
      if (targets.get(name) === element) targets.delete(name);
    };
  };
}

/** Focuses the element registered under `name`, if it is on the page. */
export function focusOn(name: FocusName, options?: FocusOptions): void {
  targets.get(name)?.focus(options);
}
