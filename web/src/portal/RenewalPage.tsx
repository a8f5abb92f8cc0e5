/**
 * Renew my vehicle tax: choose one of my vehicles and submit a `vehicle-tax-renewal` request;
 * the request's own page then follows it to the payment code and the receipt.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, type Schemas } from "../lib/api.js";
import { formatRupiah } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { useLocation } from "../lib/router.js";
import { useFiling } from "./filing.js";
import { missingSources } from "./model.js";
import { portalStrings } from "./strings.js";
import { useSubject } from "./subject.js";
import { Async, ErrorBox } from "./ui.js";

export function RenewalPage(): JSX.Element {
  const t = useT(portalStrings);
  const subject = useSubject();
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/citizens/{nik}/vehicles", { params: { path: { nik: subject.nik } } })),
    `vehicles:${subject.nik}`,
  );
  return (
    <>
      <h1>{t("renewalTitle")}</h1>
      <p>{t("renewalIntro")}</p>
      <Async result={result} onRetry={reload}>
        {(vehicles) => <RenewalForm vehicles={vehicles} />}
      </Async>
    </>
  );
}

function RenewalForm({ vehicles }: { vehicles: Schemas["CitizenVehicles"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const subject = useSubject();
  const { query } = useLocation();
  const renewable = vehicles.items.filter((v) => !v.blocked);
  const wanted = query.get("plat");
  const [plate, setPlate] = useState(renewable.find((v) => v.plate_number === wanted)?.plate_number ?? renewable[0]?.plate_number ?? "");
  const { busy, error, file } = useFiling();
  const missing = missingSources(vehicles.sources, lang);

  const submit = async (event: Event) => {
    event.preventDefault();
    await file({ service: "vehicle-tax-renewal", nik: subject.nik, data: { plate_number: plate } });
  };

  return (
    <>
      {missing.map((m) => (
        <p key={m.agency} class="alert alert--warning">
          {m.note}
        </p>
      ))}
      {renewable.length === 0 ? (
        <p>{t("renewalNoVehicles")}</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <fieldset>
            <legend>{t("renewalChoose")}</legend>
            {renewable.map((v) => (
              <label class="choice" key={v.plate_number}>
                <input
                  type="radio"
                  name="plate"
                  value={v.plate_number}
                  checked={plate === v.plate_number}
                  onChange={() => setPlate(v.plate_number)}
                />
                <span>
                  <strong>{v.plate_number}</strong> — {v.make} {v.model}
                  {v.tax.status !== "paid" && <> · {formatRupiah(v.tax.total, lang)}</>}
                </span>
              </label>
            ))}
          </fieldset>
          {error !== null && <ErrorBox message={error} />}
          <button type="submit" disabled={busy}>
            {busy ? t("submitting") : t("renewalSubmit")}
          </button>
        </form>
      )}
    </>
  );
}
