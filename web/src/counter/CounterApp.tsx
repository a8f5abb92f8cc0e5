/**
 * The MPP counter console, the officer's side of the web app. Signed out, it says what it is
 * and offers the officer sign-in; signed in as an officer of a counter, it shows the counter
 * and two sections: the citizen desk (`/counter`) and the agency's overdue complaints
 * (`/counter/pengaduan`). Results arriving later are announced in one polite live region, and
 * a move between sections puts focus on the new section's heading.
 */
import type { VNode } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useLang, useT } from "../lib/i18n.js";
import { Link, useLocation } from "../lib/router.js";
import { loginUrl, useSession } from "../lib/session.js";
import { CitizenDesk, type DeskState } from "./CitizenDesk.js";
import { OverdueComplaints } from "./OverdueComplaints.js";
import { agencyName } from "./sources.js";
import { counterStrings } from "./strings.js";

export const COUNTER_HOME = "/counter";
export const COMPLAINTS_PATH = "/counter/pengaduan";

type View = "desk" | "complaints";

function viewOf(path: string): View {
  return path === COMPLAINTS_PATH || path === `${COMPLAINTS_PATH}/` ? "complaints" : "desk";
}

/** A polite live region and the function that puts a message in it (cleared first, so the
 * same message twice is read twice). */
function useAnnouncer(): [string, (message: string) => void] {
  const [message, setMessage] = useState("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const announce = useCallback((next: string) => {
    setMessage("");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setMessage(next), 50);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);
  return [message, announce];
}

export function CounterApp(): VNode {
  const t = useT(counterStrings);
  const { lang } = useLang();
  const { session, refresh } = useSession();
  const { path } = useLocation();
  const [desk, setDesk] = useState<DeskState | undefined>(undefined);
  const [message, announce] = useAnnouncer();
  const view = viewOf(path);
  const firstView = useRef(true);

  useEffect(() => {
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    const heading = document.getElementById(view === "desk" ? "lookup-heading" : "overdue-heading");
    heading?.focus();
  }, [view]);

  const onSignedOut = useCallback(() => void refresh(), [refresh]);

  if (session === undefined) {
    return (
      <>
        <h1>{t("title")}</h1>
        <p role="status">{t("loadingSession")}</p>
      </>
    );
  }

  if (!session.signed_in) {
    return (
      <>
        <h1>{t("title")}</h1>
        <p>{t("signedOutIntro")}</p>
        <p>{t("signedOutPrivacy")}</p>
        <p class="actions">
          <a class="button" href={loginUrl({ as: "officer", returnTo: path.startsWith(COUNTER_HOME) ? path : COUNTER_HOME, lang })}>
            {t("signInOfficer")}
          </a>
        </p>
      </>
    );
  }

  if (session.role !== "officer") {
    return (
      <>
        <h1>{t("title")}</h1>
        <p class="alert alert--info">{t("citizenSession")}</p>
        <p>
          <Link href="/">{t("citizenPortalLink")}</Link>
        </p>
      </>
    );
  }

  const counter = session.counter;
  if (counter === null) {
    return (
      <>
        <h1>{t("title")}</h1>
        <p class="alert alert--error">{t("noCounter")}</p>
      </>
    );
  }

  return (
    <>
      <h1>{t("title")}</h1>
      <dl class="facts card">
        <dt>{t("counterHeading")}</dt>
        <dd>{counter.name}</dd>
        <dt>{t("counterAgency")}</dt>
        <dd>{agencyName(counter.agency, t)}</dd>
        <dt>{t("counterOfficer")}</dt>
        <dd>{session.name || session.nik}</dd>
      </dl>
      <nav aria-label={t("navLabel")}>
        <ul class="nav-list">
          <li>
            <Link href={COUNTER_HOME} aria-current={view === "desk" ? "page" : undefined}>
              {t("navCitizen")}
            </Link>
          </li>
          <li>
            <Link href={COMPLAINTS_PATH} aria-current={view === "complaints" ? "page" : undefined}>
              {t("navComplaints")}
            </Link>
          </li>
        </ul>
      </nav>
      <div role="status" aria-live="polite" class="visually-hidden">
        {message}
      </div>
      {view === "desk" ? (
        <CitizenDesk desk={desk} setDesk={setDesk} t={t} lang={lang} announce={announce} onSignedOut={onSignedOut} />
      ) : (
        <OverdueComplaints agency={counter.agency} t={t} lang={lang} announce={announce} onSignedOut={onSignedOut} />
      )}
    </>
  );
}
