/** My service requests, newest first, each linking to its own page. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, errorMessage, type Schemas } from "../lib/api.js";
import { formatDateTime } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { Link } from "../lib/router.js";
import { REQUEST_STATUS_KEY, SERVICE_KEY } from "./model.js";
import { portalStrings } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async, ErrorBox } from "./ui.js";

type Page = Schemas["ServiceRequestPage"];

function fetchPage(nik: string, cursor?: string): Promise<Page> {
  return call(api.GET("/v1/service-requests", { params: { query: { nik, limit: 20, ...(cursor === undefined ? {} : { cursor }) } } }));
}

export function RequestsPage(): JSX.Element {
  const t = useT(portalStrings);
  const subject = useSubject();
  const { result, reload, setData } = useAsync(() => fetchPage(subject.nik), `requests:${subject.nik}`);
  return (
    <>
      <h1>{t("requestsTitle")}</h1>
      <Async result={result} onRetry={reload}>
        {(page) => <RequestList page={page} onMore={setData} />}
      </Async>
    </>
  );
}

function RequestList({ page, onMore }: { page: Page; onMore: (page: Page) => void }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const [error, setError] = useState<string | null>(null);
  const more = async () => {
    if (page.next_cursor === null) return;
    try {
      const next = await fetchPage(subject.nik, page.next_cursor);
      onMore({ items: [...page.items, ...next.items], next_cursor: next.next_cursor });
    } catch (err) {
      setError(errorMessage(err, lang));
    }
  };
  if (page.items.length === 0) return <p>{t("requestsNone")}</p>;
  return (
    <>
      <ul class="list-plain">
        {page.items.map((r) => (
          <li key={r.id}>
            <Link href={`/permohonan/${encodeURIComponent(r.id)}`}>{t(SERVICE_KEY[r.service])}</Link>{" "}
            <span class="status-tag">{t(REQUEST_STATUS_KEY[r.status])}</span>
            <br />
            <span class="muted">{t("requestSubmittedOn", { date: formatDateTime(r.submitted_at, lang) })}</span>
          </li>
        ))}
      </ul>
      {error !== null && <ErrorBox message={error} />}
      {page.next_cursor !== null && (
        <button type="button" class="button--secondary" onClick={more}>
          {t("requestMore")}
        </button>
      )}
    </>
  );
}
