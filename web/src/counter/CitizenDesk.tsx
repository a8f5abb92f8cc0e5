/**
 * The desk: find the citizen, see them as the counter may, start a request for them and
 * follow their requests. The found citizen lives in the console (not here), so switching to
 * the complaints and back keeps them on screen.
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, call, errorMessage } from "../lib/api.js";
import type { Lang, Translate } from "../lib/i18n.js";
import { CitizenSummary } from "./CitizenSummary.js";
import { LookupForm, type Found } from "./LookupForm.js";
import { RequestList } from "./RequestList.js";
import { ServiceRequestForm, type ServiceRequest, type ServiceView } from "./ServiceRequestForm.js";
import type { CounterKey } from "./strings.js";

export interface DeskState extends Found {
  /** Requests filed at the desk since the lookup, newest first. */
  filed: ServiceRequest[];
  /** Counts lookups, so a repeated lookup of the same citizen still moves focus to them. */
  seq: number;
}

export function CitizenDesk({
  desk,
  setDesk,
  t,
  lang,
  announce,
  onSignedOut,
}: {
  desk: DeskState | undefined;
  setDesk: (desk: DeskState) => void;
  t: Translate<CounterKey>;
  lang: Lang;
  announce: (message: string) => void;
  onSignedOut: () => void;
}): VNode {
  const [services, setServices] = useState<ServiceView[]>([]);
  const [servicesError, setServicesError] = useState<string | undefined>(undefined);
  const moveFocus = useRef(false);

  useEffect(() => {
    call(api.GET("/v1/services", {}))
      .then((list) => setServices(list.items))
      .catch((err: unknown) => setServicesError(errorMessage(err, lang)));
  }, []);

  useEffect(() => {
    if (desk === undefined || !moveFocus.current) return;
    moveFocus.current = false;
    document.getElementById("citizen-heading")?.focus();
  }, [desk?.seq]);

  const onFound = (found: Found) => {
    moveFocus.current = true;
    setDesk({ ...found, filed: [], seq: (desk?.seq ?? 0) + 1 });
    announce(t("lookupDone", { name: found.profile.identity.full_name }));
  };

  const onFiled = (request: ServiceRequest) => {
    if (desk === undefined) return;
    setDesk({ ...desk, filed: [request, ...desk.filed] });
  };

  const name = desk?.profile.identity.full_name ?? "";
  const plates = (desk?.profile.vehicles ?? []).map((v) => v.plate_number);

  return (
    <>
      <LookupForm initialNik={desk?.nik ?? ""} t={t} onFound={onFound} onSignedOut={onSignedOut} />
      {desk !== undefined && (
        <>
          <CitizenSummary profile={desk.profile} t={t} lang={lang} />
          <ServiceRequestForm
            key={`${desk.nik}-${desk.seq}`}
            nik={desk.nik}
            name={name}
            purpose={desk.purpose}
            plates={plates}
            services={services}
            servicesError={servicesError}
            t={t}
            lang={lang}
            onFiled={onFiled}
            onSignedOut={onSignedOut}
          />
          <RequestList
            nik={desk.nik}
            name={name}
            purpose={desk.purpose}
            services={services}
            filed={desk.filed}
            t={t}
            lang={lang}
            announce={announce}
            onSignedOut={onSignedOut}
          />
        </>
      )}
    </>
  );
}
