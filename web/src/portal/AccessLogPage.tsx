/**
 * Who read my data and why: the gateway's access log for the subject, newest first, naming
 * who acted for whom ("ibu Anda, bertindak untuk Anda") and refused attempts too.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, type Schemas } from "../lib/api.js";
import { formatDateTime } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT, type Lang } from "../lib/i18n.js";
import { outcomeLabel, releasedText } from "./model.js";
import { portalStrings } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async } from "./ui.js";

const PAGE_SIZE = 20;

/** Who did it, as the citizen reads it: the app, and on whose behalf when someone acted. */
export function actorText(entry: Schemas["AccessLogEntry"], lang: Lang, actingForYou: (nik: string) => string): string {
  const app = entry.client_name ?? entry.client_id;
  if (entry.acting_for_you != null) {
    const who = lang === "id" ? entry.acting_for_you.summary_id : entry.acting_for_you.summary;
    return `${who} (${app})`;
  }
  if (entry.acting_for != null) return `${actingForYou(entry.acting_for.nik)} (${app})`;
  return app;
}

export function AccessLogPage(): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const [page, setPage] = useState(1);
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/citizens/{nik}/access-log", { params: { path: { nik: subject.nik }, query: { page, page_size: PAGE_SIZE } } })),
    `access:${subject.nik}:${page}`,
  );
  return (
    <>
      <h1>{t("accessTitle")}</h1>
      <p>{t("accessIntro")}</p>
      <Async result={result} onRetry={reload}>
        {(log) =>
          log.items.length === 0 ? (
            <p>{t("accessNone")}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <caption>{t("accessCaption", { name: subject.name })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("accessWhen")}</th>
                      <th scope="col">{t("accessWho")}</th>
                      <th scope="col">{t("accessWhy")}</th>
                      <th scope="col">{t("accessWhat")}</th>
                      <th scope="col">{t("accessOutcome")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {log.items.map((entry) => (
                      <tr key={entry.request_id + entry.occurred_at + entry.operation}>
                        <td>{formatDateTime(entry.occurred_at, lang)}</td>
                        <td>{actorText(entry, lang, (nik) => t("accessActingFor", { nik }))}</td>
                        <td>{entry.purpose ?? t("accessNoPurpose")}</td>
                        <td>{entry.released.length > 0 ? releasedText(entry.released, t) : t("none")}</td>
                        <td>{outcomeLabel(entry.outcome, t)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {log.total_pages > 1 && (
                <nav class="actions" aria-label={t("accessPage", { page: log.page, pages: log.total_pages })}>
                  <button type="button" class="button--secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                    {t("accessPrev")}
                  </button>
                  <span aria-live="polite">{t("accessPage", { page: log.page, pages: log.total_pages })}</span>
                  <button type="button" class="button--secondary" disabled={page >= log.total_pages} onClick={() => setPage(page + 1)}>
                    {t("accessNext")}
                  </button>
                </nav>
              )}
            </>
          )
        }
      </Async>
    </>
  );
}
