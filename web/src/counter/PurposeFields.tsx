/**
 * The stated purpose: a choice of the counter's common reasons or the officer's own words,
 * and an optional queue number. Whatever is chosen is sent as `X-Purpose` and shown to the
 * citizen in their access log, so the choices are sentences a citizen understands.
 */
import type { VNode } from "preact";
import type { Translate } from "../lib/i18n.js";
import { SelectField, TextField } from "../lib/fields.js";
import { isPurposeChoice, PURPOSE_CHOICES, type PurposeDraft, type PurposeField } from "./lookup.js";
import type { CounterKey } from "./strings.js";

export function PurposeFields({
  idPrefix,
  draft,
  onChange,
  errors,
  t,
}: {
  idPrefix: string;
  draft: PurposeDraft;
  onChange: (draft: PurposeDraft) => void;
  errors: Partial<Record<PurposeField, string>>;
  t: Translate<CounterKey>;
}): VNode {
  return (
    <fieldset>
      <legend>{t("purposeLegend")}</legend>
      <SelectField
        id={`${idPrefix}-purpose`}
        label={t("purposeLabel")}
        hint={t("purposeHint")}
        error={errors.purpose}
        required
        value={draft.choice}
        onChange={(value) => {
          if (isPurposeChoice(value)) onChange({ ...draft, choice: value });
        }}
      >
        <option value="">{t("purposeChoose")}</option>
        {PURPOSE_CHOICES.map((key) => (
          <option key={key} value={key}>
            {t(key)}
          </option>
        ))}
        <option value="other">{t("purposeOther")}</option>
      </SelectField>
      {draft.choice === "other" && (
        <TextField
          id={`${idPrefix}-purpose-other`}
          label={t("purposeOtherLabel")}
          error={errors.purposeOther}
          required
          maxLength={200}
          value={draft.other}
          onInput={(other) => onChange({ ...draft, other })}
        />
      )}
      <TextField
        id={`${idPrefix}-queue`}
        label={t("queueLabel")}
        hint={t("queueHint")}
        error={errors.queue}
        maxLength={12}
        autoComplete="off"
        value={draft.queue}
        onInput={(queue) => onChange({ ...draft, queue })}
      />
    </fieldset>
  );
}

/** The id of the control a purpose problem belongs to, for focus and the error summary. */
export function purposeFieldId(idPrefix: string, field: PurposeField): string {
  if (field === "purposeOther") return `${idPrefix}-purpose-other`;
  return `${idPrefix}-${field}`;
}
