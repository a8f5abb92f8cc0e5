/**
 * Agencies by the names people know. The profile's `sources` names each agency by its
 * instance code (`bapenda_31`); the agency register that maps codes to names is for
 * administrators only, so the apps name them themselves: a national agency by its own name, a
 * provincial tax office by its province (Kemendagri codes), a land office by its regency.
 * `readAgencyCode` is that reading, shared by the portal and the counter; each words the
 * result in its own voice (`agencyName` here is the portal's, the counter's says "SAMSAT").
 */
import type { Lang } from "./i18n.js";

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

const LAND_OFFICES: Readonly<Record<string, string>> = {
  "3174": "Jakarta Selatan",
  "3273": "Kota Bandung",
};

/** An instance code read for naming: a provincial tax office, a land office, or anything else. */
export type AgencyCode =
  | { kind: "taxOffice"; province: string; provinceName: string | undefined }
  | { kind: "landOffice"; regency: string; regencyName: string | undefined }
  | { kind: "other"; code: string };

/** `bapenda_31` → the tax office of province 31, DKI Jakarta; a name is undefined when unknown. */
export function readAgencyCode(code: string): AgencyCode {
  const bapenda = /^bapenda_(\d{2})$/.exec(code);
  if (bapenda !== null) {
    const province = bapenda[1] as string;
    return { kind: "taxOffice", province, provinceName: PROVINCES[province] };
  }
  const kantah = /^kantah_(\d{4})$/.exec(code);
  if (kantah !== null) {
    const regency = kantah[1] as string;
    return { kind: "landOffice", regency, regencyName: LAND_OFFICES[regency] };
  }
  return { kind: "other", code };
}

/** The part of a profile an agency supplies, by its code. */
export type Part = "identity" | "vehicles" | "businesses" | "health" | "land" | "other";

export function agencyPart(code: string): Part {
  if (code === "civil_registry") return "identity";
  if (code === "investment_licensing") return "businesses";
  if (code === "bpjs_kesehatan") return "health";
  const agency = readAgencyCode(code);
  if (agency.kind === "taxOffice") return "vehicles";
  if (agency.kind === "landOffice") return "land";
  return "other";
}

const NATIONAL: ReadonlyMap<string, Readonly<Record<Lang, string>>> = new Map([
  ["civil_registry", { id: "Dukcapil (kependudukan)", en: "Dukcapil (civil registry)" }],
  ["investment_licensing", { id: "OSS (perizinan berusaha)", en: "OSS (business licensing)" }],
  ["bpjs_kesehatan", { id: "BPJS Kesehatan", en: "BPJS Kesehatan (health insurance)" }],
]);

/** The portal's name for an agency: `bapenda_31` → `Bapenda DKI Jakarta`; an unknown code reads as itself, never blank. */
export function agencyName(code: string, lang: Lang): string {
  const national = NATIONAL.get(code);
  if (national !== undefined) return national[lang];
  const agency = readAgencyCode(code);
  if (agency.kind === "taxOffice") {
    if (agency.provinceName !== undefined) return `Bapenda ${agency.provinceName}`;
    return lang === "id" ? `Bapenda provinsi ${agency.province}` : `Bapenda of province ${agency.province}`;
  }
  if (agency.kind === "landOffice") {
    const regency = agency.regencyName ?? agency.regency;
    return lang === "id" ? `Kantor Pertanahan ${regency}` : `Land Office ${regency}`;
  }
  return code;
}
