// Test support: an in-memory Cache Storage with the few methods the loader uses (Node has no Cache API).
import { MODEL_CACHE_NAME } from "../src/engine/loader";

function requestUrl(request: RequestInfo | URL): string {
  return typeof request === "string" ? request : request instanceof URL ? request.href : request.url;
}

/** The few Cache methods the loader uses, over a Map of bytes (a Response body can only be read once). */
export class FakeCache implements Pick<Cache, "match" | "put" | "delete" | "keys"> {
  readonly entries = new Map<string, { bytes: ArrayBuffer; headers: [string, string][] }>();
  putError: Error | null = null;

  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const entry = this.entries.get(requestUrl(request));
    return entry && new Response(entry.bytes.slice(0), { headers: entry.headers });
  }
  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    if (this.putError) throw this.putError;
    this.entries.set(requestUrl(request), { bytes: await response.arrayBuffer(), headers: [...response.headers] });
  }
  async delete(request: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(requestUrl(request));
  }
  async keys(): Promise<readonly Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
}

export class FakeCacheStorage implements Pick<CacheStorage, "open" | "has" | "delete"> {
  readonly caches = new Map<string, FakeCache>();

  async open(name: string): Promise<Cache> {
    let cache = this.caches.get(name);
    if (!cache) this.caches.set(name, (cache = new FakeCache()));
    return cache as unknown as Cache; // implements the methods the loader calls
  }
  async has(name: string): Promise<boolean> {
    return this.caches.has(name);
  }
  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }
  get storage(): CacheStorage {
    return this as unknown as CacheStorage;
  }
  cache(): FakeCache {
    const cache = this.caches.get(MODEL_CACHE_NAME);
    if (!cache) throw new Error("no model cache");
    return cache;
  }
}
