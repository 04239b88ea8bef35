// The bundle loader against the golden bundle on disk: a fake fetch serves testdata/golden/ as streamed Responses,
// and a small in-memory Cache Storage stands in for the browser's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../bundle/manifest";
import {
  clearCachedModel,
  clearCachedModels,
  listCachedModels,
  loadBundle,
  MODEL_CACHE_NAME,
  ShardLoadError,
  type LoadProgress,
} from "./loader";
import { dequantize } from "./weights";
import { FakeCacheStorage, type FakeCache } from "../../tests/fakeCaches";

const GOLDEN = join(__dirname, "..", "..", "testdata", "golden");
const BASE = "https://models.example/models/cf/";
const SHARD = "weights-000.bin";
const goldenBytes = (file: string): Uint8Array<ArrayBuffer> => Uint8Array.from(readFileSync(join(GOLDEN, file)));
const manifest = parseManifest(JSON.parse(readFileSync(join(GOLDEN, "manifest.json"), "utf8")));
const shardKey = `${BASE}${SHARD}?sha256=${manifest.shards[0].sha256}`;
const manifestKey = `${BASE}manifest.json`;
// The tokenizer has no hash of its own in the manifest: it is cached under the weights' hashes.
const tokenizerKey = `${BASE}${manifest.tokenizer.file}?sha256=${manifest.shards.map((s) => s.sha256).join("")}`;
const TAGGER = "tagger.json";
const INDEX = "index.json";
const taggerKey = `${BASE}${TAGGER}?sha256=${manifest.conditioning?.tagger?.sha256}`;
const indexKey = `${BASE}${INDEX}?sha256=${manifest.conditioning?.index?.sha256}`;
const conditioningBytes = (manifest.conditioning?.tagger?.byteLength ?? 0) + (manifest.conditioning?.index?.byteLength ?? 0);
/** Everything a load of the golden bundle caches: manifest, tokenizer, tagger, index and the (hash-keyed) shard. */
const ALL_KEYS = [manifestKey, tokenizerKey, taggerKey, indexKey, shardKey].sort();

/** The golden manifest as an old, plain bundle would have it: no conditioning, no slots, no neighbours. */
function plainManifestJson(): string {
  const json = JSON.parse(readFileSync(join(GOLDEN, "manifest.json"), "utf8")) as {
    conditioning?: unknown;
    model: { slots?: boolean; neighbours?: number };
  };
  delete json.conditioning;
  delete json.model.slots;
  delete json.model.neighbours;
  return JSON.stringify(json);
}

/** The bytes of a JSON file with one character changed (still valid JSON, same length). */
function tampered(file: string): Uint8Array<ArrayBuffer> {
  const text = readFileSync(join(GOLDEN, file), "utf8");
  const at = text.indexOf("a");
  return new TextEncoder().encode(`${text.slice(0, at)}b${text.slice(at + 1)}`);
}

function corrupted(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = Uint8Array.from(bytes);
  copy[100] ^= 0xff;
  return copy;
}

/** A body streamed in 32 KiB chunks, as a network would. */
function streamed(bytes: Uint8Array, status = 200): Response {
  const CHUNK = 32 * 1024;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
  return new Response(body, { status });
}

/** What the fake server answers for a file on a given request number (0-based) for that file. */
type Serve = (file: string, attempt: number) => Response | Error | undefined;

interface FakeServer {
  fetch: typeof fetch;
  calls: string[];
}

function fakeServer(override: Serve = () => undefined): FakeServer {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    calls.push(url);
    if (!url.startsWith(BASE)) return new Response("not found", { status: 404, statusText: "Not Found" });
    const file = url.slice(BASE.length);
    const attempt = counts.get(file) ?? 0;
    counts.set(file, attempt + 1);
    const answer = override(file, attempt);
    if (answer instanceof Error) throw answer;
    if (answer) return answer;
    try {
      return streamed(goldenBytes(file));
    } catch {
      return new Response("not found", { status: 404, statusText: "Not Found" });
    }
  };
  return { fetch: fetchFn, calls };
}

describe("loadBundle", () => {
  it("loads the golden bundle with monotone progress ending at totalBytes, and dequantize accepts it", async () => {
    const server = fakeServer();
    const events: LoadProgress[] = [];
    const bundle = await loadBundle(BASE, { fetch: server.fetch, caches: null }, (p) => events.push(p));

    const shardBytes = manifest.shards.reduce((sum, s) => sum + s.byteLength, 0);
    // The progress counts every file the manifest gives a size for: the tagger and the index, then the shard.
    const totalBytes = conditioningBytes + shardBytes;
    expect(bundle.manifest.shards).toEqual(manifest.shards);
    expect(bundle.shards.map((s) => s.byteLength)).toEqual([shardBytes]);
    expect(bundle.cacheWarning).toBeUndefined();
    expect((bundle.tokenizerJson as { model?: unknown }).model).toBeDefined();
    expect(server.calls).toEqual([
      `${BASE}manifest.json`,
      `${BASE}tokenizer.json`,
      `${BASE}${TAGGER}`,
      `${BASE}${INDEX}`,
      `${BASE}${SHARD}`,
    ]);
    // The slot tagger and the retrieval index, parsed, as the engine reads them.
    expect(bundle.taggerJson).toEqual(JSON.parse(readFileSync(join(GOLDEN, TAGGER), "utf8")));
    expect(bundle.indexJson).toEqual(JSON.parse(readFileSync(join(GOLDEN, INDEX), "utf8")));

    expect(events[0].phase).toBe("manifest");
    expect(events.at(-1)).toEqual({
      phase: "done",
      loadedBytes: totalBytes,
      totalBytes,
      shards: [
        { file: TAGGER, loadedBytes: manifest.conditioning?.tagger?.byteLength, totalBytes: manifest.conditioning?.tagger?.byteLength, fromCache: false },
        { file: INDEX, loadedBytes: manifest.conditioning?.index?.byteLength, totalBytes: manifest.conditioning?.index?.byteLength, fromCache: false },
        { file: SHARD, loadedBytes: shardBytes, totalBytes: shardBytes, fromCache: false },
      ],
    });
    const shardEvents = events.filter((e) => e.phase === "shards");
    expect(shardEvents.length).toBeGreaterThan(5); // byte-level: one event per streamed chunk
    for (let i = 1; i < events.length; i++) expect(events[i].loadedBytes).toBeGreaterThanOrEqual(events[i - 1].loadedBytes);
    for (const e of shardEvents) expect(e.totalBytes).toBe(totalBytes);

    const tensors = dequantize(bundle.manifest, bundle.shards);
    expect(tensors.size).toBe(manifest.tensors.length);
  });

  it("caches verified shards and loads them again offline", async () => {
    const storage = new FakeCacheStorage();
    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    expect([...storage.cache().entries.keys()].sort()).toEqual(ALL_KEYS);

    // No network at all: manifest, tokenizer, tagger and index come from their cached copies (verified against the
    // manifest again), the shard from its verified entry.
    const offline = fakeServer(() => new TypeError("Failed to fetch"));
    const events: LoadProgress[] = [];
    const bundle = await loadBundle(BASE, { fetch: offline.fetch, caches: storage.storage }, (p) => events.push(p));
    expect(offline.calls.some((url) => url.endsWith(".bin"))).toBe(false);
    expect(bundle.taggerJson).toEqual(JSON.parse(readFileSync(join(GOLDEN, TAGGER), "utf8")));
    expect(bundle.indexJson).toEqual(JSON.parse(readFileSync(join(GOLDEN, INDEX), "utf8")));
    expect(events.at(-1)?.shards.at(-1)).toMatchObject({ file: SHARD, fromCache: true, loadedBytes: manifest.shards[0].byteLength });
    expect(dequantize(bundle.manifest, bundle.shards).size).toBe(manifest.tensors.length);
  });

  it("on a second visit asks the network for the manifest only (a revalidation); the rest comes from the cache", async () => {
    const storage = new FakeCacheStorage();
    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    const inits: (RequestInit | undefined)[] = [];
    const server = fakeServer();
    const watched: typeof fetch = (input, init) => {
      inits.push(init);
      return server.fetch(input, init);
    };
    const events: LoadProgress[] = [];
    const bundle = await loadBundle(BASE, { fetch: watched, caches: storage.storage }, (p) => events.push(p));
    expect(server.calls).toEqual([`${BASE}manifest.json`]);
    expect(inits[0]?.cache).toBe("no-cache");
    expect(events.at(-1)?.shards.every((s) => s.fromCache)).toBe(true);
    expect(bundle.indexJson).toEqual(JSON.parse(readFileSync(join(GOLDEN, INDEX), "utf8")));
    expect((bundle.tokenizerJson as { model?: unknown }).model).toBeDefined();
  });

  it("downloads a corrupt shard once more and succeeds when the retry is good", async () => {
    const server = fakeServer((file, attempt) =>
      file === SHARD && attempt === 0 ? streamed(corrupted(goldenBytes(SHARD))) : undefined,
    );
    const storage = new FakeCacheStorage();
    const bundle = await loadBundle(BASE, { fetch: server.fetch, caches: storage.storage });
    expect(server.calls.filter((url) => url.endsWith(SHARD))).toHaveLength(2);
    expect(dequantize(bundle.manifest, bundle.shards).size).toBe(manifest.tensors.length);
    expect(storage.cache().entries.has(shardKey)).toBe(true); // only the verified bytes are cached
  });

  it("rejects naming the shard when it is corrupt twice", async () => {
    const server = fakeServer((file) => (file === SHARD ? streamed(corrupted(goldenBytes(SHARD))) : undefined));
    const storage = new FakeCacheStorage();
    const load = loadBundle(BASE, { fetch: server.fetch, caches: storage.storage });
    await expect(load).rejects.toThrow(/weights-000\.bin is corrupt/);
    await expect(load).rejects.toBeInstanceOf(ShardLoadError);
    await expect(load).rejects.toMatchObject({ file: SHARD, failure: "corrupt" });
    expect(server.calls.filter((url) => url.endsWith(SHARD))).toHaveLength(2);
    expect(storage.cache().entries.has(shardKey)).toBe(false);
  });

  it("rejects naming a missing shard and its HTTP status", async () => {
    const server = fakeServer((file) =>
      file === SHARD ? new Response("gone", { status: 404, statusText: "Not Found" }) : undefined,
    );
    const load = loadBundle(BASE, { fetch: server.fetch });
    await expect(load).rejects.toThrow(/weights-000\.bin is missing: HTTP 404 Not Found/);
    await expect(load).rejects.toMatchObject({ failure: "http", status: 404 });
    expect(server.calls.filter((url) => url.endsWith(SHARD))).toHaveLength(2);
  });

  it("rejects a shard whose download fails twice, and retries a single network failure", async () => {
    const failing = fakeServer((file) => (file === SHARD ? new TypeError("Failed to fetch") : undefined));
    await expect(loadBundle(BASE, { fetch: failing.fetch })).rejects.toThrow(
      /weights-000\.bin could not be downloaded \(tried twice\): Failed to fetch/,
    );
    const flaky = fakeServer((file, attempt) => (file === SHARD && attempt === 0 ? new TypeError("reset") : undefined));
    const bundle = await loadBundle(BASE, { fetch: flaky.fetch });
    expect(bundle.shards).toHaveLength(1);
  });

  it("rejects a manifest of another version with parseManifest's message", async () => {
    const server = fakeServer((file) => {
      if (file !== "manifest.json") return undefined;
      const json = JSON.parse(readFileSync(join(GOLDEN, "manifest.json"), "utf8")) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...json, version: 2 }));
    });
    await expect(loadBundle(BASE, { fetch: server.fetch })).rejects.toThrow(
      "manifest.json: version 2 is not supported (expected 1)",
    );
    expect(server.calls).toEqual([`${BASE}manifest.json`]);
  });

  it("rejects a missing manifest with its HTTP status", async () => {
    const server = fakeServer((file) => (file === "manifest.json" ? new Response("", { status: 500 }) : undefined));
    await expect(loadBundle(BASE, { fetch: server.fetch })).rejects.toThrow(/manifest\.json could not be downloaded: HTTP 500/);
  });

  it("loads with a cacheWarning when the cache is full", async () => {
    const storage = new FakeCacheStorage();
    await storage.open(MODEL_CACHE_NAME);
    storage.cache().putError = new DOMException("quota", "QuotaExceededError");
    const bundle = await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    expect(bundle.cacheWarning).toMatch(/^the browser cache is full: /);
    expect(bundle.shards).toHaveLength(1);
    expect(storage.cache().entries.size).toBe(0);
  });

  it("deletes a corrupt cached shard and downloads it again", async () => {
    const storage = new FakeCacheStorage();
    const cache = (await storage.open(MODEL_CACHE_NAME)) as unknown as FakeCache;
    await cache.put(shardKey, new Response(corrupted(goldenBytes(SHARD))));
    const server = fakeServer();
    const events: LoadProgress[] = [];
    const bundle = await loadBundle(BASE, { fetch: server.fetch, caches: storage.storage }, (p) => events.push(p));
    expect(server.calls.filter((url) => url.endsWith(SHARD))).toHaveLength(1);
    expect(events.at(-1)?.shards[0].fromCache).toBe(false);
    const golden = Buffer.from(goldenBytes(SHARD));
    expect(golden.equals(Buffer.from(bundle.shards[0]))).toBe(true);
    const recached = cache.entries.get(shardKey);
    expect(recached !== undefined && golden.equals(Buffer.from(recached.bytes))).toBe(true);
  });

  it("stops with an AbortError when aborted mid-shard, and before it starts", async () => {
    const controller = new AbortController();
    const load = loadBundle(
      BASE,
      { fetch: fakeServer().fetch },
      (p) => {
        if (p.phase === "shards" && p.loadedBytes > 0) controller.abort();
      },
      controller.signal,
    );
    await expect(load).rejects.toMatchObject({ name: "AbortError" });

    const server = fakeServer();
    await expect(loadBundle(BASE, { fetch: server.fetch }, undefined, AbortSignal.abort())).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(server.calls).toEqual([]);
  });

  it.each([TAGGER, INDEX])("refuses a %s whose bytes are not the manifest's, naming it, and does not cache it", async (file) => {
    const server = fakeServer((name) => (name === file ? streamed(tampered(file)) : undefined));
    const storage = new FakeCacheStorage();
    const load = loadBundle(BASE, { fetch: server.fetch, caches: storage.storage });
    await expect(load).rejects.toThrow(`${file} is corrupt: its SHA-256 does not match the manifest`);
    expect([...storage.cache().entries.keys()].some((key) => key.startsWith(`${BASE}${file}`))).toBe(false);
    expect(server.calls.some((url) => url.endsWith(".bin"))).toBe(false); // nothing after it is downloaded

    // A copy of another length (cut short) is refused too.
    const bytes = readFileSync(join(GOLDEN, file));
    const short = fakeServer((name) => (name === file ? streamed(bytes.subarray(0, bytes.byteLength - 1)) : undefined));
    await expect(loadBundle(BASE, { fetch: short.fetch })).rejects.toThrow(`${file} is corrupt`);
  });

  it.each([TAGGER, INDEX])("refuses a cached %s that does not match the manifest, deletes it, and asks the network", async (file) => {
    const storage = new FakeCacheStorage();
    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    const key = file === TAGGER ? taggerKey : indexKey;
    const good = storage.cache().entries.get(key);
    if (!good) throw new Error(`${file} was not cached`);
    storage.cache().entries.set(key, { ...good, bytes: tampered(file).buffer });

    // Offline, the bad copy is not used: the load fails naming the file, and the copy is gone.
    const offline = fakeServer(() => new TypeError("Failed to fetch"));
    await expect(loadBundle(BASE, { fetch: offline.fetch, caches: storage.storage })).rejects.toThrow(
      `${file} could not be downloaded`,
    );
    expect(storage.cache().entries.has(key)).toBe(false);
    // Back online, the file is downloaded and cached again.
    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    expect([...storage.cache().entries.keys()].sort()).toEqual(ALL_KEYS);
  });

  it("loads a plain bundle (no conditioning) without asking for a tagger or an index", async () => {
    const server = fakeServer((file) => (file === "manifest.json" ? new Response(plainManifestJson()) : undefined));
    const storage = new FakeCacheStorage();
    const bundle = await loadBundle(BASE, { fetch: server.fetch, caches: storage.storage });
    expect(bundle.manifest.conditioning).toBeUndefined();
    expect(bundle.taggerJson).toBeUndefined();
    expect(bundle.indexJson).toBeUndefined();
    expect(server.calls).toEqual([`${BASE}manifest.json`, `${BASE}tokenizer.json`, `${BASE}${SHARD}`]);
    expect([...storage.cache().entries.keys()].sort()).toEqual([manifestKey, shardKey, tokenizerKey].sort());
    expect(dequantize(bundle.manifest, bundle.shards).size).toBe(manifest.tensors.length);
  });

  it("resolves a base URL without a trailing slash", async () => {
    const server = fakeServer();
    await loadBundle(BASE.slice(0, -1), { fetch: server.fetch });
    expect(server.calls[0]).toBe(`${BASE}manifest.json`);
  });
});

describe("listCachedModels / clearCachedModels", () => {
  it("lists the cached shards with their sizes and clears them", async () => {
    const storage = new FakeCacheStorage();
    expect(await listCachedModels(storage.storage)).toEqual([]);
    expect(await clearCachedModels(storage.storage)).toBe(0);

    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    const listed = await listCachedModels(storage.storage);
    expect(listed.find((e) => e.url === shardKey)).toEqual({ url: shardKey, bytes: manifest.shards[0].byteLength });
    expect(listed.map((e) => e.url).sort()).toEqual(ALL_KEYS);
    expect(listed.find((e) => e.url === indexKey)?.bytes).toBe(manifest.conditioning?.index?.byteLength);
    expect(await clearCachedModel(storage.storage, "http://test/other-model/")).toBe(0);
    expect(await clearCachedModels(storage.storage)).toBe(ALL_KEYS.length);
    expect(await listCachedModels(storage.storage)).toEqual([]);
    await loadBundle(BASE, { fetch: fakeServer().fetch, caches: storage.storage });
    expect(await clearCachedModel(storage.storage, BASE)).toBe(ALL_KEYS.length);
    expect(await listCachedModels(storage.storage)).toEqual([]);
  });
});
