/**
 * The satisfaction survey (SKM, PermenPANRB 14/2017) of a finished request: nine elements,
 * each rated 1 to 4, sent once. A second attempt is answered 409 by the gateway, which the
 * form reads as "already answered" rather than as an error.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError, call, errorMessage, type Schemas } from "../lib/api.js";
import { useLang, useT } from "../lib/i18n.js";
import { completeSurvey, SURVEY_ELEMENTS } from "./model.js";
import { portalStrings, type PortalKey } from "./strings.js";
import { ErrorBox } from "./ui.js";

type Answers = Partial<Record<keyof Schemas["SurveyAnswers"], number>>;

const SCALE: ReadonlyArray<readonly [number, PortalKey]> = [
  [1, "surveyScale1"],
  [2, "surveyScale2"],
  [3, "surveyScale3"],
  [4, "surveyScale4"],
];

export function SurveyForm({ requestId }: { requestId: string }): JSX.Element {
  const t = useT(portalStrings);
  const { lang } = useLang();
  const [answers, setAnswers] = useState<Answers>({});
  const [state, setState] = useState<"open" | "sending" | "done" | "already">("open");
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const complete = completeSurvey(answers);
    if (!complete.ok) {
      setError(t("surveyMissing", { missing: complete.missing }));
      return;
    }
    setState("sending");
    setError(null);
    try {
      await call(
        api.POST("/v1/service-requests/{request_id}/survey", {
          params: { path: { request_id: requestId } },
          body: complete.answers,
        }),
      );
      setState("done");
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setState("already");
      } else {
        setError(errorMessage(err, lang));
        setState("open");
      }
    }
  };

  return (
    <section class="card" aria-labelledby="survey-title">
      <h2 id="survey-title">{t("surveyTitle")}</h2>
      <div role="status" aria-live="polite">
        {state === "done" && <p class="alert alert--success">{t("surveyThanks")}</p>}
        {state === "already" && <p class="alert alert--info">{t("surveyAlready")}</p>}
      </div>
      {(state === "open" || state === "sending") && (
        <form onSubmit={submit} noValidate>
          <p>{t("surveyIntro")}</p>
          {SURVEY_ELEMENTS.map(([element, label]) => (
            <fieldset key={element}>
              <legend>{t(label)}</legend>
              {SCALE.map(([value, scaleLabel]) => (
                <label class="choice" key={value}>
                  <input
                    type="radio"
                    name={`survey-${element}`}
                    value={value}
                    checked={answers[element] === value}
                    onChange={() => setAnswers((prev) => ({ ...prev, [element]: value }))}
                  />
                  {value} — {t(scaleLabel)}
                </label>
              ))}
            </fieldset>
          ))}
          {error !== null && <ErrorBox message={error} />}
          <button type="submit" disabled={state === "sending"}>
            {state === "sending" ? t("submitting") : t("surveySubmit")}
          </button>
        </form>
      )}
    </section>
  );
}
