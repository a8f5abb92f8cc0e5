/**
 * Mandates (kuasa): grant one to another citizen with a purpose, scopes and an end date, see
 * those given and received, withdraw one (effective on the holder's next request), and act
 * for someone who granted me one (the act-for sign-in).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, errorMessage, type Schemas } from "../lib/api.js";
import { ChoiceGroup, focusFirstProblem, inWords, TextField } from "../lib/fields.js";
import { formatDateTime, jakartaToday, parseCalendarDate } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { startActingFor } from "../lib/session.js";
import { endOfJakartaDay, MANDATE_STATUS_KEY, SCOPE_KEY } from "./model.js";
import { portalStrings, type PortalKey } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async, ErrorBox, Fact } from "./ui.js";

type Scope = Schemas["MandateScope"];

const SCOPES = Object.keys(SCOPE_KEY) as Scope[];

/** The last day a mandate may run to: a year from today (the gateway's limit). */
export function latestExpiry(today: string): string {
  const date = parseCalendarDate(today);
  if (date === null) return today;
  date.setUTCFullYear(date.getUTCFullYear() + 1);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

/** A default end date a month ahead. */
function monthAhead(today: string): string {
  const date = parseCalendarDate(today) ?? new Date();
  date.setUTCDate(date.getUTCDate() + 30);
  return date.toISOString().slice(0, 10);
}

export function MandatesPage(): JSX.Element {
  const t = useT(portalStrings);
  const subject = useSubject();
  const [notice, setNotice] = useState<string | null>(null);
  const { result, reload } = useAsync(() => call(api.GET("/v1/mandates", { params: { query: { nik: subject.nik } } })), `mandates:${subject.nik}`);
  const changed = (message: string) => {
    setNotice(message);
    reload();
  };
  return (
    <>
      <h1>{t("mandatesTitle")}</h1>
      <p>{t("mandatesIntro")}</p>
      <div role="status" aria-live="polite">
        {notice !== null && <p class="alert alert--success">{notice}</p>}
      </div>
      <Async result={result} onRetry={reload}>
        {(list) => (
          <>
            <MandateList title={t("mandatesGranted")} mandates={list.granted} direction="granted" onChanged={changed} />
            <MandateList title={t("mandatesReceived")} mandates={list.received} direction="received" onChanged={changed} />
          </>
        )}
      </Async>
      {!subject.acting && <GrantForm onGranted={() => changed(t("mandateGranted"))} />}
    </>
  );
}

function MandateList({
  title,
  mandates,
  direction,
  onChanged,
}: {
  title: string;
  mandates: Schemas["Mandate"][];
  direction: "granted" | "received";
  onChanged: (message: string) => void;
}): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const [error, setError] = useState<string | null>(null);
  const id = `mandates-${direction}`;

  const withdraw = async (mandate: Schemas["Mandate"]) => {
    setError(null);
    try {
      await call(api.DELETE("/v1/mandates/{mandate_id}", { params: { path: { mandate_id: mandate.id } } }));
      onChanged(t("mandateWithdrawn"));
    } catch (err) {
      setError(errorMessage(err, lang));
    }
  };

  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {error !== null && <ErrorBox message={error} />}
      {mandates.length === 0 ? (
        <p>{t("mandatesNone")}</p>
      ) : (
        <ul class="list-plain">
          {mandates.map((m) => {
            const other = direction === "granted" ? m.grantee_nik : m.grantor_nik;
            return (
              <li key={m.id}>
                <h3>{direction === "granted" ? t("mandateTo", { nik: other }) : t("mandateFrom", { nik: other })}</h3>
                <dl class="facts">
                  <Fact term={t("mandateStatus")}>
                    <span class="status-tag">{t(MANDATE_STATUS_KEY[m.status])}</span>
                  </Fact>
                  <Fact term={t("mandatePurpose")}>{m.purpose}</Fact>
                  <Fact term={t("mandateScopes")}>
                    {m.scopes.map((s) => (s in SCOPE_KEY ? t(SCOPE_KEY[s as Scope]) : s)).join(", ")}
                  </Fact>
                  <Fact term={t("mandateExpires")}>{formatDateTime(m.expires_at, lang)}</Fact>
                </dl>
                {m.status === "active" && direction === "granted" && (
                  <button type="button" class="button--secondary" onClick={() => void withdraw(m)}>
                    {t("mandateWithdraw", { nik: other })}
                  </button>
                )}
                {m.status === "active" && direction === "received" && !subject.acting && (
                  <button type="button" class="button--secondary" onClick={() => startActingFor(other, "/", lang)}>
                    {t("mandateActFor", { nik: other })}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

type GrantField = "grantee" | "purpose" | "scopes" | "expires";
const GRANT_FIELDS: readonly GrantField[] = ["grantee", "purpose", "scopes", "expires"];
const grantFieldId = (field: GrantField) => `mandate-${field}`;

function GrantForm({ onGranted }: { onGranted: () => void }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const today = jakartaToday(new Date());
  const latest = latestExpiry(today);
  const [grantee, setGrantee] = useState("");
  const [purpose, setPurpose] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["identity:read", "vehicles:read", "requests:read", "requests:write"]);
  const [expires, setExpires] = useState(monthAhead(today));
  const [errors, setErrors] = useState<Partial<Record<GrantField, PortalKey>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Partial<Record<GrantField, PortalKey>> = {};
    if (!/^\d{16}$/.test(grantee)) found.grantee = "mandateFieldNik";
    if (purpose.trim() === "") found.purpose = "fieldRequired";
    if (scopes.length === 0) found.scopes = "mandateScopesMissing";
    if (!(expires > today && expires <= latest)) found.expires = "mandateExpiresInvalid";
    setErrors(found);
    if (focusFirstProblem(GRANT_FIELDS, found, grantFieldId)) return;
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST("/v1/mandates", {
          body: { grantee_nik: grantee, purpose: purpose.trim(), scopes, expires_at: endOfJakartaDay(expires) },
        }),
      );
      setGrantee("");
      setPurpose("");
      onGranted();
    } catch (err) {
      setError(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  };

  const shown = inWords(errors, t);
  const toggle = (scope: Scope) =>
    setScopes((prev) => (prev.includes(scope) ? prev.filter((s) => s !== scope) : [...prev, scope]));

  return (
    <section class="card" aria-labelledby="mandate-new">
      <h2 id="mandate-new">{t("mandateNewTitle")}</h2>
      <form onSubmit={submit} noValidate>
        <TextField
          id={grantFieldId("grantee")}
          label={t("mandateGrantee")}
          hint={t("mandateGranteeHint")}
          error={shown.grantee}
          inputMode="numeric"
          maxLength={16}
          autoComplete="off"
          value={grantee}
          onInput={(value) => setGrantee(value.replace(/\s/g, ""))}
        />
        <TextField
          id={grantFieldId("purpose")}
          label={t("mandatePurpose")}
          hint={t("mandatePurposeHint")}
          error={shown.purpose}
          maxLength={200}
          value={purpose}
          onInput={setPurpose}
        />
        <ChoiceGroup id={grantFieldId("scopes")} legend={t("mandateScopesLegend")} error={shown.scopes}>
          {SCOPES.map((scope) => (
            <label class="choice" key={scope}>
              <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />
              {t(SCOPE_KEY[scope])}
            </label>
          ))}
        </ChoiceGroup>
        <TextField
          id={grantFieldId("expires")}
          type="date"
          label={t("mandateExpiresLabel")}
          hint={t("mandateExpiresHint")}
          error={shown.expires}
          min={today}
          max={latest}
          value={expires}
          onInput={setExpires}
        />
        {error !== null && <ErrorBox message={error} />}
        <button type="submit" disabled={busy}>
          {busy ? t("submitting") : t("mandateGrant")}
        </button>
      </form>
    </section>
  );
}
