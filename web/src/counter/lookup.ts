/**
 * The lookup form's rules: a NIK and a stated purpose, checked before anything is sent, so a
 * lookup without a purpose never reaches the gateway (which would refuse it anyway, but only
 * after the officer's attempt was on the record). The purpose follows the gateway's rule for
 * `X-Purpose` (3 to 200 characters, one line) and, because it travels in an HTTP header,
 * printable ASCII, which every browser's `fetch` can send unchanged.
 */
import type { Params, Translate } from "../lib/i18n.js";
import type { CounterKey } from "./strings.js";

/** One rejected input, by the form field it belongs to, with its message's key. */
export interface FieldProblem<F extends string> {
  field: F;
  key: CounterKey;
  params?: Params;
  /** The field's label, for a message that names it (`{field}`), translated when shown. */
  label?: CounterKey;
}

/** A problem's message in the officer's language, naming its field where the message does. */
export function problemText<F extends string>(problem: FieldProblem<F>, t: Translate<CounterKey>): string {
  const field = problem.label === undefined ? {} : { field: t(problem.label) };
  return t(problem.key, { ...problem.params, ...field });
}

export type Checked<T, F extends string> = { ok: true; value: T } | { ok: false; errors: FieldProblem<F>[] };

export const PURPOSE_CHOICES = [
  "purposeRenewal",
  "purposeAddress",
  "purposeBusiness",
  "purposeStatus",
  "purposeComplaint",
  "purposeOverdue",
] as const satisfies readonly CounterKey[];

/** A preset purpose (its string key), "other" for free text, or "" when none is chosen yet. */
export type PurposeChoice = (typeof PURPOSE_CHOICES)[number] | "other" | "";

export function isPurposeChoice(value: string): value is PurposeChoice {
  return value === "" || value === "other" || (PURPOSE_CHOICES as readonly string[]).includes(value);
}

export interface PurposeDraft {
  choice: PurposeChoice;
  other: string;
  queue: string;
}

export type PurposeField = "purpose" | "purposeOther" | "queue";

export const PURPOSE_MIN = 3;
export const PURPOSE_MAX = 200;
const PRINTABLE_LINE = /^[\x20-\x7e]*$/;
const QUEUE = /^[A-Za-z0-9-]{1,12}$/;

/**
 * The purpose to send as `X-Purpose`: the chosen sentence in the language the officer reads
 * (what they chose is what the citizen will see), or their own words, with the queue number
 * when given, so the citizen's log says which visit it was.
 */
export function composePurpose(draft: PurposeDraft, t: Translate<CounterKey>): Checked<string, PurposeField> {
  const errors: FieldProblem<PurposeField>[] = [];
  const queue = draft.queue.trim();
  if (queue !== "" && !QUEUE.test(queue)) errors.push({ field: "queue", key: "queueCharacters" });
  let base = "";
  if (draft.choice === "") {
    errors.push({ field: "purpose", key: "purposeRequired" });
  } else if (draft.choice === "other") {
    base = draft.other.trim().replace(/\s+/g, " ");
    if (base === "") errors.push({ field: "purposeOther", key: "purposeOtherRequired" });
  } else {
    base = t(draft.choice);
  }
  if (errors.length > 0) return { ok: false, errors };
  const purpose = queue === "" ? base : `${base}, ${t("queueSuffix", { queue })}`;
  const field: PurposeField = draft.choice === "other" ? "purposeOther" : "purpose";
  if (!PRINTABLE_LINE.test(purpose)) return { ok: false, errors: [{ field, key: "purposeCharacters" }] };
  if (purpose.length < PURPOSE_MIN) {
    return { ok: false, errors: [{ field, key: "purposeTooShort", params: { min: PURPOSE_MIN } }] };
  }
  if (purpose.length > PURPOSE_MAX) {
    return {
      ok: false,
      errors: [{ field, key: "purposeTooLong", params: { max: PURPOSE_MAX, count: purpose.length } }],
    };
  }
  return { ok: true, value: purpose };
}

/**
 * A NIK as typed at a busy desk (spaces, dots or dashes between groups) reduced to its 16
 * digits. The gateway checks the region code and the date of birth inside it, and its 422
 * names the field, which the form shows the same way.
 */
export function checkNik(raw: string): Checked<string, "nik"> {
  const compact = raw.replace(/[\s.-]/g, "");
  if (compact === "") return { ok: false, errors: [{ field: "nik", key: "nikRequired" }] };
  if (!/^[0-9]+$/.test(compact)) return { ok: false, errors: [{ field: "nik", key: "nikCharacters" }] };
  if (compact.length !== 16) {
    return { ok: false, errors: [{ field: "nik", key: "nikDigits", params: { count: compact.length } }] };
  }
  return { ok: true, value: compact };
}

export interface LookupDraft extends PurposeDraft {
  nik: string;
}

export type LookupField = "nik" | PurposeField;

/** Both checks at once, so the officer sees every problem of the form in one go. */
export function checkLookup(
  draft: LookupDraft,
  t: Translate<CounterKey>,
): Checked<{ nik: string; purpose: string }, LookupField> {
  const nik = checkNik(draft.nik);
  const purpose = composePurpose(draft, t);
  if (nik.ok && purpose.ok) return { ok: true, value: { nik: nik.value, purpose: purpose.value } };
  const errors: FieldProblem<LookupField>[] = [
    ...(nik.ok ? [] : nik.errors),
    ...(purpose.ok ? [] : purpose.errors),
  ];
  return { ok: false, errors };
}

/**
 * The form field a gateway problem's `errors[].field` is about: `nik` (path), `X-Purpose`
 * (header), or a body field in the API's dotted form (`data.address.village_code`), by its
 * last named segment; undefined when no field of ours matches.
 */
export function formFieldOf<F extends string>(apiField: string, fields: readonly F[]): F | undefined {
  if (apiField.toLowerCase() === "x-purpose") return fields.find((f) => f === "purpose");
  const segments = apiField.split(".").filter((s) => s !== "" && !/^[0-9]+$/.test(s));
  const last = segments[segments.length - 1];
  return fields.find((f) => f === last);
}
