/**
 * Agencies by the names citizens know. The profile's `sources` names each agency by its
 * instance code (`bapenda_31`); the agency register that maps codes to names is for
 * administrators only, so the portal names them itself: a national agency by its own name, a
 * provincial tax office by its province (Kemendagri codes), a land office by its regency.
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

const NATIONAL: Readonly<Record<string, Record<Lang, string>>> = {
  civil_registry: { id: "Dukcapil (kependudukan)", en: "Dukcapil (civil registry)" },
  investment_licensing: { id: "OSS (perizinan berusaha)", en: "OSS (business licensing)" },
  bpjs_kesehatan: { id: "BPJS Kesehatan", en: "BPJS Kesehatan (health insurance)" },
};

const LAND_OFFICES: Readonly<Record<string, string>> = {
  "3174": "Jakarta Selatan",
  "3273": "Kota Bandung",
};

/** The part of a profile an agency supplies, by its code. */
export type Part = "identity" | "vehicles" | "businesses" | "health" | "land" | "other";

export function agencyPart(code: string): Part {
  if (code === "civil_registry") return "identity";
  if (code === "investment_licensing") return "businesses";
  if (code === "bpjs_kesehatan") return "health";
  if (/^bapenda_\d{2}$/.test(code)) return "vehicles";
  if (/^kantah_\d{4}$/.test(code)) return "land";
  return "other";
}

/** `bapenda_31` → `Bapenda DKI Jakarta`; an unknown code reads as itself, never blank. */
export function agencyName(code: string, lang: Lang): string {
  const national = NATIONAL[code];
  if (national !== undefined) return national[lang];
  const bapenda = /^bapenda_(\d{2})$/.exec(code);
  if (bapenda !== null) {
    const province = PROVINCES[bapenda[1] as string];
    if (province !== undefined) return `Bapenda ${province}`;
    return lang === "id" ? `Bapenda provinsi ${bapenda[1]}` : `Bapenda of province ${bapenda[1]}`;
  }
  const kantah = /^kantah_(\d{4})$/.exec(code);
  if (kantah !== null) {
    const regency = LAND_OFFICES[kantah[1] as string] ?? kantah[1];
    return lang === "id" ? `Kantor Pertanahan ${regency}` : `Land Office ${regency}`;
  }
  return code;
}
