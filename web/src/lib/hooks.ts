/**
 * Loading state for a page's data: one hook that runs a loader, keeps its result or the
 * user-readable error, reloads on demand, and optionally polls while a condition holds (a
 * service request still moving). Stale answers from an earlier key are dropped.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "./api.js";
import { useLang } from "./i18n.js";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; message: string; status: number }
  | { state: "ready"; data: T };

export interface AsyncOptions<T> {
  /** Poll again after this many milliseconds while `keepPolling(data)` is true. */
  pollMs?: number;
  keepPolling?: (data: T) => boolean;
}

export function useAsync<T>(
  load: () => Promise<T>,
  key: string,
  options: AsyncOptions<T> = {},
): { result: Loaded<T>; reload: () => void; setData: (data: T) => void } {
  const { lang } = useLang();
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const loadedKey = useRef<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    generation.current += 1;
    const mine = generation.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (first: boolean) => {
      // A reload of the same data keeps showing it until the new answer; other data starts afresh.
      if (first && loadedKey.current !== key) setResult({ state: "loading" });
      try {
        const data = await loadRef.current();
        if (generation.current !== mine) return;
        loadedKey.current = key;
        setResult({ state: "ready", data });
        const { pollMs, keepPolling } = optionsRef.current;
        if (pollMs !== undefined && keepPolling?.(data) === true) {
          timer = setTimeout(() => void run(false), pollMs);
        }
      } catch (err) {
        if (generation.current !== mine) return;
        const status = typeof err === "object" && err !== null && "status" in err ? Number(err.status) : 0;
        setResult({ state: "error", message: errorMessage(err, lang), status });
      }
    };
    void run(true);
    return () => {
      generation.current += 1;
      if (timer !== undefined) clearTimeout(timer);
    };
    // Reload when the key changes or on demand; the loader itself is read through a ref.
  }, [key, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((data: T) => setResult({ state: "ready", data }), []);
  return { result, reload, setData };
}
