/**
 * The citizen's service requests, newest first, a page at a time (the API's cursor), each with
 * its status and its deadline: the last working day and the standard's number of working
 * days, marked when it has passed and the request is still open.
 */
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, call, errorMessage } from "../lib/api.js";
import type { Lang, Translate } from "../lib/i18n.js";
import { formatDate, formatDateTime, formatRupiah, jakartaToday } from "../lib/format.js";
import { deadlineState, statusKey, type DeadlineState } from "./format.js";
import { serviceName, type ServiceRequest, type ServiceView } from "./ServiceRequestForm.js";
import type { CounterKey } from "./strings.js";

const PAGE = 10;

const STATE_KEYS: Readonly<Record<Exclude<DeadlineState, "open">, CounterKey>> = {
  late: "deadlineLate",
  today: "deadlineToday",
  done: "deadlineDone",
};

function Deadline({ request, services, t, lang, today }: { request: ServiceRequest; services: readonly ServiceView[]; t: Translate<CounterKey>; lang: Lang; today: string }): VNode {
  const days = services.find((s) => s.code === request.service)?.working_days;
  const date = formatDate(request.sla_deadline, lang, { weekday: true });
  const state = deadlineState(request.sla_deadline, request.status, today);
  return (
    <>
      {days === undefined ? t("deadlineDate", { date }) : t("deadlineWorkingDays", { date, days })}
      {state !== "open" && state !== "done" && (
        <>
          {" "}
          <span class="status-tag">{t(STATE_KEYS[state])}</span>
        </>
      )}
    </>
  );
}

export function RequestList({
  nik,
  name,
  purpose,
  services,
  filed,
  t,
  lang,
  announce,
  onSignedOut,
}: {
  nik: string;
  name: string;
  purpose: string;
  services: readonly ServiceView[];
  /** Requests filed at the desk since the lookup, newest first, shown before the pages read. */
  filed: readonly ServiceRequest[];
  t: Translate<CounterKey>;
  lang: Lang;
  announce: (message: string) => void;
  onSignedOut: () => void;
}): VNode {
  const [items, setItems] = useState<ServiceRequest[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  const load = async (from: string | null, replace: boolean, tell = true) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const page = await call(
        api.GET("/v1/service-requests", {
          params: { query: { nik, limit: PAGE, cursor: from }, header: { "x-purpose": purpose } },
        }),
      );
      const next = replace ? page.items : [...items, ...page.items];
      setItems(next);
      setCursor(page.next_cursor);
      setLoaded(true);
      if (tell) announce(t("listLoaded", { count: next.length }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onSignedOut();
      setFailure(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  };

  // A new lookup (another citizen or purpose) starts the list again; the first page is not
  // announced, the lookup's own announcement covers it.
  useEffect(() => {
    setItems([]);
    setCursor(null);
    setLoaded(false);
    void load(null, true, false);
  }, [nik, purpose]);

  const known = new Set(items.map((r) => r.id));
  const shown = [...filed.filter((r) => !known.has(r.id)), ...items];
  const today = jakartaToday(new Date());

  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">{t("listHeading")}</h2>
      {failure !== undefined && (
        <p class="alert alert--error" role="alert">
          {failure}
        </p>
      )}
      {loaded && shown.length === 0 && <p>{t("listEmpty")}</p>}
      {shown.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="requests-caption" tabIndex={0}>
          <table>
            <caption id="requests-caption">{t("listCaption", { name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("listServiceCol")}</th>
                <th scope="col">{t("listSubmittedCol")}</th>
                <th scope="col">{t("listStatusCol")}</th>
                <th scope="col">{t("listDeadlineCol")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    {serviceName(r.service, services, lang)}
                    <br />
                    <span class="muted code">{r.id.slice(0, 8)}</span>
                  </th>
                  <td>{formatDateTime(r.submitted_at, lang)}</td>
                  <td>
                    {t(statusKey(r.status))}
                    {r.payment !== null && (
                      <>
                        <br />
                        {t("paymentTerm")}: <span class="code">{r.payment.payment_code}</span>, {formatRupiah(r.payment.amount, lang)}
                      </>
                    )}
                  </td>
                  <td>
                    <Deadline request={r} services={services} t={t} lang={lang} today={today} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="actions">
        {cursor !== null && (
          <button type="button" class="button--secondary" aria-disabled={busy ? "true" : undefined} onClick={() => !busy && void load(cursor, false)}>
            {t("listMore")}
          </button>
        )}
        <button type="button" class="button--secondary" aria-disabled={busy ? "true" : undefined} onClick={() => !busy && void load(null, true)}>
          {t("listRefresh")}
        </button>
      </div>
    </section>
  );
}
