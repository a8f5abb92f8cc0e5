/**
 * Small pieces every portal page uses: the loading line, an error with a retry, the switch
 * that renders one of the three states of `useAsync`, and a deadline in working days.
 */
import type { ComponentChildren, JSX } from "preact";
import { useDeadlineStanding } from "../lib/calendar.js";
import { formatDeadline } from "../lib/format.js";
import type { Loaded } from "../lib/hooks.js";
import { useLang, useT } from "../lib/i18n.js";
import { portalStrings } from "./strings.js";

export function Loading(): JSX.Element {
  const t = useT(portalStrings);
  return (
    <p role="status" class="muted">
      {t("loading")}
    </p>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }): JSX.Element {
  const t = useT(portalStrings);
  return (
    <div class="alert alert--error" role="alert">
      <p>{message}</p>
      {onRetry !== undefined && (
        <button type="button" class="button--secondary" onClick={onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

/** Renders `children(data)` once loaded; the loading line or the error before that. */
export function Async<T>({
  result,
  onRetry,
  children,
}: {
  result: Loaded<T>;
  onRetry: () => void;
  children: (data: T) => ComponentChildren;
}): JSX.Element {
  if (result.state === "loading") return <Loading />;
  if (result.state === "error") return <ErrorBox message={result.message} onRetry={onRetry} />;
  return <>{children(result.data)}</>;
}

/** A term and its description in a `.facts` list. */
export function Fact({ term, children }: { term: string; children: ComponentChildren }): JSX.Element {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** A deadline's date and the working days left or late, once the gateway's calendar is here. */
export function Deadline({ date }: { date: string }): JSX.Element {
  const { lang } = useLang();
  return <>{formatDeadline(date, lang, useDeadlineStanding(date))}</>;
}
