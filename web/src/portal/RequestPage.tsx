/**
 * One service request, followed live: status (announced in a polite live region as it
 * changes), the steps with their agencies, the deadline in working days, then what the
 * status calls for: the payment code to pay, the receipt, the agencies told of a move, and
 * the satisfaction survey once it is finished.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, call, errorMessage, idempotencyKey, type Schemas } from "../lib/api.js";
import { agencyName } from "../lib/agencies.js";
import { formatDate, formatDateTime, formatRupiah, requestSettled } from "../lib/format.js";
import { useAsync } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { Link } from "../lib/router.js";
import { REQUEST_STATUS_KEY, SERVICE_KEY, STEP_STATE_KEY, stepLabel } from "./model.js";
import { portalStrings } from "./strings.js";
import { SurveyForm } from "./SurveyForm.js";
import { Async, Deadline, ErrorBox, Fact } from "./ui.js";

type Request = Schemas["ServiceRequest"];

/** How often a request still moving is read again. */
const POLL_MS = 1500;

export function RequestPage({ id }: { id: string }): JSX.Element {
  // Awaiting payment waits on the citizen, so polling pauses there until they have paid.
  const [paid, setPaid] = useState(false);
  const { result, reload } = useAsync(
    () => call(api.GET("/v1/service-requests/{request_id}", { params: { path: { request_id: id } } })),
    `request:${id}`,
    { pollMs: POLL_MS, keepPolling: (r) => !requestSettled(r.status) && (r.status !== "awaiting_payment" || paid) },
  );
  const onPaid = () => {
    setPaid(true);
    reload();
  };
  return (
    <Async result={result} onRetry={reload}>
      {(request) => <RequestView request={request} onPaid={onPaid} />}
    </Async>
  );
}

function RequestView({ request, onPaid }: { request: Request; onPaid: () => void }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const status = t(REQUEST_STATUS_KEY[request.status]);
  return (
    <>
      <h1>{t("requestTitle", { service: t(SERVICE_KEY[request.service]) })}</h1>
      <p role="status" aria-live="polite" aria-atomic="true" class="alert alert--info">
        {t("requestStatus", { status })}
        {!requestSettled(request.status) && request.status !== "awaiting_payment" && <> {t("stillWorking")}</>}
      </p>
      {request.rejection_reason !== null && request.status === "rejected" && (
        <p class="alert alert--error">{t("rejectionReason", { reason: request.rejection_reason })}</p>
      )}
      <dl class="facts">
        <Fact term={t("requestNumber")}>
          <span class="code">{request.id}</span>
        </Fact>
        <Fact term={t("submittedAt")}>{formatDateTime(request.submitted_at, lang)}</Fact>
        {!requestSettled(request.status) && (
          <Fact term={t("requestDeadline")}><Deadline date={request.sla_deadline} /></Fact>
        )}
      </dl>
      {request.service === "vehicle-tax-renewal" && request.status === "awaiting_payment" && request.payment !== null && (
        <PaymentPanel requestId={request.id} payment={request.payment} onPaid={onPaid} />
      )}
      {request.service === "vehicle-tax-renewal" && request.product !== null && <Receipt receipt={request.product.receipt} />}
      {request.service === "address-change" && request.product !== null && <AgenciesTold product={request.product} />}
      <Steps steps={request.steps} />
      {request.status === "completed" && <SurveyForm requestId={request.id} />}
      <p>
        <Link href={`/pengaduan/baru?permohonan=${encodeURIComponent(request.id)}`}>{t("complaintAbout")}</Link>
      </p>
    </>
  );
}

function Steps({ steps }: { steps: Schemas["Step"][] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  return (
    <section aria-labelledby="steps-title">
      <h2 id="steps-title">{t("stepsTitle")}</h2>
      <ol class="steps">
        {steps.map((step) => (
          <li key={step.name}>
            {t("stepState", { step: stepLabel(step.name, t), agency: agencyName(step.agency, lang), state: t(STEP_STATE_KEY[step.state]) })}
            {step.detail !== null && step.state === "failed" && <span class="muted"> — {step.detail}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function PaymentPanel({
  requestId,
  payment,
  onPaid,
}: {
  requestId: string;
  payment: Schemas["Payment"];
  onPaid: () => void;
}): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const [key] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const amount = formatRupiah(payment.amount, lang);

  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST("/v1/service-requests/{request_id}/payment", {
          params: { path: { request_id: requestId }, header: { "idempotency-key": key } },
          body: { payment_code: payment.payment_code, amount: payment.amount },
        }),
      );
      setSent(true);
      onPaid();
    } catch (err) {
      setError(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="payment-title">
      <h2 id="payment-title">{t("paymentTitle")}</h2>
      <dl class="facts">
        <Fact term={t("paymentCode")}>
          <span class="code">{payment.payment_code}</span>
        </Fact>
        <Fact term={t("paymentAmount")}>
          <span class="amount">{amount}</span>
        </Fact>
        <Fact term={t("paymentValidUntil")}>{formatDateTime(payment.valid_until, lang)}</Fact>
      </dl>
      <p class="hint" id="payment-hint">
        {t("paymentHint")}
      </p>
      {error !== null && <ErrorBox message={error} />}
      {sent ? (
        <p class="alert alert--success">{t("paymentSent")}</p>
      ) : (
        <button type="button" onClick={pay} disabled={busy} aria-describedby="payment-hint">
          {busy ? t("paying") : t("pay", { amount })}
        </button>
      )}
    </section>
  );
}

function Receipt({ receipt }: { receipt: Schemas["RenewalReceipt"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  return (
    <section class="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title">{t("receiptTitle")}</h2>
      <dl class="facts">
        <Fact term={t("receiptNumber")}>
          <span class="code">{receipt.receipt_number}</span>
        </Fact>
        <Fact term={t("receiptPlate")}>{receipt.plate_number}</Fact>
        <Fact term={t("receiptAmount")}>
          <span class="amount">{formatRupiah(receipt.amount, lang)}</span>
        </Fact>
        <Fact term={t("receiptPaidAt")}>{formatDateTime(receipt.paid_at, lang)}</Fact>
        <Fact term={t("receiptNextDue")}>{formatDate(receipt.next_due_date, lang)}</Fact>
      </dl>
    </section>
  );
}

function AgenciesTold({ product }: { product: Schemas["AddressChangeProduct"] }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const told = Object.entries(product.acknowledged_by).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section class="card" aria-labelledby="told-title">
      <h2 id="told-title">{t("addressDoneTitle")}</h2>
      <dl class="facts">
        <Fact term={t("addressRegistration")}>
          <span class="code">{product.registration_number}</span>
        </Fact>
      </dl>
      {told.length === 0 ? (
        <p>{t("addressNoAck")}</p>
      ) : (
        <ul>
          {told.map(([code, ack]) => (
            <li key={code}>
              {t("addressAck", { agency: agencyName(code, lang), records: ack.records_updated, date: formatDateTime(ack.acknowledged_at, lang) })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
