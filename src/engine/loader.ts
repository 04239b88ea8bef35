// Downloads a model bundle (docs/model-format.md): manifest.json, the tokenizer, the conditioning files (tagger,
// index, channel), then the weight shards, streamed for byte-level progress, each verified against the manifest's
// SHA-256 and kept in the Cache Storage. A later visit asks the server only whether the manifest changed (a
// revalidation); every other file comes from the cache, keyed by its hash, as long as the manifest names that hash,
// and a visit without a network loads from the cache. fetch and caches are injected, so Node tests can pass fakes.
import { parseManifest, sha256Hex, verifyShard, type BundleFile, type BundleManifest, type ShardEntry } from "../bundle/manifest";

/** The Cache Storage cache that holds verified weight shards. Bump the suffix if the entry layout changes. */
export const MODEL_CACHE_NAME = "codefusion-models-v1";

export interface ShardProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
  fromCache: boolean;
}

export interface LoadProgress {
  phase: "manifest" | "shards" | "done";
  /** Sum of the files' loadedBytes (goes back only when a shard is downloaded again after a failure). */
  loadedBytes: number;
  /** Sum of the byteLength the manifest gives its files (0 until the manifest is read): the whole bundle but the
   * manifest and the tokenizer, whose sizes it does not give. */
  totalBytes: number;
  /** Every file of known size, in load order: the conditioning files (tagger, index, channel), then the shards. */
  shards: ShardProgress[];
}

export interface LoaderDeps {
  fetch: typeof fetch;
  /** null or absent: no cache, every shard comes from the network. */
  caches?: CacheStorage | null;
}

export interface LoadedBundle {
  manifest: BundleManifest;
  tokenizerJson: unknown;
  /** The slot tagger (manifest.conditioning.tagger), when the model uses slots. */
  taggerJson?: unknown;
  /** The retrieval index (manifest.conditioning.index), when the model reads retrieved codes. */
  indexJson?: unknown;
  /** The channel table (manifest.conditioning.channel), when the model ranks by rank "channel". */
  channelJson?: unknown;
  /** One verified ArrayBuffer per manifest shard, in manifest order (what dequantize takes). */
  shards: ArrayBuffer[];
  /** Set when the shards could not be cached (quota, or the cache is unavailable); the load itself succeeded. */
  cacheWarning?: string;
}

export type ShardFailure = "corrupt" | "http" | "network";

/** A shard that failed twice; `failure` says how the last try failed, `status` is its HTTP status if any. */
export class ShardLoadError extends Error {
  override readonly name = "ShardLoadError";
  constructor(
    message: string,
    readonly file: string,
    readonly failure: ShardFailure,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

type Attempt =
  | { ok: true; bytes: ArrayBuffer }
  | { ok: false; failure: ShardFailure; status?: number; message: string; cause?: unknown };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorName(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "name" in err && typeof err.name === "string") return err.name;
  return undefined;
}

function abortError(): DOMException {
  return new DOMException("The model load was aborted", "AbortError");
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/** Rethrows as an AbortError when the failure came from (or happened during) an abort. */
function rethrowIfAbort(err: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted || errorName(err) === "AbortError") throw abortError();
}

function bundleBase(baseUrl: string): URL {
  const withSlash = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const page = typeof location === "undefined" ? undefined : location.href;
  try {
    return new URL(withSlash, page);
  } catch (err) {
    throw new Error(`bundle URL ${baseUrl} is not absolute and there is no page to resolve it against`, { cause: err });
  }
}

/** The cache key of a shard: its absolute URL plus its hash, so a new model version never reuses an old shard. */
function shardCacheKey(url: URL, shard: ShardEntry): string {
  return hashedKey(url, shard.sha256);
}

function httpStatus(response: Response): string {
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
}

interface JsonFetch {
  /** The cache entry's key (default: the URL). */
  cacheKey?: string;
  /** Use a cached copy before asking the network (a key that names the file's version: its hash). */
  cacheFirst?: boolean;
  /** Ask the server whether its copy changed (an HTTP revalidation) instead of taking the browser's HTTP cache. */
  revalidate?: boolean;
}

/** Whether a JSON file's text is the one the manifest describes (always, for a file it gives no hash for). */
async function matches(text: string, expected: BundleFile | undefined): Promise<boolean> {
  if (!expected) return true;
  const bytes = new TextEncoder().encode(text);
  return bytes.byteLength === expected.byteLength && (await sha256Hex(bytes)) === expected.sha256;
}

/**
 * Fetches a JSON file of the bundle. A copy goes into the cache; with cacheFirst a verified cached copy is used
 * without asking the network, and when the network is unreachable (offline, not an HTTP error) the cached copy is
 * used, so a model that was loaded once loads again without a network.
 */
async function fetchJson(
  fetchFn: typeof fetch,
  url: URL,
  file: string,
  signal: AbortSignal | undefined,
  cache: Cache | null,
  expected?: BundleFile,
  options: JsonFetch = {},
): Promise<{ json: unknown; fromCache: boolean }> {
  const key = options.cacheKey ?? url.href;
  if (options.cacheFirst && cache) {
    let text: string | null = null;
    try {
      const hit = await cache.match(key);
      text = hit ? await hit.text() : null;
    } catch (err) {
      rethrowIfAbort(err, signal);
      text = null; // an unreadable cache is a cache miss
    }
    throwIfAborted(signal);
    if (text !== null) {
      try {
        if (await matches(text, expected)) return { json: JSON.parse(text) as unknown, fromCache: true };
      } catch {
        // not JSON: a broken entry, replaced below
      }
      await cache.delete(key).catch(() => false);
    }
  }
  let response: Response;
  let fromCache = false;
  try {
    response = await fetchFn(url.href, options.revalidate ? { signal, cache: "no-cache" } : { signal });
  } catch (err) {
    rethrowIfAbort(err, signal);
    const cached = cache ? await cache.match(key).catch(() => undefined) : undefined;
    if (!cached) throw new Error(`${file} could not be downloaded: ${errorMessage(err)}`, { cause: err });
    response = cached;
    fromCache = true;
  }
  if (!response.ok) throw new Error(`${file} could not be downloaded: ${httpStatus(response)}`);
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    rethrowIfAbort(err, signal);
    throw new Error(`${file} could not be downloaded: ${errorMessage(err)}`, { cause: err });
  }
  throwIfAborted(signal);
  if (!(await matches(text, expected))) {
    await cache?.delete(key).catch(() => undefined);
    throw new Error(`${file} is corrupt: its SHA-256 does not match the manifest`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!fromCache) await cache?.put(key, new Response(text, { headers: { "Content-Type": "application/json" } })).catch(() => undefined);
  return { json, fromCache };
}

/** The cache key of a file the manifest gives a hash for: its URL plus the hash, as a shard's. */
function hashedKey(url: URL, sha256: string): string {
  const key = new URL(url.href);
  key.searchParams.set("sha256", sha256);
  return key.href;
}

/** Reads a body to the end, calling onBytes with the running total; stops with an AbortError on abort. */
async function readBody(
  response: Response,
  expectedBytes: number,
  onBytes: (loaded: number) => void,
  signal: AbortSignal | undefined,
): Promise<ArrayBuffer> {
  if (!response.body) {
    const buffer = await response.arrayBuffer();
    throwIfAborted(signal);
    onBytes(buffer.byteLength);
    return buffer;
  }
  const reader = response.body.getReader();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", cancel);
  let buffer = new Uint8Array(Math.max(expectedBytes, 1));
  let loaded = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      throwIfAborted(signal);
      if (done) break;
      if (loaded + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.byteLength;
      onBytes(loaded);
    }
  } catch (err) {
    if (signal?.aborted) cancel();
    throw err;
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  return loaded === buffer.byteLength ? buffer.buffer : buffer.buffer.slice(0, loaded);
}

/**
 * Loads the bundle under baseUrl (a directory URL, absolute or relative to the page): manifest, tokenizer and
 * every weight shard, verified. Rejects with the manifest's own message for a bad manifest, with a
 * ShardLoadError naming the shard when a shard fails twice, and with a DOMException "AbortError" on abort.
 */
export async function loadBundle(
  baseUrl: string,
  deps: LoaderDeps,
  onProgress?: (p: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<LoadedBundle> {
  const fetchFn = deps.fetch; // called unbound: window.fetch refuses a `this` that is not the window
  const base = bundleBase(baseUrl);
  const progress: ShardProgress[] = [];
  let totalBytes = 0;
  const emit = (phase: LoadProgress["phase"]): void => {
    if (!onProgress) return;
    const shards = progress.map((s) => ({ ...s }));
    const loadedBytes = shards.reduce((sum, s) => sum + s.loadedBytes, 0);
    onProgress({ phase, loadedBytes, totalBytes, shards });
  };

  throwIfAborted(signal);
  emit("manifest");
  let cacheWarning: string | undefined;
  let cache: Cache | null = null;
  if (deps.caches) {
    try {
      cache = await deps.caches.open(MODEL_CACHE_NAME);
    } catch (err) {
      cacheWarning = `the browser cache is unavailable: the model will be downloaded again next time (${errorMessage(err)})`;
    }
  }
  throwIfAborted(signal);
  // The manifest names every other file's version, so it is the one file always asked of the server.
  const manifestUrl = new URL("manifest.json", base);
  const manifest = parseManifest((await fetchJson(fetchFn, manifestUrl, "manifest.json", signal, cache, undefined, { revalidate: true })).json);
  const tokenizerFile = manifest.tokenizer.file;
  // The manifest gives the tokenizer no hash: its cached copy is keyed by the weights it was exported with.
  const tokenizerUrl = new URL(tokenizerFile, base);
  const tokenizerKey = hashedKey(tokenizerUrl, manifest.shards.map((s) => s.sha256).join(""));
  const { json: tokenizerJson } = await fetchJson(fetchFn, tokenizerUrl, tokenizerFile, signal, cache, undefined, {
    cacheKey: tokenizerKey,
    cacheFirst: true,
  });

  // Slots and retrieval: the tagger's weights, the index of known requests and the channel table, verified like
  // the shards and counted with them in the progress.
  const conditioning = [manifest.conditioning?.tagger, manifest.conditioning?.index, manifest.conditioning?.channel];
  for (const entry of [...conditioning.filter((e): e is BundleFile => e !== undefined), ...manifest.shards]) {
    progress.push({ file: entry.file, loadedBytes: 0, totalBytes: entry.byteLength, fromCache: false });
    totalBytes += entry.byteLength;
  }
  emit("shards");
  let fileIndex = 0;
  const conditioningFile = async (entry: BundleFile | undefined): Promise<unknown> => {
    if (!entry) return undefined;
    const url = new URL(entry.file, base);
    const { json, fromCache } = await fetchJson(fetchFn, url, entry.file, signal, cache, entry, {
      cacheKey: hashedKey(url, entry.sha256),
      cacheFirst: true,
    });
    const state = progress[fileIndex++] as ShardProgress;
    state.loadedBytes = entry.byteLength;
    state.fromCache = fromCache;
    emit("shards");
    return json;
  };
  const taggerJson = await conditioningFile(manifest.conditioning?.tagger);
  const indexJson = await conditioningFile(manifest.conditioning?.index);
  const channelJson = await conditioningFile(manifest.conditioning?.channel);

  const shards: ArrayBuffer[] = [];
  for (const [index, shard] of manifest.shards.entries()) {
    const state = progress[fileIndex + index] as ShardProgress;
    const url = new URL(shard.file, base);
    const key = shardCacheKey(url, shard);

    // 1. The cache, whose entries are verified like downloads: a corrupt one is deleted and downloaded again.
    if (cache) {
      const cached = await readCached(cache, key, shard, signal);
      if (cached) {
        state.loadedBytes = shard.byteLength;
        state.fromCache = true;
        emit("shards");
        shards.push(cached);
        continue;
      }
    }

    // 2. The network, at most twice; the second try bypasses the HTTP cache too.
    let attempt: Attempt | undefined;
    for (let tryIndex = 0; tryIndex < 2; tryIndex++) {
      state.loadedBytes = 0;
      if (tryIndex > 0) emit("shards");
      attempt = await downloadShard(fetchFn, url, shard, tryIndex > 0, signal, (loaded) => {
        state.loadedBytes = Math.min(loaded, shard.byteLength);
        emit("shards");
      });
      if (attempt.ok) break;
    }
    if (!attempt || !attempt.ok) {
      throw shardError(shard, attempt ?? { ok: false, failure: "network", message: "not downloaded" });
    }
    shards.push(attempt.bytes);

    // 3. Into the cache; a full (or otherwise failing) cache only costs the next visit a download.
    if (cache) {
      try {
        await cache.put(key, shardResponse(attempt.bytes));
      } catch (err) {
        rethrowIfAbort(err, signal);
        cacheWarning =
          errorName(err) === "QuotaExceededError"
            ? `the browser cache is full: the model will be downloaded again next time (${errorMessage(err)})`
            : `the browser cache could not store ${shard.file}: the model will be downloaded again next time (${errorMessage(err)})`;
        cache = null;
      }
    }
  }

  emit("done");
  const result: LoadedBundle = { manifest, tokenizerJson, shards };
  if (taggerJson !== undefined) result.taggerJson = taggerJson;
  if (indexJson !== undefined) result.indexJson = indexJson;
  if (channelJson !== undefined) result.channelJson = channelJson;
  if (cacheWarning !== undefined) result.cacheWarning = cacheWarning;
  return result;
}

async function readCached(
  cache: Cache,
  key: string,
  shard: ShardEntry,
  signal: AbortSignal | undefined,
): Promise<ArrayBuffer | null> {
  let bytes: ArrayBuffer;
  try {
    const hit = await cache.match(key);
    if (!hit) return null;
    bytes = await hit.arrayBuffer();
  } catch (err) {
    rethrowIfAbort(err, signal);
    return null; // an unreadable cache is a cache miss
  }
  throwIfAborted(signal);
  try {
    await verifyShard(shard, bytes);
    return bytes;
  } catch {
    await cache.delete(key).catch(() => false);
    return null;
  }
}

async function downloadShard(
  fetchFn: typeof fetch,
  url: URL,
  shard: ShardEntry,
  retry: boolean,
  signal: AbortSignal | undefined,
  onBytes: (loaded: number) => void,
): Promise<Attempt> {
  throwIfAborted(signal);
  let bytes: ArrayBuffer;
  try {
    const response = await fetchFn(url.href, retry ? { signal, cache: "reload" } : { signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, failure: "http", status: response.status, message: httpStatus(response) };
    }
    bytes = await readBody(response, shard.byteLength, onBytes, signal);
  } catch (err) {
    rethrowIfAbort(err, signal);
    return { ok: false, failure: "network", message: errorMessage(err), cause: err };
  }
  try {
    await verifyShard(shard, bytes);
  } catch (err) {
    return { ok: false, failure: "corrupt", message: errorMessage(err), cause: err };
  }
  return { ok: true, bytes };
}

function shardError(shard: ShardEntry, attempt: Extract<Attempt, { ok: false }>): ShardLoadError {
  const options: ErrorOptions = attempt.cause === undefined ? {} : { cause: attempt.cause };
  switch (attempt.failure) {
    case "corrupt":
      return new ShardLoadError(
        `weight shard ${shard.file} is corrupt, twice: ${attempt.message}`,
        shard.file,
        "corrupt",
        undefined,
        options,
      );
    case "http":
      return new ShardLoadError(
        `weight shard ${shard.file} is missing: ${attempt.message} (tried twice)`,
        shard.file,
        "http",
        attempt.status,
        options,
      );
    case "network":
      return new ShardLoadError(
        `weight shard ${shard.file} could not be downloaded (tried twice): ${attempt.message}`,
        shard.file,
        "network",
        undefined,
        options,
      );
  }
}

function shardResponse(bytes: ArrayBuffer): Response {
  return new Response(bytes, {
    headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.byteLength) },
  });
}

/** Every cached shard (its cache key, which carries the hash) and its size in bytes. */
export async function listCachedModels(caches: CacheStorage): Promise<{ url: string; bytes: number }[]> {
  if (!(await caches.has(MODEL_CACHE_NAME))) return [];
  const cache = await caches.open(MODEL_CACHE_NAME);
  const entries: { url: string; bytes: number }[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (!response) continue;
    const header = Number(response.headers.get("Content-Length"));
    const bytes = Number.isInteger(header) && header > 0 ? header : (await response.arrayBuffer()).byteLength;
    entries.push({ url: request.url, bytes });
  }
  return entries;
}

/** Deletes the cached files of one model (every entry under its bundle URL); returns how many there were. */
export async function clearCachedModel(caches: CacheStorage, baseUrl: string): Promise<number> {
  if (!(await caches.has(MODEL_CACHE_NAME))) return 0;
  const base = bundleBase(baseUrl).href;
  const cache = await caches.open(MODEL_CACHE_NAME);
  let removed = 0;
  for (const request of await cache.keys()) {
    if (request.url.startsWith(base) && (await cache.delete(request))) removed++;
  }
  return removed;
}

/** Deletes the model cache; returns how many files it held. */
export async function clearCachedModels(caches: CacheStorage): Promise<number> {
  if (!(await caches.has(MODEL_CACHE_NAME))) return 0;
  const cache = await caches.open(MODEL_CACHE_NAME);
  const count = (await cache.keys()).length;
  await caches.delete(MODEL_CACHE_NAME);
  return count;
}
