/**
 * The portal's pure decisions, kept apart from rendering so the unit tests pin them: which
 * agencies did not answer and what to tell the citizen, how each status reads, who in the
 * family can be acted for, and what a request is still waiting on.
 */
import type { Schemas } from "../lib/api.js";
import { agencyName, agencyPart, type Part } from "../lib/agencies.js";
import { parseCalendarDate } from "../lib/format.js";
import { translator, type Lang, type Translate } from "../lib/i18n.js";
import { portalStrings, type PortalKey } from "./strings.js";

type SourceReport = Schemas["SourceReport"];
type SourceStatus = Schemas["SourceStatus"];

/** `not_found` means the agency answered that it holds nothing: that is an answer, not a gap. */
const ANSWERED: ReadonlySet<SourceStatus> = new Set<SourceStatus>(["ok", "not_found"]);

export interface MissingSource {
  agency: string;
  part: Part;
  /** The sentence to show, in the reader's language. */
  note: string;
}

const PART_KEY: Record<Part, PortalKey> = {
  identity: "partIdentity",
  vehicles: "partVehicles",
  businesses: "partBusinesses",
  health: "partHealth",
  land: "partLand",
  other: "partOther",
};

/**
 * One note per agency that did not answer, e.g. "Data kendaraan sedang tidak dapat diambil dari
 * Bapenda DKI Jakarta. Bagian lain tetap ditampilkan." Ordered by agency code, so the page
 * does not reshuffle between loads.
 */
export function missingSources(sources: Readonly<Record<string, SourceReport>>, lang: Lang): MissingSource[] {
  const t = translator(portalStrings, lang);
  return Object.entries(sources)
    .filter(([, report]) => !ANSWERED.has(report.status))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agency]) => {
      const part = agencyPart(agency);
      return { agency, part, note: t("partialNote", { part: t(PART_KEY[part]), agency: agencyName(agency, lang) }) };
    });
}

/** The agencies that failed to supply one part, for the note inside that part's section. */
export function missingFor(part: Part, missing: readonly MissingSource[]): string[] {
  return missing.filter((m) => m.part === part).map((m) => m.agency);
}

export const REQUEST_STATUS_KEY: Record<Schemas["RequestStatus"], PortalKey> = {
  submitted: "stReceived",
  in_progress: "stInProgress",
  awaiting_payment: "stAwaitingPayment",
  awaiting_agency: "stAwaitingAgency",
  completed: "stCompleted",
  rejected: "stRejected",
  failed: "stFailed",
  cancelled: "stCancelled",
};

export const STEP_STATE_KEY: Record<Schemas["StepState"], PortalKey> = {
  pending: "stepPending",
  running: "stepRunning",
  waiting: "stepWaiting",
  done: "stepDone",
  failed: "stepFailed",
  skipped: "stepSkipped",
};

const STEP_NAME_KEY: Readonly<Record<string, PortalKey>> = {
  verify_owner: "stepVerifyOwner",
  issue_payment_code: "stepIssueCode",
  pay_tax: "stepPayTax",
  void_payment_code: "stepVoidCode",
  verify_citizen: "stepVerifyCitizen",
  submit_registration: "stepSubmitRegistration",
  await_decision: "stepAwaitDecision",
  record_address: "stepRecordAddress",
  tell_vehicle_tax: "stepTellVehicleTax",
  tell_investment_licensing: "stepTellLicensing",
};

/** A step's name as a citizen reads it; a step added later reads as its own words. */
export function stepLabel(name: string, t: Translate<PortalKey>): string {
  const key = STEP_NAME_KEY[name];
  return key === undefined ? name.replace(/_/g, " ") : t(key);
}

export const SERVICE_KEY: Record<Schemas["ServiceCode"], PortalKey> = {
  "vehicle-tax-renewal": "serviceRenewal",
  "address-change": "serviceAddress",
  "business-registration": "serviceBusiness",
};

export const COMPLAINT_STATUS_KEY: Record<Schemas["ComplaintStatus"], PortalKey> = {
  verified: "cVerified",
  dispatched: "cDispatched",
  resolved: "cResolved",
};

export const HISTORY_KIND_KEY: Record<Schemas["HistoryKind"], PortalKey> = {
  received: "hReceived",
  verified: "hVerified",
  forwarded: "hForwarded",
  dispatched: "hDispatched",
  resolved: "hResolved",
};

export const RELATIONSHIP_KEY: Record<Schemas["FamilyRelationship"], PortalKey> = {
  head: "relHead",
  wife: "relWife",
  husband: "relHusband",
  child: "relChild",
  parent: "relParent",
  other: "relOther",
};

export const MANDATE_STATUS_KEY: Record<Schemas["MandateStatus"], PortalKey> = {
  active: "mActive",
  expired: "mExpired",
  withdrawn: "mWithdrawn",
};

export const SCOPE_KEY: Record<Schemas["MandateScope"], PortalKey> = {
  "identity:read": "scopeIdentityRead",
  "identity:full": "scopeIdentityFull",
  "family:read": "scopeFamilyRead",
  "vehicles:read": "scopeVehiclesRead",
  "businesses:read": "scopeBusinessesRead",
  "requests:read": "scopeRequestsRead",
  "requests:write": "scopeRequestsWrite",
  "complaints:read": "scopeComplaintsRead",
  "complaints:write": "scopeComplaintsWrite",
};

const OUTCOME_KEY: Readonly<Record<string, PortalKey>> = {
  complete: "outcomeComplete",
  partial: "outcomePartial",
  not_found: "outcomeNotFound",
  failed: "outcomeFailed",
  refused: "outcomeRefused",
};

export function outcomeLabel(outcome: string, t: Translate<PortalKey>): string {
  const key = OUTCOME_KEY[outcome];
  return key === undefined ? outcome : t(key);
}

const RELEASED_KEY: Readonly<Record<string, PortalKey>> = {
  identity: "relIdentity",
  "identity.full": "relIdentityFull",
  family: "relFamily",
  vehicles: "relVehicles",
  businesses: "relBusinesses",
  land_certificates: "relLand",
  health_insurance: "relHealth",
};

/** What an access released, in words; a part added later reads as its own name. */
export function releasedText(released: readonly string[], t: Translate<PortalKey>): string {
  return released.map((part) => {
    const key = RELEASED_KEY[part];
    return key === undefined ? part.replace(/_/g, " ") : t(key);
  }).join(", ");
}

/** Indonesian law's age of majority for the civil registry (UU 24/2013: 17, or married). */
export const AGE_OF_MAJORITY = 17;

/** Whole years between a birth date and `today` (both `YYYY-MM-DD`). */
export function ageOn(dateOfBirth: string, today: string): number {
  const birth = parseCalendarDate(dateOfBirth);
  const now = parseCalendarDate(today);
  if (birth === null || now === null) return 0;
  let age = now.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    now.getUTCMonth() < birth.getUTCMonth() ||
    (now.getUTCMonth() === birth.getUTCMonth() && now.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}

/**
 * The family members the signed-in citizen may ask to act for: living minor children, other
 * than themselves. The civil registry decides at sign-in; this only spares offering a button
 * that would certainly be refused.
 */
export function actableChildren(
  members: readonly Schemas["FamilyMember"][],
  selfNik: string,
  today: string,
): Schemas["FamilyMember"][] {
  return members.filter(
    (m) => m.nik !== selfNik && m.relationship === "child" && !m.deceased && ageOn(m.date_of_birth, today) < AGE_OF_MAJORITY,
  );
}

/** The message for `?auth_error=` after a refused sign-in or act-for step-up. */
export function authErrorMessage(error: string, lang: Lang): string {
  const t = translator(portalStrings, lang);
  switch (error) {
    case "invalid_grant":
    case "unauthorized_client":
      return t("authErrorActFor");
    case "access_denied":
      return t("authErrorDenied");
    case "login_expired":
    case "login_required":
      return t("authErrorExpired");
    case "different_person":
      return t("authErrorDifferentPerson");
    default:
      return t("authErrorGeneric");
  }
}

/** The nine SKM elements in the regulation's order (U1 to U9), with their labels. */
export const SURVEY_ELEMENTS: ReadonlyArray<readonly [keyof Schemas["SurveyAnswers"], PortalKey]> = [
  ["requirements", "surveyRequirements"],
  ["procedure", "surveyProcedure"],
  ["completion_time", "surveyCompletionTime"],
  ["fee", "surveyFee"],
  ["product", "surveyProduct"],
  ["staff_competence", "surveyStaffCompetence"],
  ["staff_behaviour", "surveyStaffBehaviour"],
  ["complaint_handling", "surveyComplaintHandling"],
  ["facilities", "surveyFacilities"],
];

/** The answers when all nine are given, else how many are missing. */
export function completeSurvey(
  answers: Partial<Record<keyof Schemas["SurveyAnswers"], number>>,
): { ok: true; answers: Schemas["SurveyAnswers"] } | { ok: false; missing: number } {
  const missing = SURVEY_ELEMENTS.filter(([key]) => {
    const v = answers[key];
    return v === undefined || !Number.isInteger(v) || v < 1 || v > 4;
  }).length;
  if (missing > 0) return { ok: false, missing };
  return { ok: true, answers: answers as Schemas["SurveyAnswers"] };
}

/** The end of a chosen day in Jakarta, as the instant a mandate expires. */
export function endOfJakartaDay(isoDate: string): string {
  return `${isoDate}T23:59:59+07:00`;
}
