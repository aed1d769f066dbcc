import type { Category } from "../../lib/bindings/Category";
import type { Priority } from "../../lib/bindings/Priority";

/** The create form's fields, as a kept draft holds them. */
export type TicketFields = {
  title: string;
  description: string;
  priority: Priority;
  category: Category;
  /** "" = none */
  environment: string;
  /** "" = unassigned */
  assigneeId: string;
};

/** The fields of an empty create form. */
export const EMPTY_TICKET: Readonly<TicketFields> = {
  title: "",
  description: "",
  priority: "P3_MEDIUM",
  category: "OTHER",
  environment: "",
  assigneeId: "",
};

/**
 * What the create form holds while someone types. It lives outside the form so that a
 * session ending mid-typing (the form disappears behind the sign-in screen) loses nothing.
 */
export class TicketDraft {
  title = $state(EMPTY_TICKET.title);
  description = $state(EMPTY_TICKET.description);
  priority = $state<Priority>(EMPTY_TICKET.priority);
  category = $state<Category>(EMPTY_TICKET.category);
  environment = $state(EMPTY_TICKET.environment);
  assigneeId = $state(EMPTY_TICKET.assigneeId);

  fields(): TicketFields {
    const { title, description, priority, category, environment, assigneeId } = this;
    return { title, description, priority, category, environment, assigneeId };
  }

  set(fields: TicketFields): void {
    this.title = fields.title;
    this.description = fields.description;
    this.priority = fields.priority;
    this.category = fields.category;
    this.environment = fields.environment;
    this.assigneeId = fields.assigneeId;
  }

  reset(): void {
    this.set(EMPTY_TICKET);
  }
}
