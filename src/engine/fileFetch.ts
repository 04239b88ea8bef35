// fetch over file: URLs, so Node code (tests, the Node bench) loads a bundle from disk through the real loader
// (loader.ts): the same manifest parsing, SHA-256 checks and errors as in the browser.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const fileFetch = (async (input: RequestInfo | URL): Promise<Response> => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  if (url.protocol !== "file:") throw new Error(`only file: URLs here, got ${url.href}`);
  const path = fileURLToPath(new URL(url.pathname, "file:///"));
  if (!existsSync(path)) return new Response(null, { status: 404, statusText: "Not Found" });
  return new Response(new Uint8Array(readFileSync(path)));
}) as typeof fetch;
