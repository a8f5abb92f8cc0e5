/**
 * The citizen portal: the sign-in page when signed out, otherwise the citizen's pages.
 */
import type { VNode } from "preact";
import { useLang, useT, defineStrings } from "../lib/i18n.js";
import { useFocusHeading, useLocation } from "../lib/router.js";
import { loginUrl, useSession } from "../lib/session.js";

const strings = defineStrings(
  {
    loading: "Memuat…",
    welcome: "Layanan publik dalam satu pintu",
    intro: "Lihat data Anda dari berbagai instansi, perpanjang pajak kendaraan, ubah alamat, dan sampaikan pengaduan di satu tempat.",
    signIn: "Masuk dengan identitas digital",
    signInHint: "Anda akan diarahkan ke halaman identitas digital untuk memasukkan NIK dan PIN.",
  },
  {
    loading: "Loading…",
    welcome: "Public services through one door",
    intro: "See your data from every agency, renew your vehicle tax, change your address and file complaints in one place.",
    signIn: "Sign in with digital identity",
    signInHint: "You will be taken to the digital identity page to enter your NIK and PIN.",
  },
);

export function PortalApp(): VNode {
  const t = useT(strings);
  const { lang } = useLang();
  const { session } = useSession();
  const { path } = useLocation();
  useFocusHeading(path);

  if (session === undefined) {
    return <p role="status">{t("loading")}</p>;
  }
  if (!session.signed_in || session.role !== "citizen") {
    return (
      <section aria-labelledby="welcome">
        <h1 id="welcome">{t("welcome")}</h1>
        <p>{t("intro")}</p>
        <p class="hint">{t("signInHint")}</p>
        <a class="button" href={loginUrl({ as: "citizen", returnTo: path, lang })}>
          {t("signIn")}
        </a>
      </section>
    );
  }
  return <p>{session.name}</p>;
}
