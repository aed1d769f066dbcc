import type { Category } from "../../lib/bindings/Category";
import type { Priority } from "../../lib/bindings/Priority";

/**
 * What the create form holds while someone types. It lives outside the form so that a
 * session ending mid-typing (the form disappears behind the sign-in screen) loses nothing.
 */
export class TicketDraft {
  title = $state("");
  description = $state("");
  priority = $state<Priority>("P3_MEDIUM");
  category = $state<Category>("OTHER");
  /** "" = none */
  environment = $state("");
  /** "" = unassigned */
  assigneeId = $state("");

  reset(): void {
    this.title = "";
    this.description = "";
    this.priority = "P3_MEDIUM";
    this.category = "OTHER";
    this.environment = "";
    this.assigneeId = "";
  }
}
