/**
 * The built app: files under `/assets/` and, for every other page address, `index.html`, whose
 * script routes in the browser (`/`, `/counter`, `/profil`, ...).
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

import { firstHeader, problem, sendProblem } from "./http";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

interface Loaded {
  readonly content: Buffer;
  readonly etag: string;
  readonly modified: number;
}

/**
 * Files are kept in memory and read again when they change on disk (a new build: reload the
 * page, no restart). The asset names carry no content hash, so browsers revalidate them
 * (ETag) rather than cache them for good.
 */
export class StaticFiles {
  readonly #cache = new Map<string, Loaded>();

  constructor(private readonly dist: string) {}

  async #load(file: string): Promise<Loaded | null> {
    let modified: number;
    try {
      const found = await stat(file);
      if (!found.isFile()) return null;
      modified = found.mtimeMs;
    } catch {
      return null;
    }
    const kept = this.#cache.get(file);
    if (kept?.modified === modified) return kept;
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      return null;
    }
    const etag = `"${createHash("sha256").update(content).digest("base64url").slice(0, 27)}"`;
    const loaded = { content, etag, modified };
    this.#cache.set(file, loaded);
    return loaded;
  }

  /** A path under `/assets/`, confined to `dist/assets` whatever dots or slashes it holds. */
  assetFile(path: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path.slice("/assets/".length));
    } catch {
      return null;
    }
    if (decoded.includes("\0") || decoded.includes("\\")) return null;
    const root = join(this.dist, "assets");
    const file = normalize(join(root, decoded));
    return file.startsWith(root + sep) ? file : null;
  }

  async #send(
    request: IncomingMessage,
    response: ServerResponse,
    file: string,
    type: string,
  ): Promise<void> {
    const loaded = await this.#load(file);
    if (loaded === null) {
      sendProblem(response, problem(404, "not-found", "Not found", "There is no such file."));
      return;
    }
    const headers = { "Content-Type": type, ETag: loaded.etag, "Cache-Control": "no-cache" };
    if (firstHeader(request, "if-none-match") === loaded.etag) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    response.writeHead(200, { ...headers, "Content-Length": loaded.content.length });
    response.end(request.method === "HEAD" ? undefined : loaded.content);
  }

  async asset(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const file = this.assetFile(path);
    const type = file === null ? undefined : TYPES[extname(file)];
    if (file === null || type === undefined) {
      sendProblem(response, problem(404, "not-found", "Not found", "There is no such file."));
      return;
    }
    await this.#send(request, response, file, type);
  }

  page(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return this.#send(request, response, join(this.dist, "index.html"), "text/html; charset=utf-8");
  }
}
