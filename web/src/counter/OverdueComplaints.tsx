/**
 * The complaints the counter's agency holds whose current stage ran past its deadline, with
 * both stage deadlines, a page at a time. The gateway picks the late ones (`overdue=true`), so
 * only they are read and only they enter citizens' access logs. Listing complaints uses
 * citizens' data (each one shown is recorded in that citizen's access log), so the officer
 * states a purpose here too, and nothing is read until they ask.
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, call, errorMessage, type Schemas } from "../lib/api.js";
import type { Lang, Translate } from "../lib/i18n.js";
import { ErrorSummary, focusFirstProblem, problemsInOrder, SubmitButton } from "../lib/fields.js";
import { formatDate, formatDateTime } from "../lib/format.js";
import { stageKey } from "./format.js";
import { composePurpose, problemText, type PurposeDraft, type PurposeField } from "./lookup.js";
import { PurposeFields, purposeFieldId } from "./PurposeFields.js";
import { agencyName } from "./sources.js";
import type { CounterKey } from "./strings.js";

type Complaint = Schemas["Complaint"];

const ID = "overdue";
const PAGE_SIZE = 20;
const PURPOSE_FIELDS: readonly PurposeField[] = ["purpose", "purposeOther", "queue"];
const fieldId = (field: PurposeField) => purposeFieldId(ID, field);

/** Both stage deadlines, the one the complaint is in now in bold. */
function StageDeadlines({ complaint, t, lang }: { complaint: Complaint; t: Translate<CounterKey>; lang: Lang }): VNode {
  const { verification, follow_up } = complaint.stage_deadlines;
  const handOver = t("stageDeadlineVerification", { date: formatDate(verification, lang, { weekday: true }) });
  const answer = follow_up === null ? undefined : t("stageDeadlineFollowUp", { date: formatDate(follow_up, lang, { weekday: true }) });
  const inVerification = complaint.status === "verified";
  return (
    <>
      {inVerification ? <strong>{handOver}</strong> : handOver}
      {answer !== undefined && (
        <>
          <br />
          {inVerification ? answer : <strong>{answer}</strong>}
        </>
      )}
    </>
  );
}

export function OverdueComplaints({
  agency,
  t,
  lang,
  announce,
  onSignedOut,
}: {
  agency: string;
  t: Translate<CounterKey>;
  lang: Lang;
  announce: (message: string) => void;
  onSignedOut: () => void;
}): VNode {
  const [draft, setDraft] = useState<PurposeDraft>({ choice: "purposeOverdue", other: "", queue: "" });
  const [errors, setErrors] = useState<Partial<Record<PurposeField, string>>>({});
  const [found, setFound] = useState<Complaint[] | undefined>(undefined);
  /** Where the next page starts; null once the last page is read. */
  const [cursor, setCursor] = useState<string | null>(null);
  const [purpose, setPurpose] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const inFlight = useRef(false);
  const results = useRef<HTMLElement>(null);
  /** Counts fresh reads (not "load more"); each one moves focus to what it found. */
  const [freshReads, setFreshReads] = useState(0);
  const name = agencyName(agency, t);

  useEffect(() => {
    if (freshReads > 0) results.current?.focus();
  }, [freshReads]);
  const keepResults = (element: HTMLElement | null) => {
    results.current = element;
  };

  const read = async (from: string | null, stated: string, before: Complaint[]) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setFailure(undefined);
    try {
      const page = await call(
        api.GET("/v1/complaints", {
          params: { query: { agency, overdue: true, cursor: from, limit: PAGE_SIZE }, header: { "x-purpose": stated } },
        }),
      );
      const seen = new Set(before.map((c) => c.id));
      const all = [...before, ...page.items.filter((c) => !seen.has(c.id))];
      setFound(all);
      setCursor(page.next_cursor);
      setPurpose(stated);
      announce(all.length === 0 ? t("overdueEmpty", { agency: name }) : t("overdueFound", { count: all.length }));
      if (before.length === 0) setFreshReads((n) => n + 1);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onSignedOut();
      setFailure(errorMessage(err, lang));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const onSubmit = (event: Event) => {
    event.preventDefault();
    const checked = composePurpose(draft, t);
    if (!checked.ok) {
      const byField: Partial<Record<PurposeField, string>> = {};
      for (const problem of checked.errors) byField[problem.field] ??= problemText(problem, t);
      setErrors(byField);
      focusFirstProblem(PURPOSE_FIELDS, byField, fieldId);
      return;
    }
    setErrors({});
    void read(null, checked.value, []);
  };

  const summary = problemsInOrder(PURPOSE_FIELDS, errors, fieldId);

  return (
    <section aria-labelledby={`${ID}-heading`}>
      <h2 id={`${ID}-heading`} tabIndex={-1}>
        {t("overdueHeading")}
      </h2>
      <p>{t("overdueIntro", { agency: name })}</p>
      <form noValidate onSubmit={onSubmit} class="card">
        <ErrorSummary title={t("errorSummary")} problems={summary} />
        <PurposeFields idPrefix={ID} draft={draft} onChange={setDraft} errors={errors} t={t} />
        <SubmitButton busy={busy} label={t("overdueShow")} busyLabel={t("overdueBusy")} />
      </form>
      {failure !== undefined && (
        <p class="alert alert--error" role="alert">
          {failure}
        </p>
      )}
      {found !== undefined && (
        <div>
          {found.length === 0 ? (
            <p tabIndex={-1} ref={keepResults}>
              {t("overdueEmpty", { agency: name })}
            </p>
          ) : (
            <div
              class="table-wrap"
              role="region"
              aria-labelledby={`${ID}-caption`}
              tabIndex={0}
              ref={keepResults}
            >
              <table>
                <caption id={`${ID}-caption`}>{t("overdueCaption", { agency: name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("complaintSubjectCol")}</th>
                    <th scope="col">{t("complaintCitizenCol")}</th>
                    <th scope="col">{t("complaintFiledCol")}</th>
                    <th scope="col">{t("complaintStageCol")}</th>
                    <th scope="col">{t("complaintDeadlineCol")}</th>
                  </tr>
                </thead>
                <tbody>
                  {found.map((c) => (
                    <tr key={c.id}>
                      <th scope="row">
                        {c.subject}
                        {c.agency_reference !== null && (
                          <>
                            <br />
                            <span class="muted">{t("ticket", { ticket: c.agency_reference })}</span>
                          </>
                        )}
                      </th>
                      <td>{c.nik}</td>
                      <td>{formatDateTime(c.filed_at, lang)}</td>
                      <td>
                        {t(stageKey(c.status))} <span class="status-tag">{t("deadlineLate")}</span>
                      </td>
                      <td>
                        <StageDeadlines complaint={c} t={t} lang={lang} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {cursor !== null ? (
            <div class="actions">
              <button
                type="button"
                class="button--secondary"
                aria-disabled={busy ? "true" : undefined}
                onClick={() => void read(cursor, purpose, found)}
              >
                {t("overdueMore")}
              </button>
            </div>
          ) : (
            found.length > 0 && <p class="muted">{t("overdueEnd")}</p>
          )}
        </div>
      )}
    </section>
  );
}
