/**
 * My profile: identity, family, vehicles and businesses, each from its own agency, with a
 * plain note for every agency that did not answer. The other parts are shown all the same.
 */
import type { JSX } from "preact";
import { api, call, type Schemas } from "../lib/api.js";
import { agencyName } from "../lib/agencies.js";
import { addressLine, formatDate, formatRupiah, jakartaToday } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { Link } from "../lib/router.js";
import { startActingFor } from "../lib/session.js";
import { actableChildren, missingFor, missingSources, RELATIONSHIP_KEY, type MissingSource } from "./model.js";
import { portalStrings } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async, Fact } from "./ui.js";

type Profile = Schemas["CitizenProfile"];

export function ProfilePage(): JSX.Element {
  const subject = useSubject();
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/citizens/{nik}", { params: { path: { nik: subject.nik } } })),
    `profile:${subject.nik}`,
  );
  return (
    <Async result={result} onRetry={reload}>
      {(profile) => <Profile profile={profile} />}
    </Async>
  );
}

function Profile({ profile }: { profile: Profile }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const missing = missingSources(profile.sources, lang);
  return (
    <>
      <h1>{t("profileTitle", { name: profile.identity.full_name })}</h1>
      <p class="muted">{t("profileIntro")}</p>
      {missing.length > 0 && (
        <section class="alert alert--warning" aria-labelledby="partial-title">
          <h2 id="partial-title">{t("partialTitle")}</h2>
          {missing.map((m) => (
            <p key={m.agency}>{m.note}</p>
          ))}
        </section>
      )}
      <Identity identity={profile.identity} />
      <Vehicles vehicles={profile.vehicles} missing={missing} withheld={profile.withheld?.includes("vehicles") ?? false} />
      {profile.family != null && <Family family={profile.family} />}
      <Businesses businesses={profile.businesses} missing={missing} withheld={profile.withheld?.includes("businesses") ?? false} />
    </>
  );
}

function Identity({ identity }: { identity: Schemas["Identity"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  return (
    <section class="card" aria-labelledby="identity-title">
      <h2 id="identity-title">{t("identityTitle")}</h2>
      <p class="muted">{t("identitySource", { agency: agencyName("civil_registry", lang) })}</p>
      <dl class="facts">
        <Fact term={t("fullName")}>{identity.full_name}</Fact>
        <Fact term={t("nik")}>{identity.nik}</Fact>
        <Fact term={t("address")}>{addressLine(identity.address)}</Fact>
      </dl>
      {identity.deceased && <p class="alert alert--info">{t("deceased")}</p>}
    </section>
  );
}

function Family({ family }: { family: Schemas["Family"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const children = subject.acting ? [] : actableChildren(family.members, subject.nik, jakartaToday(new Date()));
  return (
    <section class="card" aria-labelledby="family-title">
      <h2 id="family-title">{t("familyTitle")}</h2>
      <p class="muted">
        {t("familyCard", { number: family.family_card_number })} · {t("familyHead", { name: family.head_name })}
      </p>
      <ul class="list-plain">
        {family.members.map((member) => (
          <li key={member.nik}>
            <strong>{member.full_name}</strong> — {t(RELATIONSHIP_KEY[member.relationship])}
            <br />
            <span class="muted">{t("bornOn", { date: formatDate(member.date_of_birth, lang) })}</span>
            {children.some((c) => c.nik === member.nik) && (
              <div class="actions">
                <button
                  type="button"
                  class="button--secondary"
                  aria-describedby="act-for-hint"
                  onClick={() => startActingFor(member.nik, "/", lang)}
                >
                  {t("actFor", { name: member.full_name })}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {children.length > 0 && (
        <p id="act-for-hint" class="hint">
          {t("actForHint")}
        </p>
      )}
    </section>
  );
}

function MissingPart({ agencies }: { agencies: string[] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  return (
    <>
      {agencies.map((code) => (
        <p key={code} class="alert alert--warning">
          {t("partMissing", { agency: agencyName(code, lang) })}
        </p>
      ))}
    </>
  );
}

function Vehicles({
  vehicles,
  missing,
  withheld,
}: {
  vehicles: Schemas["Vehicle"][] | null | undefined;
  missing: readonly MissingSource[];
  withheld: boolean;
}): JSX.Element | null {
  const t = useT(portalStrings);
  const { lang } = useLang();
  if (withheld) return null;
  const gaps = missingFor("vehicles", missing);
  const list = vehicles ?? [];
  return (
    <section class="card" aria-labelledby="vehicles-title">
      <h2 id="vehicles-title">{t("vehiclesTitle")}</h2>
      <MissingPart agencies={gaps} />
      {list.length === 0 && gaps.length === 0 && <p>{t("vehiclesNone")}</p>}
      <ul class="list-plain">
        {list.map((vehicle) => (
          <li key={vehicle.plate_number}>
            <h3>{vehicle.plate_number}</h3>
            <p>{t("vehicleName", { make: vehicle.make, model: vehicle.model, year: vehicle.year_made })}</p>
            <dl class="facts">
              <Fact term={t("taxStatus")}>
                <span class="status-tag">
                  {vehicle.tax.status === "paid"
                    ? t("taxPaid")
                    : vehicle.tax.status === "due"
                      ? t("taxDue")
                      : t("taxOverdue", { months: vehicle.tax.months_overdue })}
                </span>
              </Fact>
              <Fact term={t("taxDueDate")}>{formatDate(vehicle.tax.due_date, lang)}</Fact>
              {vehicle.tax.status !== "paid" && <Fact term={t("taxTotal")}>{formatRupiah(vehicle.tax.total, lang)}</Fact>}
            </dl>
            {vehicle.blocked ? (
              <p class="alert alert--info">{t("blocked")}</p>
            ) : (
              <Link class="button" href={`/pajak-kendaraan?plat=${encodeURIComponent(vehicle.plate_number)}`}>
                {t("renew", { plate: vehicle.plate_number })}
              </Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Businesses({
  businesses,
  missing,
  withheld,
}: {
  businesses: Schemas["Business"][] | null | undefined;
  missing: readonly MissingSource[];
  withheld: boolean;
}): JSX.Element | null {
  const t = useT(portalStrings);
  if (withheld) return null;
  const gaps = missingFor("businesses", missing);
  const list = businesses ?? [];
  return (
    <section class="card" aria-labelledby="businesses-title">
      <h2 id="businesses-title">{t("businessesTitle")}</h2>
      <MissingPart agencies={gaps} />
      {list.length === 0 && gaps.length === 0 && <p>{t("businessesNone")}</p>}
      <ul class="list-plain">
        {list.map((business) => (
          <li key={business.nib}>
            <strong>{business.name}</strong>
            <br />
            <span class="muted">{t("nib", { nib: business.nib })}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
