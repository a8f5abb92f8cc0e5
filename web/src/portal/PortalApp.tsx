/**
 * The citizen portal: the sign-in page when signed out; otherwise the banner while acting for
 * someone, the portal menu, and the page for the path.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { useLang, useT } from "../lib/i18n.js";
import { Link, matchPath, navigate, useFocusHeading, useLocation } from "../lib/router.js";
import { loginUrl, stopActingFor, useSession } from "../lib/session.js";
import { AccessLogPage } from "./AccessLogPage.js";
import { AddressChangePage } from "./AddressChangePage.js";
import { ComplaintPage, ComplaintsPage, NewComplaintPage } from "./ComplaintsPage.js";
import { MandatesPage } from "./MandatesPage.js";
import { authErrorMessage } from "./model.js";
import { ProfilePage } from "./ProfilePage.js";
import { RenewalPage } from "./RenewalPage.js";
import { RequestPage } from "./RequestPage.js";
import { RequestsPage } from "./RequestsPage.js";
import { portalStrings, type PortalKey } from "./strings.js";
import { subjectOf } from "./subject.js";

/** The portal's menu, in the order a citizen meets the tasks. */
const NAV: ReadonlyArray<readonly [string, PortalKey]> = [
  ["/", "navProfile"],
  ["/pajak-kendaraan", "navRenewal"],
  ["/permohonan", "navRequests"],
  ["/pindah-alamat", "navAddress"],
  ["/pengaduan", "navComplaints"],
  ["/riwayat-akses", "navAccessLog"],
  ["/kuasa", "navMandates"],
];

/** The menu entry a path belongs to (`/pengaduan/123` is under Complaints). */
export function activeSection(path: string): string {
  if (path === "/") return "/";
  const found = NAV.filter(([href]) => href !== "/" && (path === href || path.startsWith(`${href}/`)));
  return found[0]?.[0] ?? "";
}

export function PortalApp(): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const { session } = useSession();
  const { path, query } = useLocation();
  useFocusHeading(path);

  if (session === undefined) {
    return (
      <p role="status" class="muted">
        {t("loading")}
      </p>
    );
  }
  const authError = query.get("auth_error");
  const authAlert = authError !== null && (
    <div class="alert alert--error" role="alert">
      <p>{authErrorMessage(authError, lang)}</p>
    </div>
  );
  if (!session.signed_in || session.role !== "citizen") {
    return (
      <section aria-labelledby="welcome">
        <h1 id="welcome">{t("welcomeTitle")}</h1>
        {authAlert}
        {session.signed_in && <p class="alert alert--info">{t("notCitizen")}</p>}
        <p>{t("welcomeIntro")}</p>
        <p class="hint" id="sign-in-hint">
          {t("signInHint")}
        </p>
        <p>
          <a class="button" href={loginUrl({ as: "citizen", returnTo: path, lang })} aria-describedby="sign-in-hint">
            {t("signIn")}
          </a>
        </p>
        <p>
          <a href="/counter">{t("officerHere")}</a>
        </p>
      </section>
    );
  }

  const subject = subjectOf(session);
  return (
    <>
      {subject.acting && <ActingBanner name={subject.name || subject.nik} />}
      {authAlert}
      <nav aria-label={t("navLabel")}>
        <ul class="nav-list">
          {NAV.map(([href, label]) => (
            <li key={href}>
              <Link href={href} aria-current={activeSection(path) === href ? "page" : undefined}>
                {t(label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {/* Keyed by subject: switching whom you act for starts every page afresh. */}
      <div key={subject.nik}>
        <PortalPage path={path} />
      </div>
    </>
  );
}

function PortalPage({ path }: { path: string }): JSX.Element {
  const t = useT(portalStrings);
  if (path === "/" || path === "/profil") return <ProfilePage />;
  if (path === "/pajak-kendaraan") return <RenewalPage />;
  if (path === "/permohonan") return <RequestsPage />;
  if (path === "/pindah-alamat") return <AddressChangePage />;
  if (path === "/pengaduan") return <ComplaintsPage />;
  if (path === "/pengaduan/baru") return <NewComplaintPage />;
  if (path === "/riwayat-akses") return <AccessLogPage />;
  if (path === "/kuasa") return <MandatesPage />;
  const request = matchPath("/permohonan/:id", path);
  if (request !== null) return <RequestPage key={request.id} id={request.id as string} />;
  const complaint = matchPath("/pengaduan/:id", path);
  if (complaint !== null) return <ComplaintPage key={complaint.id} id={complaint.id as string} />;
  return (
    <>
      <h1>{t("notFoundTitle")}</h1>
      <p>{t("notFoundBody")}</p>
      <Link href="/">{t("backHome")}</Link>
    </>
  );
}

function ActingBanner({ name }: { name: string }): JSX.Element {
  const t = useT(portalStrings);
  const { refresh } = useSession();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const stop = async () => {
    setBusy(true);
    setFailed(false);
    try {
      await stopActingFor();
      await refresh();
      navigate("/");
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="banner-acting" aria-label={t("actingBanner", { name })}>
      <div class="banner-acting__inner">
        <p>{t("actingBanner", { name })}</p>
        <button type="button" onClick={stop} disabled={busy}>
          {busy ? t("actingStopping") : t("actingStop", { name })}
        </button>
      </div>
      {failed && (
        <p class="alert alert--error" role="alert">
          {t("actingStopFailed")}
        </p>
      )}
    </section>
  );
}
