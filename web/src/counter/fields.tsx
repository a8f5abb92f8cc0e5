/**
 * Form controls that are labelled, hinted and report their error the same way everywhere in
 * the console: the label names the field, the hint and the error are tied to the control with
 * `aria-describedby`, and an invalid control says so with `aria-invalid`, so a screen reader
 * reads the message when the control gets focus.
 */
import type { ComponentChildren, VNode } from "preact";

interface Common {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  required?: boolean;
}

function describedBy(id: string, hint: string | undefined, error: string | undefined): string | undefined {
  const ids = [hint === undefined ? "" : `${id}-hint`, error === undefined ? "" : `${id}-error`].filter((s) => s !== "");
  return ids.length === 0 ? undefined : ids.join(" ");
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

export function TextField(
  props: Common & {
    value: string;
    onInput: (value: string) => void;
    inputMode?: "text" | "numeric" | "decimal" | undefined;
    autoComplete?: string | undefined;
    maxLength?: number;
  },
): VNode {
  const { id, label, hint, error, value, onInput, inputMode, autoComplete, maxLength, required } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <Notes id={id} hint={hint} error={error} />
      <input
        id={id}
        name={id}
        type="text"
        value={value}
        inputMode={inputMode}
        autoComplete={autoComplete}
        maxLength={maxLength}
        aria-required={required === true ? "true" : undefined}
        aria-invalid={error === undefined ? undefined : "true"}
        aria-describedby={describedBy(id, hint, error)}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
    </div>
  );
}

export function SelectField(
  props: Common & { value: string; onChange: (value: string) => void; children: ComponentChildren },
): VNode {
  const { id, label, hint, error, value, onChange, children, required } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <Notes id={id} hint={hint} error={error} />
      <select
        id={id}
        name={id}
        value={value}
        aria-required={required === true ? "true" : undefined}
        aria-invalid={error === undefined ? undefined : "true"}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        {children}
      </select>
    </div>
  );
}

/**
 * The list of a form's problems, announced at once (`role="alert"`), each a link to its field,
 * for the officer who wants to see everything before fixing it.
 */
export function ErrorSummary({ title, problems }: { title: string; problems: readonly { id: string; text: string }[] }): VNode | null {
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
export function focusById(id: string): void {
  const element = document.getElementById(id);
  if (element !== null) element.focus();
}
