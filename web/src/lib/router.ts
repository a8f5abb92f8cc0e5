/**
 * Routing on the history API, small enough not to need a library: the path is state, links
 * push it, and Back/Forward pop it. The BFF serves index.html for every HTML path, so a
 * reloaded or shared address opens the same view.
 */
import { h, type ComponentChildren, type JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

const NAVIGATE = "satupintu:navigate";

/** Goes to `path` without reloading, and moves focus to the new view's heading. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** The current location (path and query), updated on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: window.location.pathname, query: new URLSearchParams(window.location.search) });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return location;
}

/**
 * The parameters of `pattern` (`/pengaduan/:id`) in `path`, or null when it does not match.
 * Parameters are URI-decoded.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  const rest = want[want.length - 1] === "*";
  if (rest ? have.length < want.length - 1 : have.length !== want.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] as string;
    if (w === "*") break;
    const part = have[i] as string;
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(part);
      } catch {
        return null;
      }
    } else if (w !== part) return null;
  }
  return params;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href"> & { href: string; children?: ComponentChildren };

/** An ordinary link (open in new tab still works) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: LinkProps): JSX.Element {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return h("a", { ...rest, href, onClick }, children);
}

/** Moves focus to the view's h1 after a navigation, so screen readers announce the new page. */
export function useFocusHeading(key: string): void {
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>("main h1");
    if (heading !== null && document.activeElement !== heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }, [key]);
}
