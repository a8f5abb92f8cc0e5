/**
 * Builds the app into dist/: the browser bundle (dist/assets/app.js, its CSS and index.html)
 * and the server side (dist/server.js, one file that node runs with no node_modules beside it
 * but its own). One script, so `make run`, the tests and CI build exactly the same thing.
 */
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, "assets"), { recursive: true });

await build({
  entryPoints: [join(root, "src", "main.tsx")],
  outfile: join(dist, "assets", "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  sourcemap: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  logLevel: "warning",
});

await build({
  entryPoints: [join(root, "server", "main.ts")],
  outfile: join(dist, "server.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  packages: "external",
  logLevel: "warning",
});

await copyFile(join(root, "src", "index.html"), join(dist, "index.html"));
await copyFile(join(root, "src", "styles.css"), join(dist, "assets", "styles.css"));
