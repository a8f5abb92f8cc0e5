/**
 * Saying, in words a counter officer can repeat to the citizen, which agency did not answer
 * and which part of the profile is missing because of it, and which parts the counter's
 * permissions do not release at all (the profile's `sources` and `withheld`).
 */
import { readAgencyCode } from "../lib/agencies.js";
import type { Params, Translate } from "../lib/i18n.js";
import type { Schemas } from "../lib/api.js";
import type { CounterKey } from "./strings.js";

const NATIONAL_KEYS: ReadonlyMap<string, CounterKey> = new Map<string, CounterKey>([
  ["civil_registry", "agencyCivilRegistry"],
  ["investment_licensing", "agencyLicensing"],
  ["vehicle_tax", "agencyVehicleTax"],
  ["bpjs_kesehatan", "agencyHealth"],
]);

/** An agency instance's plain name at the counter ("Bapenda DKI Jakarta (SAMSAT)"), its code when unknown. */
export function agencyName(code: string, t: Translate<CounterKey>): string {
  const national = NATIONAL_KEYS.get(code);
  if (national !== undefined) return t(national);
  const agency = readAgencyCode(code);
  if (agency.kind === "taxOffice") {
    return agency.provinceName === undefined
      ? t("agencyTaxOfficeUnknown", { code: agency.province })
      : t("agencyTaxOffice", { province: agency.provinceName });
  }
  if (agency.kind === "landOffice") return t("agencyLand", { code: agency.regency });
  return code;
}

const PART_KEYS: Readonly<Record<string, CounterKey>> = {
  identity: "partIdentity",
  family: "partFamily",
  vehicles: "partVehicles",
  businesses: "partBusinesses",
  land_certificates: "partLand",
  health_insurance: "partHealth",
};

function partName(part: string, t: Translate<CounterKey>): string {
  const key = PART_KEYS[part];
  return key === undefined ? part.replace(/_/g, " ") : t(key);
}

function joinParts(parts: readonly string[], t: Translate<CounterKey>): string {
  return parts.map((p) => partName(p, t)).join(", ");
}

const SILENCE_KEYS: Readonly<Partial<Record<Schemas["SourceStatus"], CounterKey>>> = {
  timeout: "sourceTimeout",
  unavailable: "sourceUnavailable",
  error: "sourceError",
  throttled: "sourceThrottled",
  refused: "sourceRefused",
};

export interface SourceNote {
  agency: string;
  key: CounterKey;
  params: Params;
}

/**
 * One note per agency that did not give its part: `ok` answered, and `not_found` is an answer
 * too (this citizen has nothing there), so neither is mentioned. Sorted by agency code so the
 * notes keep their order between lookups.
 */
export function silentSources(
  sources: Readonly<Record<string, Schemas["SourceReport"]>>,
  t: Translate<CounterKey>,
): SourceNote[] {
  return Object.entries(sources)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([code, report]) => {
      const key = SILENCE_KEYS[report.status];
      if (key === undefined) return [];
      const parts = report.parts ?? [];
      const named = parts.length === 0 ? t("partsUnknown") : joinParts(parts, t);
      return [{ agency: code, key, params: { agency: agencyName(code, t), parts: named } }];
    });
}

/**
 * The parts a counter's scopes do not release, in words: whole parts by name, and the KTP-el
 * fields beyond name, address and life status as one phrase. Empty when nothing is withheld.
 */
export function withheldParts(withheld: readonly string[] | undefined, t: Translate<CounterKey>): string {
  if (withheld === undefined || withheld.length === 0) return "";
  const whole = withheld.filter((w) => !w.includes("."));
  const details = withheld.some((w) => w.startsWith("identity."));
  const names = whole.map((p) => partName(p, t));
  if (details) names.push(t("partIdentityDetails"));
  return names.join(", ");
}
