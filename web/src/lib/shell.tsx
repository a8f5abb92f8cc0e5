/**
 * The frame every view shares: a skip link, the header (app name, who is signed in, language,
 * sign-out), one `<main>` for the view, and a polite live region for results that arrive
 * asynchronously. Portal and counter console both render inside it.
 */
import type { ComponentChildren, VNode } from "preact";
import { useState } from "preact/hooks";
import { defineStrings, LanguageSwitcher, useT } from "./i18n.js";
import { Link, navigate } from "./router.js";
import { logout, useSession } from "./session.js";

export const shellStrings = defineStrings(
  {
    skip: "Langsung ke isi utama",
    brand: "Satu Pintu",
    tagline: "Satu pintu layanan publik",
    signedInAs: "Masuk sebagai {name}",
    logout: "Keluar",
    loggingOut: "Sedang keluar…",
    logoutFailed: "Gagal keluar. Coba lagi.",
    footer: "Layanan demonstrasi. Data yang ditampilkan adalah data simulasi.",
  },
  {
    skip: "Skip to main content",
    brand: "Satu Pintu",
    tagline: "One door to public services",
    signedInAs: "Signed in as {name}",
    logout: "Sign out",
    loggingOut: "Signing out…",
    logoutFailed: "Could not sign out. Please try again.",
    footer: "Demonstration service. All data shown is simulated.",
  },
);

export function Shell({ home, children }: { home: string; children: ComponentChildren }): VNode {
  const t = useT(shellStrings);
  const { session, refresh } = useSession();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  const onLogout = async () => {
    setBusy(true);
    setFailed(false);
    try {
      await logout();
      await refresh();
      navigate(home);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <a class="skip-link" href="#main">
        {t("skip")}
      </a>
      <header class="site-header">
        <div class="site-header__inner">
          <Link href={home} class="brand">
            <span class="brand__name">{t("brand")}</span>
            <span class="brand__tagline">{t("tagline")}</span>
          </Link>
          <div class="site-header__tools">
            {session?.signed_in === true && (
              <>
                <span class="who">{t("signedInAs", { name: session.name || session.nik })}</span>
                <button type="button" class="button button--quiet" onClick={onLogout} disabled={busy}>
                  {busy ? t("loggingOut") : t("logout")}
                </button>
              </>
            )}
            <LanguageSwitcher />
          </div>
        </div>
        {failed && (
          <p class="alert alert--error" role="alert">
            {t("logoutFailed")}
          </p>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <p>{t("footer")}</p>
      </footer>
    </>
  );
}
