/**
 * Starting a service request for the citizen at the desk. The officer picks a service from
 * the public catalogue (with its standard time in working days), fills its form, and submits
 * once: the form's `Idempotency-Key` stays the same until the form changes, so a double click
 * or a retry files one request. The answer shows the request's number, status and deadline.
 */
import type { VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError, call, errorMessage, idempotencyKey, type Schemas } from "../lib/api.js";
import type { Lang, Translate } from "../lib/i18n.js";
import { SubmissionKeys } from "./drafts.js";
import { ErrorSummary, focusFirstProblem, problemsInOrder, SelectField, SubmitButton, TextField } from "../lib/fields.js";
import { formatDate, formatDateTime, formatRupiah } from "../lib/format.js";
import { statusKey } from "./format.js";
import { formFieldOf, problemText } from "./lookup.js";
import {
  buildSubmission,
  isFormService,
  SERVICE_FORMS,
  type FormService,
  type FormValues,
  type ServiceField,
} from "./serviceForms.js";
import type { CounterKey } from "./strings.js";

const ID = "request";
const OTHER_PLATE = "__other__";
const ALL_FIELDS: readonly ServiceField[] = ["plate_number", "street", "rt", "rw", "village_code", "business_name", "kbli"];
/** The form's controls in the order they are shown: the service first, then its fields. */
const FORM_ORDER: readonly (ServiceField | "service")[] = ["service", ...ALL_FIELDS];

export type ServiceRequest = Schemas["ServiceRequest"];
export type ServiceView = Schemas["ServiceView"];

/** The service's name in the officer's language. */
export function serviceName(code: string, services: readonly ServiceView[], lang: Lang): string {
  const found = services.find((s) => s.code === code);
  if (found === undefined) return code;
  return lang === "id" ? found.name_id : found.name_en;
}

function fieldId(field: ServiceField | "service"): string {
  return `${ID}-${field.replace(/_/g, "-")}`;
}

function PlateField({
  plates,
  value,
  error,
  onInput,
  t,
}: {
  plates: readonly string[];
  value: string;
  error: string | undefined;
  onInput: (value: string) => void;
  t: Translate<CounterKey>;
}): VNode {
  const [other, setOther] = useState(plates.length === 0);
  if (other || plates.length === 0) {
    return (
      <>
        {plates.length > 0 && (
          <p>
            <button
              type="button"
              class="button--secondary"
              onClick={() => {
                setOther(false);
                onInput(plates[0] ?? "");
              }}
            >
              {t("plateFromList")}
            </button>
          </p>
        )}
        <TextField
          id={fieldId("plate_number")}
          label={plates.length > 0 ? t("plateOtherLabel") : t("plateLabel")}
          hint={t("plateHint")}
          error={error}
          required
          autoComplete="off"
          maxLength={24}
          value={value}
          onInput={onInput}
        />
      </>
    );
  }
  return (
    <SelectField
      id={fieldId("plate_number")}
      label={t("plateLabel")}
      error={error}
      required
      value={plates.includes(value) ? value : ""}
      onChange={(chosen) => {
        if (chosen === OTHER_PLATE) {
          setOther(true);
          onInput("");
        } else onInput(chosen);
      }}
    >
      {plates.map((p) => (
        <option key={p} value={p}>
          {p}
        </option>
      ))}
      <option value={OTHER_PLATE}>{t("plateOther")}</option>
    </SelectField>
  );
}

function Result({ request, services, t, lang }: { request: ServiceRequest; services: readonly ServiceView[]; t: Translate<CounterKey>; lang: Lang }): VNode {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [request.id]);
  const days = services.find((s) => s.code === request.service)?.working_days;
  const deadline = formatDate(request.sla_deadline, lang, { weekday: true });
  return (
    <div class="alert alert--success" aria-labelledby={`${ID}-result`} role="group">
      <h3 id={`${ID}-result`} tabIndex={-1} ref={heading}>
        {t("requestAccepted", { service: serviceName(request.service, services, lang) })}
      </h3>
      <dl class="facts">
        <dt>{t("requestNumber")}</dt>
        <dd class="code">{request.id}</dd>
        <dt>{t("requestStatusTerm")}</dt>
        <dd>{t(statusKey(request.status))}</dd>
        <dt>{t("requestDeadlineTerm")}</dt>
        <dd>{days === undefined ? t("deadlineDate", { date: deadline }) : t("deadlineWorkingDays", { date: deadline, days })}</dd>
        {request.payment !== null && (
          <>
            <dt>{t("paymentTerm")}</dt>
            <dd>
              {t("paymentLine", {
                code: request.payment.payment_code,
                amount: formatRupiah(request.payment.amount, lang),
                until: formatDateTime(request.payment.valid_until, lang),
              })}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

export function ServiceRequestForm({
  nik,
  name,
  purpose,
  plates,
  services,
  servicesError,
  t,
  lang,
  onFiled,
  onSignedOut,
}: {
  nik: string;
  name: string;
  purpose: string;
  plates: readonly string[];
  services: readonly ServiceView[];
  servicesError: string | undefined;
  t: Translate<CounterKey>;
  lang: Lang;
  onFiled: (request: ServiceRequest) => void;
  onSignedOut: () => void;
}): VNode {
  const offered = useMemo(() => services.filter((s) => s.online && isFormService(s.code)), [services]);
  const [service, setService] = useState<FormService | "">("");
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Partial<Record<ServiceField | "service", string>>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<ServiceRequest | undefined>(undefined);
  const keys = useRef(new SubmissionKeys(idempotencyKey));
  const inFlight = useRef(false);

  const chooseService = (code: string) => {
    const next = isFormService(code) ? code : "";
    setService(next);
    setErrors({});
    setFailure(undefined);
    setValues(next === "vehicle-tax-renewal" && plates.length > 0 ? { plate_number: plates[0] } : {});
  };

  const showErrors = (found: Partial<Record<ServiceField | "service", string>>) => {
    setErrors(found);
    focusFirstProblem(FORM_ORDER, found, fieldId);
  };

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (inFlight.current) return;
    setFailure(undefined);
    if (service === "") {
      showErrors({ service: t("serviceRequired") });
      return;
    }
    const checked = buildSubmission(service, nik, values);
    if (!checked.ok) {
      const found: Partial<Record<ServiceField, string>> = {};
      for (const problem of checked.errors) found[problem.field] ??= problemText(problem, t);
      showErrors(found);
      return;
    }
    setErrors({});
    inFlight.current = true;
    setBusy(true);
    try {
      const request = await call(
        api.POST("/v1/service-requests", {
          body: checked.value,
          params: { header: { "x-purpose": purpose, "idempotency-key": keys.current.keyFor(checked.value) } },
        }),
      );
      keys.current.settled();
      setFiled(request);
      setService("");
      setValues({});
      onFiled(request);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onSignedOut();
      const byField: Partial<Record<ServiceField, string>> = {};
      if (err instanceof ApiError) {
        const specs = SERVICE_FORMS[service];
        for (const { field, message } of err.problem?.errors ?? []) {
          if (field === undefined || message === undefined) continue;
          const name = formFieldOf(field, ALL_FIELDS);
          const spec = specs.find((f) => f.name === name);
          if (spec !== undefined) byField[spec.name] ??= t("serverFieldError", { field: t(spec.label), message });
        }
      }
      if (Object.keys(byField).length > 0) showErrors(byField);
      else setFailure(errorMessage(err, lang));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const chosen = offered.find((s) => s.code === service);
  const summary = problemsInOrder(FORM_ORDER, errors, fieldId);

  return (
    <section aria-labelledby={`${ID}-heading`}>
      <h2 id={`${ID}-heading`}>{t("requestHeading")}</h2>
      <p>{t("requestIntro", { name })}</p>
      {filed !== undefined && <Result request={filed} services={services} t={t} lang={lang} />}
      {servicesError !== undefined && (
        <p class="alert alert--error" role="alert">
          {t("servicesUnavailable", { message: servicesError })}
        </p>
      )}
      <form noValidate onSubmit={onSubmit} class="card">
        <ErrorSummary title={t("errorSummary")} problems={summary} />
        <SelectField
          id={fieldId("service")}
          label={t("serviceLabel")}
          hint={chosen === undefined ? undefined : t("serviceStandard", { days: chosen.working_days, fee: chosen.fee })}
          error={errors.service}
          required
          value={service}
          onChange={chooseService}
        >
          <option value="">{t("serviceChoose")}</option>
          {offered.map((s) => (
            <option key={s.code} value={s.code}>
              {lang === "id" ? s.name_id : s.name_en}
            </option>
          ))}
        </SelectField>
        {service !== "" &&
          SERVICE_FORMS[service].map((spec) =>
            spec.name === "plate_number" ? (
              <PlateField
                key={`${service}-${spec.name}`}
                plates={plates}
                value={values.plate_number ?? ""}
                error={errors.plate_number}
                onInput={(plate_number) => setValues({ ...values, plate_number })}
                t={t}
              />
            ) : (
              <TextField
                key={`${service}-${spec.name}`}
                id={fieldId(spec.name)}
                label={t(spec.label)}
                hint={spec.hint === undefined ? undefined : t(spec.hint)}
                error={errors[spec.name]}
                required
                inputMode={spec.inputMode}
                autoComplete={spec.autoComplete}
                value={values[spec.name] ?? ""}
                onInput={(value) => setValues({ ...values, [spec.name]: value })}
              />
            ),
          )}
        {failure !== undefined && (
          <p class="alert alert--error" role="alert">
            {failure}
          </p>
        )}
        <SubmitButton busy={busy} label={t("submitRequest")} busyLabel={t("submitBusy")} />
      </form>
    </section>
  );
}

