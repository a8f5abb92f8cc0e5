/**
 * Change my address: the new address goes to the civil registry, which the other agencies
 * then hear of (the request's page lists who was told). Fields are checked here for shape
 * only; the gateway checks the village code against the Kemendagri table.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call } from "../lib/api.js";
import { focusFirstProblem, inWords, TextField } from "../lib/fields.js";
import { addressLine } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useT } from "../lib/i18n.js";
import { useFiling } from "./filing.js";
import { portalStrings, type PortalKey } from "./strings.js";
import { useSubject } from "./subject.js";
import { ErrorBox } from "./ui.js";

interface Fields {
  street: string;
  rt: string;
  rw: string;
  village_code: string;
}

type FieldErrors = Partial<Record<keyof Fields, PortalKey>>;

/** Which fields are not yet in a shape the gateway could accept. */
export function addressErrors(fields: Fields): FieldErrors {
  const errors: FieldErrors = {};
  if (fields.street.trim() === "") errors.street = "fieldRequired";
  if (!/^\d{3}$/.test(fields.rt)) errors.rt = "fieldThreeDigits";
  if (!/^\d{3}$/.test(fields.rw)) errors.rw = "fieldThreeDigits";
  if (!/^\d{2}\.\d{2}\.\d{2}\.\d{4}$/.test(fields.village_code)) errors.village_code = "fieldVillage";
  return errors;
}

/** The form's fields in the order they are shown. */
const FIELDS: ReadonlyArray<{ name: keyof Fields; label: PortalKey; hint?: PortalKey; inputMode?: "numeric" | "decimal" }> = [
  { name: "street", label: "street" },
  { name: "rt", label: "rt", hint: "rtHint", inputMode: "numeric" },
  { name: "rw", label: "rw", hint: "rtHint", inputMode: "numeric" },
  { name: "village_code", label: "villageCode", hint: "villageHint", inputMode: "decimal" },
];
const ORDER = FIELDS.map((f) => f.name);
const fieldId = (name: keyof Fields) => `address-${name}`;

export function AddressChangePage(): JSX.Element {
  const t = useT(portalStrings);
  const subject = useSubject();
  const current = useAsync(
    () => call(api.GET("/v1/citizens/{nik}", { params: { path: { nik: subject.nik }, query: { include: ["family"] } } })),
    `identity:${subject.nik}`,
  );
  const [fields, setFields] = useState<Fields>({ street: "", rt: "", rw: "", village_code: "" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, file } = useFiling();

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = addressErrors(fields);
    setErrors(found);
    if (focusFirstProblem(ORDER, found, fieldId)) return;
    await file({ service: "address-change", nik: subject.nik, data: { ...fields, street: fields.street.trim() } });
  };

  const shown = inWords(errors, t);
  return (
    <>
      <h1>{t("addressTitle")}</h1>
      <p>{t("addressIntro")}</p>
      {current.result.state === "ready" && (
        <p class="muted">{t("addressCurrent", { address: addressLine(current.result.data.identity.address) })}</p>
      )}
      <form onSubmit={submit} noValidate>
        {FIELDS.map(({ name, label, hint, inputMode }) => (
          <TextField
            key={name}
            id={fieldId(name)}
            label={t(label)}
            hint={hint === undefined ? undefined : t(hint)}
            error={shown[name]}
            required
            value={fields[name]}
            onInput={(value) => setFields((prev) => ({ ...prev, [name]: value }))}
            inputMode={inputMode}
            autoComplete={name === "street" ? "street-address" : "off"}
          />
        ))}
        {error !== null && <ErrorBox message={error} />}
        <button type="submit" disabled={busy}>
          {busy ? t("submitting") : t("addressSubmit")}
        </button>
      </form>
    </>
  );
}
