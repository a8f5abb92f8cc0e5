/**
 * The citizen as the counter may see them: identity, vehicles with this year's tax, businesses;
 * what the counter's permissions withhold; and, in plain words, which agency did not answer
 * and what is missing because of it. A part the counter may not see is never fetched, so
 * "withheld" and "did not answer" are different notes.
 */
import type { VNode } from "preact";
import type { Schemas } from "../lib/api.js";
import { addressLine, formatDate, formatRupiah } from "../lib/format.js";
import type { Lang, Translate } from "../lib/i18n.js";
import { silentSources, withheldParts } from "./sources.js";
import type { CounterKey } from "./strings.js";

type Profile = Schemas["CitizenProfile"];

function taxText(tax: Schemas["TaxAssessment"], t: Translate<CounterKey>, lang: Lang): string {
  if (tax.status === "paid") return t("taxPaid", { date: formatDate(tax.due_date, lang, { weekday: true }) });
  if (tax.status === "due") return t("taxDue");
  return t("taxOverdue", { months: tax.months_overdue, date: formatDate(tax.due_date, lang, { weekday: true }) });
}

function Vehicles({ vehicles, name, t, lang }: { vehicles: Schemas["Vehicle"][]; name: string; t: Translate<CounterKey>; lang: Lang }): VNode {
  if (vehicles.length === 0) return <p>{t("noVehicles")}</p>;
  return (
    <div class="table-wrap" role="region" aria-labelledby="vehicles-caption" tabIndex={0}>
      <table>
        <caption id="vehicles-caption">{t("vehiclesCaption", { name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("plateCol")}</th>
            <th scope="col">{t("vehicleCol")}</th>
            <th scope="col">{t("taxCol")}</th>
            <th scope="col">{t("amountCol")}</th>
          </tr>
        </thead>
        <tbody>
          {vehicles.map((v) => (
            <tr key={v.plate_number}>
              <th scope="row">{v.plate_number}</th>
              <td>
                {v.make} {v.model} ({v.year_made})
                {v.blocked && (
                  <>
                    {" "}
                    <span class="status-tag">{t("blocked")}</span>
                  </>
                )}
              </td>
              <td>{taxText(v.tax, t, lang)}</td>
              <td>{formatRupiah(v.tax.total, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Businesses({ businesses, name, t, lang }: { businesses: Schemas["Business"][]; name: string; t: Translate<CounterKey>; lang: Lang }): VNode {
  if (businesses.length === 0) return <p>{t("noBusinesses")}</p>;
  return (
    <div class="table-wrap" role="region" aria-labelledby="businesses-caption" tabIndex={0}>
      <table>
        <caption id="businesses-caption">{t("businessesCaption", { name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("businessCol")}</th>
            <th scope="col">{t("nibCol")}</th>
            <th scope="col">{t("activitiesCol")}</th>
            <th scope="col">{t("registeredCol")}</th>
          </tr>
        </thead>
        <tbody>
          {businesses.map((b) => (
            <tr key={b.nib}>
              <th scope="row">{b.name}</th>
              <td>{b.nib}</td>
              <td>{b.activities.map((a) => `${a.kbli} ${a.title}`).join("; ")}</td>
              <td>{formatDate(b.registered_on, lang, { weekday: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CitizenSummary({ profile, t, lang }: { profile: Profile; t: Translate<CounterKey>; lang: Lang }): VNode {
  const identity = profile.identity;
  const name = identity.full_name;
  const silent = silentSources(profile.sources, t);
  const withheld = withheldParts(profile.withheld, t);
  return (
    <section aria-labelledby="citizen-heading">
      <h2 id="citizen-heading" tabIndex={-1}>
        {t("citizenHeading", { name })}
      </h2>
      {silent.length > 0 && (
        <div class="alert alert--warning">
          <h3>{t("sourcesHeading")}</h3>
          <ul>
            {silent.map((note) => (
              <li key={note.agency}>{t(note.key, note.params)}</li>
            ))}
          </ul>
        </div>
      )}
      {identity.deceased && <p class="alert alert--warning">{t("deceasedWarning")}</p>}
      <h3>{t("identityHeading")}</h3>
      <dl class="facts">
        <dt>{t("nikTerm")}</dt>
        <dd>{identity.nik}</dd>
        <dt>{t("nameTerm")}</dt>
        <dd>{name}</dd>
        <dt>{t("addressTerm")}</dt>
        <dd>{addressLine(identity.address)}</dd>
        <dt>{t("lifeTerm")}</dt>
        <dd>
          {identity.deceased
            ? identity.date_of_death
              ? t("deceasedOn", { date: formatDate(identity.date_of_death, lang, { weekday: true }) })
              : t("deceased")
            : t("alive")}
        </dd>
      </dl>
      {Array.isArray(profile.vehicles) && (
        <>
          <h3>{t("vehiclesHeading")}</h3>
          <Vehicles vehicles={profile.vehicles} name={name} t={t} lang={lang} />
        </>
      )}
      {Array.isArray(profile.businesses) && (
        <>
          <h3>{t("businessesHeading")}</h3>
          <Businesses businesses={profile.businesses} name={name} t={t} lang={lang} />
        </>
      )}
      {withheld !== "" && <p class="muted">{t("withheldNote", { parts: withheld })}</p>}
    </section>
  );
}
