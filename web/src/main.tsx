/**
 * The app's entry: language and session for everything, then the view for the path:
 * `/counter` and below is the MPP counter console, everything else the citizen portal.
 */
import { render, type VNode } from "preact";
import { CounterApp } from "./counter/CounterApp";
import { LangProvider } from "./lib/i18n.js";
import { useLocation } from "./lib/router.js";
import { SessionProvider } from "./lib/session.js";
import { Shell } from "./lib/shell.js";
import { PortalApp } from "./portal/PortalApp.js";

/** True for `/counter` and every path under it. */
export function isCounterPath(path: string): boolean {
  return path === "/counter" || path.startsWith("/counter/");
}

function App(): VNode {
  const { path } = useLocation();
  const counter = isCounterPath(path);
  return (
    <Shell home={counter ? "/counter" : "/"}>
      {counter ? <CounterApp /> : <PortalApp />}
    </Shell>
  );
}

const root = document.getElementById("app");
if (root !== null) {
  root.replaceChildren();
  render(
    <LangProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </LangProvider>,
    root,
  );
}
