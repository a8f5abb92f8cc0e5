/**
 * The web app's server side (backend for frontend): `node dist/server.js`, configured by the
 * environment (see config.ts). It holds every secret and token; browsers get an HttpOnly
 * session cookie. Sessions live in memory, so a restart signs everyone out.
 */
import { createServer } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { createApp } from "./app";
import { ConfigError, parseConfig } from "./config";
import { Gateway } from "./gateway";
import { IdentityProvider } from "./oidc";
import { StaticFiles } from "./static";

const SWEEP_MS = 60_000;

function start(): void {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const app = createApp({
    config,
    idp: new IdentityProvider(config.idpIssuer, config.idp, `${config.publicUrl}/auth/callback`),
    gateway: new Gateway(config.gatewayUrl, config.portal, config.counter),
    // The bundle is dist/server.js; the app's files are beside it.
    files: new StaticFiles(dirname(fileURLToPath(import.meta.url))),
  });
  const server = createServer((request, response) => {
    void app.handle(request, response);
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  setInterval(app.sweep, SWEEP_MS).unref();
  const stop = () => {
    server.close();
    server.closeAllConnections();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  server.listen(config.port, "127.0.0.1");
}

start();
