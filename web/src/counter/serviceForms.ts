/**
 * What the counter can apply for on a citizen's behalf, and each service's form: its fields,
 * their checks (the API's own rules, so a mistake is named at the desk rather than after a
 * round trip) and the typed body they make. Only services this file knows are offered: the
 * gateway accepts exactly these in `POST /v1/service-requests`, and the typed client makes a
 * body for any other a compile error.
 */
import type { Schemas } from "../lib/api.js";
import type { Checked, FieldProblem } from "./lookup.js";
import type { CounterKey } from "./strings.js";

export type FormService = Schemas["ServiceCode"];
export type Submission = Schemas["ServiceRequestCreate"];

export type ServiceField = "plate_number" | "street" | "rt" | "rw" | "village_code" | "business_name" | "kbli";

export interface FieldSpec {
  name: ServiceField;
  label: CounterKey;
  hint?: CounterKey;
  inputMode?: "text" | "numeric" | "decimal";
  autoComplete?: string;
}

export const SERVICE_FORMS: Readonly<Record<FormService, readonly FieldSpec[]>> = {
  "vehicle-tax-renewal": [{ name: "plate_number", label: "plateLabel", hint: "plateHint", autoComplete: "off" }],
  "address-change": [
    { name: "street", label: "streetLabel", autoComplete: "street-address" },
    { name: "rt", label: "rtLabel", hint: "rtRwHint", inputMode: "numeric", autoComplete: "off" },
    { name: "rw", label: "rwLabel", hint: "rtRwHint", inputMode: "numeric", autoComplete: "off" },
    { name: "village_code", label: "villageLabel", hint: "villageHint", inputMode: "decimal", autoComplete: "off" },
  ],
  "business-registration": [
    { name: "business_name", label: "businessNameLabel", autoComplete: "organization" },
    { name: "kbli", label: "kbliLabel", hint: "kbliHint", inputMode: "numeric", autoComplete: "off" },
    { name: "street", label: "streetLabel", autoComplete: "street-address" },
    { name: "village_code", label: "villageLabel", hint: "villageHint", inputMode: "decimal", autoComplete: "off" },
  ],
};

export function isFormService(code: string): code is FormService {
  return Object.prototype.hasOwnProperty.call(SERVICE_FORMS, code);
}

export type FormValues = Partial<Record<ServiceField, string>>;

/** The API's plate rule (region letters, 1-4 digits not starting with 0, up to 3 letters). */
const PLATE =
  /^ *(?:[Aa][AaBbDdEeGg]?|[Bb][AaBbDdEeGgHhKkLlMmNnPp]?|[Dd][AaBbCcDdEeGgHhKkLlMmNnPpRrSsTt]?|[Ee][AaBbDd]?|[Ff]|[Gg]|[Hh]|[Kk][BbHhTtUu]?|[Ll]|[Mm]|[Nn]|[Pp][AaBbGgTt]?|[Rr]|[Ss]|[Tt]|[Ww]|[Zz]) *[1-9][0-9]{0,3} *[A-Za-z]{0,3} *$/;
const VILLAGE = /^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$/;
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const KBLI_MAX = 10;

/** "b1234xyz" and "B  1234 XYZ" as the citizen's STNK writes it: "B 1234 XYZ". */
export function normalisePlate(raw: string): string {
  const compact = raw.replace(/\s+/g, "").toUpperCase();
  const parts = /^([A-Z]{1,2})([0-9]{1,4})([A-Z]{0,3})$/.exec(compact);
  if (parts === null) return raw.trim().toUpperCase();
  return [parts[1], parts[2], parts[3]].filter((p) => p !== "").join(" ");
}

type Problems = FieldProblem<ServiceField>[];

function text(values: FormValues, name: ServiceField): string {
  return (values[name] ?? "").trim();
}

function required(values: FormValues, name: ServiceField, label: CounterKey, problems: Problems): string | undefined {
  const value = text(values, name);
  if (value === "") {
    problems.push({ field: name, key: "fieldRequired", label });
    return undefined;
  }
  return value;
}

function line(
  values: FormValues,
  name: "street" | "business_name",
  label: CounterKey,
  lengthKey: CounterKey,
  max: number,
  problems: Problems,
): string {
  const value = required(values, name, label, problems);
  if (value === undefined) return "";
  if (CONTROL.test(value)) problems.push({ field: name, key: "textCharacters", label });
  else if (value.length < 3 || value.length > max) problems.push({ field: name, key: lengthKey, params: { min: 3, max } });
  return value;
}

/** RT and RW are three digits on the card ("002"); officers type "2". */
function unit(values: FormValues, name: "rt" | "rw", problems: Problems): string {
  const label: CounterKey = name === "rt" ? "rtLabel" : "rwLabel";
  const value = required(values, name, label, problems);
  if (value === undefined) return "";
  if (!/^[0-9]{1,3}$/.test(value)) {
    problems.push({ field: name, key: name === "rt" ? "rtInvalid" : "rwInvalid" });
    return value;
  }
  return value.padStart(3, "0");
}

function village(values: FormValues, problems: Problems): string {
  const value = required(values, "village_code", "villageLabel", problems);
  if (value !== undefined && !VILLAGE.test(value)) problems.push({ field: "village_code", key: "villageInvalid" });
  return value ?? "";
}

function kbli(values: FormValues, problems: Problems): string[] {
  const value = required(values, "kbli", "kbliLabel", problems);
  if (value === undefined) return [];
  const codes = value
    .split(/[\s,;]+/)
    .filter((c) => c !== "");
  const wrong = codes.find((c) => !/^[0-9]{5}$/.test(c));
  if (wrong !== undefined) problems.push({ field: "kbli", key: "kbliInvalid", params: { code: wrong } });
  else if (codes.length > KBLI_MAX) problems.push({ field: "kbli", key: "kbliTooMany", params: { max: KBLI_MAX } });
  return [...new Set(codes)];
}

/** The request body for `service` on behalf of `nik`, or every problem of the form. */
export function buildSubmission(service: FormService, nik: string, values: FormValues): Checked<Submission, ServiceField> {
  const problems: Problems = [];
  let body: Submission;
  switch (service) {
    case "vehicle-tax-renewal": {
      const plate = required(values, "plate_number", "plateLabel", problems);
      if (plate !== undefined && !PLATE.test(plate)) problems.push({ field: "plate_number", key: "plateInvalid" });
      body = { service, nik, data: { plate_number: normalisePlate(plate ?? "") } };
      break;
    }
    case "address-change": {
      const street = line(values, "street", "streetLabel", "streetLength", 200, problems);
      const rt = unit(values, "rt", problems);
      const rw = unit(values, "rw", problems);
      body = { service, nik, data: { street, rt, rw, village_code: village(values, problems) } };
      break;
    }
    case "business-registration": {
      const name = line(values, "business_name", "businessNameLabel", "businessNameLength", 120, problems);
      const codes = kbli(values, problems);
      const street = line(values, "street", "streetLabel", "streetLength", 200, problems);
      body = {
        service,
        nik,
        data: { business_name: name, kbli: codes, address: { street, village_code: village(values, problems) } },
      };
      break;
    }
  }
  return problems.length > 0 ? { ok: false, errors: problems } : { ok: true, value: body };
}
