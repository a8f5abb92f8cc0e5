/**
 * Filing a service request from a portal form. The form keeps one idempotency key for its
 * whole life, so pressing submit again after a lost answer files nothing twice; while the
 * request is on its way the form is busy, a refusal is shown in the gateway's own words, and
 * once filed the citizen is taken to the new request's page to follow it.
 */
import { useState } from "preact/hooks";
import { api, call, errorMessage, idempotencyKey, type Schemas } from "../lib/api.js";
import { useLang } from "../lib/i18n.js";
import { navigate } from "../lib/router.js";

export interface Filing {
  busy: boolean;
  /** Why the last attempt failed, in the reader's language; null before and while retrying. */
  error: string | null;
  file: (body: Schemas["ServiceRequestCreate"]) => Promise<void>;
}

export function useFiling(): Filing {
  const { lang } = useLang();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key] = useState(idempotencyKey);

  const file = async (body: Schemas["ServiceRequestCreate"]) => {
    setBusy(true);
    setError(null);
    try {
      const created = await call(api.POST("/v1/service-requests", { params: { header: { "idempotency-key": key } }, body }));
      navigate(`/permohonan/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setError(errorMessage(err, lang));
      setBusy(false);
    }
  };

  return { busy, error, file };
}
