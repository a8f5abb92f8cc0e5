/**
 * What only the console says about a request or a complaint: its status and stage in the
 * officer's words, and where a request stands against its deadline. Dates, times and amounts
 * are written by `lib/format.ts`, as in the portal.
 */
import type { Schemas } from "../lib/api.js";
import { requestSettled } from "../lib/format.js";
import type { CounterKey } from "./strings.js";

export type RequestStatus = Schemas["RequestStatus"];

export type DeadlineState = "done" | "late" | "today" | "open";

/**
 * Where a request stands against its last working day: finished requests are done whatever
 * the date; an open one is late from the day after its deadline (Jakarta), as the gateway
 * counts it.
 */
export function deadlineState(slaDeadline: string, status: RequestStatus, today: string): DeadlineState {
  if (requestSettled(status)) return "done";
  if (today > slaDeadline) return "late";
  if (today === slaDeadline) return "today";
  return "open";
}

const STATUS_KEYS: Readonly<Record<RequestStatus, CounterKey>> = {
  submitted: "statusSubmitted",
  in_progress: "statusInProgress",
  awaiting_payment: "statusAwaitingPayment",
  awaiting_agency: "statusAwaitingAgency",
  completed: "statusCompleted",
  rejected: "statusRejected",
  failed: "statusFailed",
  cancelled: "statusCancelled",
};

export function statusKey(status: RequestStatus): CounterKey {
  return STATUS_KEYS[status];
}

export type ComplaintStatus = Schemas["ComplaintStatus"];

const STAGE_KEYS: Readonly<Record<ComplaintStatus, CounterKey>> = {
  verified: "stageVerified",
  dispatched: "stageDispatched",
  resolved: "stageResolved",
};

export function stageKey(status: ComplaintStatus): CounterKey {
  return STAGE_KEYS[status];
}
