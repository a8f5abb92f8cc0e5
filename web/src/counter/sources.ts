/**
 * Saying, in words a counter officer can repeat to the citizen, which agency did not answer
 * and which part of the profile is missing because of it, and which parts the counter's
 * permissions do not release at all (the profile's `sources` and `withheld`).
 */
import type { Params, Translate } from "../lib/i18n.js";
import type { Schemas } from "../lib/api.js";
import type { CounterKey } from "./strings.js";

/** Province names of the tax offices (Kemendagri codes), for the agency's plain name. */
const PROVINCES: Readonly<Record<string, string>> = {
  "11": "Aceh",
  "12": "Sumatera Utara",
  "13": "Sumatera Barat",
  "14": "Riau",
  "15": "Jambi",
  "16": "Sumatera Selatan",
  "17": "Bengkulu",
  "18": "Lampung",
  "19": "Kepulauan Bangka Belitung",
  "21": "Kepulauan Riau",
  "31": "DKI Jakarta",
  "32": "Jawa Barat",
  "33": "Jawa Tengah",
  "34": "DI Yogyakarta",
  "35": "Jawa Timur",
  "36": "Banten",
  "51": "Bali",
  "52": "Nusa Tenggara Barat",
  "53": "Nusa Tenggara Timur",
  "61": "Kalimantan Barat",
  "62": "Kalimantan Tengah",
  "63": "Kalimantan Selatan",
  "64": "Kalimantan Timur",
  "65": "Kalimantan Utara",
  "71": "Sulawesi Utara",
  "72": "Sulawesi Tengah",
  "73": "Sulawesi Selatan",
  "74": "Sulawesi Tenggara",
  "75": "Gorontalo",
  "76": "Sulawesi Barat",
  "81": "Maluku",
  "82": "Maluku Utara",
  "91": "Papua",
  "92": "Papua Barat",
  "93": "Papua Selatan",
  "94": "Papua Tengah",
  "95": "Papua Pegunungan",
  "96": "Papua Barat Daya",
};

/** An agency instance's plain name ("Bapenda DKI Jakarta (SAMSAT)"), its code when unknown. */
export function agencyName(code: string, t: Translate<CounterKey>): string {
  if (code === "civil_registry") return t("agencyCivilRegistry");
  if (code === "investment_licensing") return t("agencyLicensing");
  if (code === "vehicle_tax") return t("agencyVehicleTax");
  if (code === "bpjs_kesehatan") return t("agencyHealth");
  const office = /^bapenda_(\d{2})$/.exec(code);
  if (office !== null) {
    const province = PROVINCES[office[1] as string];
    return province === undefined ? t("agencyTaxOfficeUnknown", { code: office[1] as string }) : t("agencyTaxOffice", { province });
  }
  const land = /^kantah_(\d{4})$/.exec(code);
  if (land !== null) return t("agencyLand", { code: land[1] as string });
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
