// The escalation ladder in the ticket's timeline (issue 15): each step the server records reads
// as a sentence, not as stored JSON.
import assert from "node:assert/strict";
import { test } from "node:test";
import { importTs } from "./helpers/ts.mjs";

test("pure: a ladder step in the timeline names the level, the type and who holds it", async () => {
  const timeline = await importTs("src/features/ticket/timeline.ts");
  const step = (newValue) =>
    timeline.describeHistory({ id: "h", action: "FIELD_UPDATED", fieldChanged: "escalation_level", oldValue: "1", newValue, reason: null, at: "2026-12-07T10:00:00Z" });
  const raised = step(JSON.stringify({ level: 2, type: "CRITICAL_PRIORITY", to: { id: "u-mgr", displayName: "Max Manager" } }));
  assert.equal(raised.summary, "Escalation level 2 (Critical priority) → Max Manager");
  assert.equal(raised.change, null, "no raw JSON shown");
  assert.equal(step(JSON.stringify({ level: 5, type: "SLA_BREACH", to: null })).summary, "Escalation level 5 (Sla breach) → nobody");
});
