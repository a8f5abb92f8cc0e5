/**
 * Complaints: my list, the form to file one (any agency is a right door; the gateway routes
 * it), and one complaint followed through its stages to the agency's answer.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, errorMessage, idempotencyKey, type Schemas } from "../lib/api.js";
import { agencyName } from "../lib/agencies.js";
import { focusFirstProblem, inWords, SelectField, TextAreaField, TextField } from "../lib/fields.js";
import { formatDateTime } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { Link, navigate, useLocation } from "../lib/router.js";
import { COMPLAINT_STATUS_KEY, HISTORY_KIND_KEY } from "./model.js";
import { portalStrings, type PortalKey } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async, Deadline, ErrorBox, Fact } from "./ui.js";

/** How often an open complaint is read again while its page is open. */
const POLL_MS = 5000;

export function ComplaintsPage(): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/complaints", { params: { query: { nik: subject.nik, limit: 50 } } })),
    `complaints:${subject.nik}`,
  );
  return (
    <>
      <h1>{t("complaintsTitle")}</h1>
      <p>
        <Link class="button" href="/pengaduan/baru">
          {t("complaintNew")}
        </Link>
      </p>
      <Async result={result} onRetry={reload}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("complaintsNone")}</p>
          ) : (
            <ul class="list-plain">
              {page.items.map((c) => (
                <li key={c.id}>
                  <Link href={`/pengaduan/${encodeURIComponent(c.id)}`}>{c.subject}</Link>{" "}
                  <span class="status-tag">{t(COMPLAINT_STATUS_KEY[c.status])}</span>
                  <br />
                  <span class="muted">
                    {t("complaintFiledOn", { date: formatDateTime(c.filed_at, lang) })} · {agencyName(c.agency, lang)}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </>
  );
}

type ComplaintField = "subject" | "description";
const COMPLAINT_FIELDS: readonly ComplaintField[] = ["subject", "description"];
const complaintFieldId = (field: ComplaintField) => `complaint-${field}`;

export function NewComplaintPage(): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const { query } = useLocation();
  const requestId = query.get("permohonan");
  const services = useAsync(() => call(api.GET("/v1/services", {})), "services");
  const [subjectText, setSubjectText] = useState("");
  const [description, setDescription] = useState("");
  const [service, setService] = useState("");
  const [errors, setErrors] = useState<Partial<Record<ComplaintField, PortalKey>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Partial<Record<ComplaintField, PortalKey>> = {};
    if (subjectText.trim() === "") found.subject = "fieldRequired";
    if (description.trim() === "") found.description = "fieldRequired";
    setErrors(found);
    if (focusFirstProblem(COMPLAINT_FIELDS, found, complaintFieldId)) return;
    setBusy(true);
    setError(null);
    try {
      const created = await call(
        api.POST("/v1/complaints", {
          params: { header: { "idempotency-key": key } },
          body: {
            nik: subject.nik,
            subject: subjectText.trim(),
            description: description.trim(),
            ...(service === "" ? {} : { service }),
            ...(requestId === null ? {} : { service_request_id: requestId }),
          },
        }),
      );
      navigate(`/pengaduan/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setError(errorMessage(err, lang));
      setBusy(false);
    }
  };

  const shown = inWords(errors, t);
  const serviceItems: Schemas["ServiceView"][] = services.result.state === "ready" ? services.result.data.items : [];

  return (
    <>
      <h1>{t("complaintNewTitle")}</h1>
      {requestId !== null && <p class="muted">{t("complaintRequest", { id: requestId })}</p>}
      <form onSubmit={submit} noValidate>
        <TextField
          id={complaintFieldId("subject")}
          label={t("complaintSubject")}
          error={shown.subject}
          required
          maxLength={200}
          value={subjectText}
          onInput={setSubjectText}
        />
        <TextAreaField
          id={complaintFieldId("description")}
          label={t("complaintDescription")}
          hint={t("complaintDescriptionHint")}
          error={shown.description}
          required
          value={description}
          onInput={setDescription}
        />
        {requestId === null && (
          <SelectField id="complaint-service" label={t("complaintService")} value={service} onChange={setService}>
            <option value="">{t("complaintServiceNone")}</option>
            {serviceItems.map((s) => (
              <option key={s.code} value={s.code}>
                {lang === "id" ? s.name_id : s.name_en}
              </option>
            ))}
          </SelectField>
        )}
        {error !== null && <ErrorBox message={error} />}
        <button type="submit" disabled={busy}>
          {busy ? t("submitting") : t("complaintSubmit")}
        </button>
      </form>
    </>
  );
}

export function ComplaintPage({ id }: { id: string }): JSX.Element {
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/complaints/{complaint_id}", { params: { path: { complaint_id: id } } })),
    `complaint:${id}`,
    { pollMs: POLL_MS, keepPolling: (c) => c.status !== "resolved" },
  );
  return (
    <Async result={result} onRetry={reload}>
      {(complaint) => <ComplaintView complaint={complaint} />}
    </Async>
  );
}

function ComplaintView({ complaint }: { complaint: Schemas["Complaint"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  return (
    <>
      <h1>{t("complaintTitle", { subject: complaint.subject })}</h1>
      <p role="status" aria-live="polite" aria-atomic="true" class="alert alert--info">
        {t("complaintStatus")}: {t(COMPLAINT_STATUS_KEY[complaint.status])}
      </p>
      {complaint.overdue && <p class="alert alert--warning">{t("complaintOverdue")}</p>}
      <dl class="facts">
        <Fact term={t("complaintAgency")}>{agencyName(complaint.agency, lang)}</Fact>
        <Fact term={t("complaintRouting")}>{complaint.routing.reason}</Fact>
        {complaint.agency_reference !== null && (
          <Fact term={t("complaintTicket")}>
            <span class="code">{complaint.agency_reference}</span>
          </Fact>
        )}
        {complaint.deadline !== null && <Fact term={t("complaintDeadline")}><Deadline date={complaint.deadline} /></Fact>}
        <Fact term={t("submittedAt")}>{formatDateTime(complaint.filed_at, lang)}</Fact>
      </dl>
      <section class="card" aria-labelledby="answer-title">
        <h2 id="answer-title">{t("complaintAnswer")}</h2>
        {complaint.answer === null ? (
          <p>{t("complaintNoAnswer")}</p>
        ) : (
          <>
            <p>{complaint.answer}</p>
            {complaint.resolved_at !== null && <p class="muted">{formatDateTime(complaint.resolved_at, lang)}</p>}
          </>
        )}
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">{t("complaintHistory")}</h2>
        <ol class="steps">
          {complaint.history.map((entry, index) => (
            <li key={`${entry.at}-${index}`}>
              <strong>{t(HISTORY_KIND_KEY[entry.kind])}</strong> — {formatDateTime(entry.at, lang)}
              {entry.agency !== null && <> · {agencyName(entry.agency, lang)}</>}
              <br />
              <span class="muted">{entry.message}</span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
