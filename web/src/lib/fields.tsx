/**
 * Form controls that are labelled, hinted and report their error the same way in the portal
 * and the console: the label names the field, the hint and the error are tied to the control
 * with `aria-describedby`, and an invalid control says so with `aria-invalid`, so a screen
 * reader reads the message when the control gets focus. A form that finds problems moves focus
 * to the first of them, in the order its fields are shown.
 */
import type { ComponentChildren, VNode } from "preact";
import type { Translate } from "./i18n.js";

interface Common {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  required?: boolean;
}

/** One of a form's problems: the id of the control it belongs to, and what to fix. */
export interface Problem {
  id: string;
  text: string;
}

function describedBy(id: string, hint: string | undefined, error: string | undefined): string | undefined {
  const ids = [hint === undefined ? "" : `${id}-hint`, error === undefined ? "" : `${id}-error`].filter((s) => s !== "");
  return ids.length === 0 ? undefined : ids.join(" ");
}

/** What every labelled control carries, whatever its element. */
function controlAttributes({ id, hint, error, required }: Common) {
  return {
    id,
    name: id,
    "aria-required": required === true ? ("true" as const) : undefined,
    "aria-invalid": error === undefined ? undefined : ("true" as const),
    "aria-describedby": describedBy(id, hint, error),
  };
}

function Notes({ id, hint, error }: { id: string; hint: string | undefined; error: string | undefined }): VNode {
  return (
    <>
      {hint !== undefined && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
      {error !== undefined && (
        <span id={`${id}-error`} class="field-error">
          {error}
        </span>
      )}
    </>
  );
}

function Field({ common, children }: { common: Common; children: ComponentChildren }): VNode {
  return (
    <div class="field">
      <label for={common.id}>{common.label}</label>
      <Notes id={common.id} hint={common.hint} error={common.error} />
      {children}
    </div>
  );
}

export function TextField(
  props: Common & {
    value: string;
    onInput: (value: string) => void;
    type?: "text" | "date";
    inputMode?: "text" | "numeric" | "decimal" | undefined;
    autoComplete?: string | undefined;
    maxLength?: number;
    min?: string;
    max?: string;
  },
): VNode {
  const { value, onInput, type, inputMode, autoComplete, maxLength, min, max } = props;
  return (
    <Field common={props}>
      <input
        {...controlAttributes(props)}
        type={type ?? "text"}
        value={value}
        inputMode={inputMode}
        autoComplete={autoComplete}
        maxLength={maxLength}
        min={min}
        max={max}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
    </Field>
  );
}

export function TextAreaField(props: Common & { value: string; onInput: (value: string) => void; maxLength?: number }): VNode {
  const { value, onInput, maxLength } = props;
  return (
    <Field common={props}>
      <textarea
        {...controlAttributes(props)}
        value={value}
        maxLength={maxLength}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
    </Field>
  );
}

export function SelectField(
  props: Common & { value: string; onChange: (value: string) => void; children: ComponentChildren },
): VNode {
  const { value, onChange, children } = props;
  return (
    <Field common={props}>
      <select {...controlAttributes(props)} value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        {children}
      </select>
    </Field>
  );
}

/**
 * A group of choices (check boxes, radio buttons) under one legend, with its hint and error
 * tied to the group. It takes focus itself (`tabIndex=-1`) when it holds a form's first problem.
 */
export function ChoiceGroup({
  id,
  legend,
  hint,
  error,
  children,
}: {
  id: string;
  legend: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}): VNode {
  return (
    <fieldset id={id} tabIndex={-1} aria-describedby={describedBy(id, hint, error)}>
      <legend>{legend}</legend>
      <Notes id={id} hint={hint} error={error} />
      {children}
    </fieldset>
  );
}

/**
 * A form's problems kept as message keys, so that they follow a change of language, put in
 * the reader's words.
 */
export function inWords<F extends string, K extends string>(errors: Partial<Record<F, K>>, t: Translate<K>): Partial<Record<F, string>> {
  const words: Partial<Record<F, string>> = {};
  for (const [field, key] of Object.entries(errors) as [F, K | undefined][]) {
    if (key !== undefined) words[field] = t(key);
  }
  return words;
}

/** A form's problems in the order its fields are shown, each with its control's id. */
export function problemsInOrder<F extends string>(
  order: readonly F[],
  errors: Partial<Record<F, string>>,
  idOf: (field: F) => string,
): Problem[] {
  return order.flatMap((field) => {
    const text = errors[field];
    return text === undefined ? [] : [{ id: idOf(field), text }];
  });
}

/**
 * Moves focus to the control of the first field with a problem (in `order`), so a screen
 * reader reads its label and message; says whether there was one, so the form stops there.
 */
export function focusFirstProblem<F extends string>(
  order: readonly F[],
  errors: Partial<Record<F, string>>,
  idOf: (field: F) => string,
): boolean {
  const first = order.find((field) => errors[field] !== undefined);
  if (first === undefined) return false;
  focusById(idOf(first));
  return true;
}

/**
 * The list of a form's problems, announced at once (`role="alert"`), each a link to its field,
 * for whoever wants to see everything before fixing it.
 */
export function ErrorSummary({ title, problems }: { title: string; problems: readonly Problem[] }): VNode | null {
  if (problems.length === 0) return null;
  return (
    <div class="alert alert--error" role="alert">
      <p>{title}</p>
      <ul>
        {problems.map((p) => (
          <li key={p.id + p.text}>
            <a
              href={`#${p.id}`}
              onClick={(event) => {
                event.preventDefault();
                focusById(p.id);
              }}
            >
              {p.text}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A form's submit button. While the form is busy it says so and is only `aria-disabled`, not
 * `disabled`, so focus stays on it and a screen reader hears the busy label; the form's submit
 * handler ignores a press meanwhile.
 */
export function SubmitButton({ busy, label, busyLabel }: { busy: boolean; label: string; busyLabel: string }): VNode {
  return (
    <div class="actions">
      <button type="submit" aria-disabled={busy ? "true" : undefined}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

/** Moves focus to the element with this id, if it is on the page. */
function focusById(id: string): void {
  const element = document.getElementById(id);
  if (element !== null) element.focus();
}
