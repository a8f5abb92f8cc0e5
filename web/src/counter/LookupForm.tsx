/**
 * Looking a citizen up: NIK and purpose, checked here first (nothing is sent without a
 * purpose), then the profile with the purpose as `X-Purpose`. The gateway's own refusals come
 * back to the field they name (a NIK with an impossible birth date, for instance).
 */
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError, call, errorMessage, type Schemas } from "../lib/api.js";
import { useLang, type Translate } from "../lib/i18n.js";
import { ErrorSummary, focusFirstProblem, problemsInOrder, SubmitButton, TextField } from "../lib/fields.js";
import { checkLookup, formFieldOf, problemText, type LookupDraft, type LookupField } from "./lookup.js";
import { PurposeFields, purposeFieldId } from "./PurposeFields.js";
import type { CounterKey } from "./strings.js";

const ID = "lookup";

export interface Found {
  nik: string;
  purpose: string;
  profile: Schemas["CitizenProfile"];
}

function fieldId(field: LookupField): string {
  return field === "nik" ? `${ID}-nik` : purposeFieldId(ID, field);
}

const FIELDS: readonly LookupField[] = ["nik", "purpose", "purposeOther", "queue"];
const LABELS: Readonly<Record<LookupField, CounterKey>> = {
  nik: "nikLabel",
  purpose: "purposeLabel",
  purposeOther: "purposeOtherLabel",
  queue: "queueLabel",
};

export function LookupForm({
  initialNik,
  t,
  onFound,
  onSignedOut,
}: {
  /** The NIK of the citizen on screen, when the officer comes back to the desk. */
  initialNik: string;
  t: Translate<CounterKey>;
  onFound: (found: Found) => void;
  onSignedOut: () => void;
}): VNode {
  const { lang } = useLang();
  const [draft, setDraft] = useState<LookupDraft>({ nik: initialNik, choice: "", other: "", queue: "" });
  const [errors, setErrors] = useState<Partial<Record<LookupField, string>>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const showErrors = (found: Partial<Record<LookupField, string>>) => {
    setErrors(found);
    focusFirstProblem(FIELDS, found, fieldId);
  };

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setFailure(undefined);
    const checked = checkLookup(draft, t);
    if (!checked.ok) {
      const found: Partial<Record<LookupField, string>> = {};
      for (const problem of checked.errors) found[problem.field] ??= problemText(problem, t);
      showErrors(found);
      return;
    }
    setErrors({});
    setBusy(true);
    const { nik, purpose } = checked.value;
    try {
      const profile = await call(
        api.GET("/v1/citizens/{nik}", { params: { path: { nik }, header: { "x-purpose": purpose } } }),
      );
      onFound({ nik, purpose, profile });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onSignedOut();
      if (err instanceof ApiError && err.kind === "citizen-not-found") {
        setFailure(t("citizenNotFound", { nik }));
        return;
      }
      const byField: Partial<Record<LookupField, string>> = {};
      if (err instanceof ApiError) {
        for (const e of err.problem?.errors ?? []) {
          const field = e.field === undefined ? undefined : formFieldOf(e.field, FIELDS);
          if (field !== undefined && e.message !== undefined) {
            byField[field] ??= t("serverFieldError", { field: t(LABELS[field]), message: e.message });
          }
        }
      }
      if (Object.keys(byField).length > 0) showErrors(byField);
      else setFailure(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  };

  const summary = problemsInOrder(FIELDS, errors, fieldId);

  return (
    <section aria-labelledby={`${ID}-heading`}>
      <h2 id={`${ID}-heading`} tabIndex={-1}>
        {t("lookupHeading")}
      </h2>
      <p>{t("lookupIntro")}</p>
      <form noValidate onSubmit={onSubmit} class="card">
        <ErrorSummary title={t("errorSummary")} problems={summary} />
        <TextField
          id={`${ID}-nik`}
          label={t("nikLabel")}
          hint={t("nikHint")}
          error={errors.nik}
          required
          inputMode="numeric"
          autoComplete="off"
          maxLength={24}
          value={draft.nik}
          onInput={(nik) => setDraft({ ...draft, nik })}
        />
        <PurposeFields
          idPrefix={ID}
          draft={draft}
          onChange={(purpose) => setDraft({ ...draft, ...purpose })}
          errors={errors}
          t={t}
        />
        {failure !== undefined && (
          <p class="alert alert--error" role="alert">
            {failure}
          </p>
        )}
        <SubmitButton busy={busy} label={t("lookupSubmit")} busyLabel={t("lookupBusy")} />
      </form>
    </section>
  );
}
