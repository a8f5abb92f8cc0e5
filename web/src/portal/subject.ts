/**
 * Whose data the portal shows: the signed-in citizen, or the person they act for. Every page
 * asks the gateway about this NIK; the BFF sends the matching token.
 */
import { useSession, type SignedIn } from "../lib/session.js";

export interface Subject {
  nik: string;
  name: string;
  /** True while acting for someone else. */
  acting: boolean;
}

export function subjectOf(session: SignedIn): Subject {
  return session.acting_for === null
    ? { nik: session.nik, name: session.name, acting: false }
    : { nik: session.acting_for.nik, name: session.acting_for.name, acting: true };
}

/** The subject of the current session; the portal renders pages only when signed in. */
export function useSubject(): Subject {
  const { session } = useSession();
  if (session === undefined || !session.signed_in) return { nik: "", name: "", acting: false };
  return subjectOf(session);
}
