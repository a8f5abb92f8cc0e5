/**
 * Finding the overdue complaints of one agency. The API lists complaints by agency and stage
 * but has no `overdue` filter, so the console reads the two stages that can be late
 * (`verified`: waiting to be handed over; `dispatched`: waiting for the agency's answer), never
 * the resolved ones, page by page, and keeps those marked `overdue`. Each read is bounded, and
 * where it stopped is a position the next "load more" continues from.
 */

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The stages read, in order; a resolved complaint has no deadline left to miss. */
export const OPEN_STAGES = ["verified", "dispatched"] as const;
export type OpenStage = (typeof OPEN_STAGES)[number];

/** Where the scan stands: the stage being read and the cursor within it; null when done. */
export type ScanPosition = { stage: number; cursor: string | null } | null;

export const START: ScanPosition = { stage: 0, cursor: null };

export interface ScanResult<T> {
  found: T[];
  next: ScanPosition;
  pagesRead: number;
}

/**
 * Reads pages from `position` until at least `want` overdue complaints were found, every
 * stage is exhausted, or `maxPages` pages were read (a long list of timely complaints must
 * not hold the officer's screen), and returns what it found and where to go on.
 */
export async function scanOverdue<T extends { overdue: boolean }>(
  fetchPage: (stage: OpenStage, cursor: string | null) => Promise<Page<T>>,
  position: ScanPosition,
  want: number,
  maxPages: number,
): Promise<ScanResult<T>> {
  const found: T[] = [];
  let at = position;
  let pagesRead = 0;
  while (at !== null && found.length < want && pagesRead < maxPages) {
    const stage = OPEN_STAGES[at.stage];
    if (stage === undefined) {
      at = null;
      break;
    }
    const page = await fetchPage(stage, at.cursor);
    pagesRead += 1;
    found.push(...page.items.filter((c) => c.overdue));
    if (page.next_cursor !== null) at = { stage: at.stage, cursor: page.next_cursor };
    else at = at.stage + 1 < OPEN_STAGES.length ? { stage: at.stage + 1, cursor: null } : null;
  }
  return { found, next: at, pagesRead };
}
