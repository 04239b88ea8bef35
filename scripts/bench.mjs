// `npm run bench`: times the engine in headless Chromium on every tfjs backend (bench/index.html, which runs
// bench/benchmark.ts), the same bundle in PyTorch on the CPU (training/bench.py) and, unless --no-node, the
// WebGPU backend in Node through Dawn (scripts/bench-node-webgpu.ts); prints the tables and writes
// docs/benchmarks.md (machine, browser, adapter, model, tables) and the raw results to out/bench/bench.json
// (git-ignored; not test-results/, which Playwright empties on every run).
//
//   npm run bench [-- --url http://127.0.0.1:5173] [--backends webgpu,wasm,webgl,cpu] [--model /models/cf/ ...]
//                 [--no-python] [--no-node] [--out docs/benchmarks.md] [--json out/bench/bench.json]
//   npm run bench -- --render out/bench/bench.json   (rewrite the markdown from saved results, no measuring)
//
// Every shipped model (public/models/{cf,bash,python}) unless --model names some (repeat it for several). wasm runs
// twice on a machine with more than one core: single-threaded and with every thread the page may use (the dev
// server is cross-origin isolated), so the tables show what threads buy. The speed-up column compares with
// bench/baseline.json, the same measurements before the engine's per-step work was cut (issue 12).
// Without --url it starts the Vite dev server (`npx vite --port N --strictPort --host 127.0.0.1`) on a free port.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAGS } from "./chromium.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const CHROMIUM_FLAGS = [...QUIET_FLAGS, ...WEBGPU_FLAGS];
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const PAPER_MS = 2318;
const GOAL_MS = 300;

function parseArgs(argv) {
  const args = {
    url: undefined,
    backends: ["webgpu", "wasm", "webgl", "cpu"],
    models: [],
    python: true,
    node: true,
    out: join(ROOT, "docs/benchmarks.md"),
    json: join(ROOT, "out/bench/bench.json"),
    pageTimeoutS: 420,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--url") args.url = value().replace(/\/$/, "");
    else if (flag === "--backends") args.backends = value().split(",").filter(Boolean);
    else if (flag === "--model") args.models.push(value());
    else if (flag === "--no-python") args.python = false;
    else if (flag === "--no-node") args.node = false;
    else if (flag === "--out") args.out = resolve(value());
    else if (flag === "--json") args.json = resolve(value());
    else if (flag === "--page-timeout-s") args.pageTimeoutS = Number(value());
    else if (flag === "--render") args.render = resolve(value());
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

const GOLDEN_DIR = join(ROOT, "testdata/golden");

/** Whether a bundle directory holds the golden test model (a copy of it under public/models/ is no shipped model). */
function isGoldenCopy(dir) {
  try {
    const hashes = (d) => JSON.parse(readFileSync(join(d, "manifest.json"), "utf8")).shards.map((s) => s.sha256).join();
    return hashes(dir) === hashes(GOLDEN_DIR);
  } catch {
    return false;
  }
}

/** The bundle benched: the URL the page fetches and the directory Python and Node read. */
function chooseModel(requested) {
  const describe = (url, dir) => {
    let preset = null;
    try {
      preset = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).training?.preset ?? null;
    } catch {
      // the page reports the error
    }
    return { url, dir, shipped: !isGoldenCopy(dir), preset };
  };
  if (requested) {
    const url = requested.endsWith("/") ? requested : `${requested}/`;
    return describe(url, url.startsWith("/models/") ? join(ROOT, "public", url) : join(ROOT, url));
  }
  return describe("/testdata/golden/", GOLDEN_DIR);
}

/** The bundles benched: those named, else every shipped model, else the golden test bundle. */
function chooseModels(requested) {
  if (requested.length > 0) return requested.map((r) => chooseModel(r));
  const shipped = ["cf", "bash", "python"]
    .map((language) => ({ language, dir: join(ROOT, "public/models", language) }))
    .filter(({ dir }) => existsSync(join(dir, "manifest.json")) && !isGoldenCopy(dir))
    .map(({ language }) => chooseModel(`/models/${language}/`));
  return shipped.length > 0 ? shipped : [chooseModel(undefined)];
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function startVite() {
  const port = await freePort();
  const child = spawn("npx", ["vite", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true, // its own process group, so that stopping it stops its children too
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${url}/bench/index.html`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`vite did not answer at ${url} within 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  return { url, stop };
}

async function runPage(browser, url, timeoutS, label) {
  const context = await browser.newContext(); // a fresh profile: an empty Cache API
  try {
    const page = await context.newPage();
    page.on("console", (msg) => {
      const text = msg.text();
      if (text.startsWith("[bench]")) console.log(`  ${label} ${text.slice(8)}`);
    });
    page.on("pageerror", (err) => console.log(`  ${label} page error: ${err.message}`));
    await page.goto(url);
    await page.waitForFunction(() => window.benchResult !== undefined, undefined, { timeout: timeoutS * 1000, polling: 500 });
    const result = await page.evaluate(() => window.benchResult);
    let warmPage = null;
    if (result && !("error" in result)) {
      // A warm load in a new page of the same profile: the Cache API holds the shards, kernels compile again.
      const second = await context.newPage();
      await second.goto(`${url}&only=warm`);
      await second.waitForFunction(() => window.benchResult !== undefined, undefined, { timeout: 180_000, polling: 250 });
      warmPage = await second.evaluate(() => window.benchResult);
    }
    return { result, warmPage };
  } finally {
    await context.close();
  }
}

function runJsonCommand(label, command, args, options) {
  console.log(`\n== ${label}: ${command} ${args.join(" ")}`);
  const started = Date.now();
  const child = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (child.error || child.status !== 0) {
    const why = child.error ? child.error.message : `exit ${child.status ?? child.signal}`;
    const tail = (child.stderr ?? "").trim().split("\n").slice(-5).join(" | ");
    console.log(`   failed after ${seconds} s: ${why} ${tail}`);
    return { error: `${why}: ${tail}` };
  }
  console.log(`   done in ${seconds} s`);
  return null;
}

function machine() {
  let cpu = cpus()[0]?.model ?? "unknown CPU";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  return { cpu, cores: cpus().length, memoryGiB: totalmem() / 2 ** 30, kernel: release(), node: process.version, loadavg: loadavg() };
}

// ---------- formatting ----------
const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits));
const ms = (v) => (v === null || v === undefined ? "–" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${fmt(v, v < 10 ? 2 : 0)}`);
const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

/** "wasm, 2 threads" for a wasm run, else the backend's name. */
function runLabel(run) {
  const threads = run.result && !("error" in run.result) ? run.result.threads : run.threads;
  return run.backend === "wasm" && threads ? `wasm, ${threads} thread${threads > 1 ? "s" : ""}` : run.backend;
}

/** What the model's wasm runs measured: step (final-only and shown), floor ratio, top-5 at the default K. */
function wasmFigures(entry) {
  return entry.runs
    .filter((r) => r.backend === "wasm" && r.result && !("error" in r.result))
    .map((r) => {
      const s5 = r.result.steps.find((s) => s.n === 5);
      return {
        threads: r.result.threads ?? 1,
        step: s5?.msPerStep ?? null,
        shown: s5?.shownMsPerStep ?? null,
        floor: s5?.floorMs ?? null,
        ratio: s5?.floorRatio ?? null,
        peak: r.result.peak?.gflops ?? null,
        top5: r.result.finalOnly && !r.result.finalOnly.skipped ? r.result.finalOnly.ms : null,
        K: r.result.finalOnly?.K ?? null,
      };
    })
    .sort((a, b) => a.threads - b.threads);
}

/**
 * Amdahl's law through two measured points, t(p) = serial + parallel / p: t(1) and t(2) give both parts, and t(p)
 * follows for any p. An extrapolation: it assumes p cores as fast as these and the same split of the work.
 */
function amdahl(t1, t2, threads) {
  const parallel = Math.max(0, 2 * (t1 - t2));
  const serial = Math.max(0, t1 - parallel);
  return serial + parallel / threads;
}

function summarise(all) {
  const { machine: m, browserVersion, models, baseline } = all;
  const lines = [];
  lines.push("# Benchmarks", "");
  lines.push(
    `Written by \`npm run bench\` (scripts/bench.mjs) on ${all.date}. Numbers are for this machine only; rerun the command ` +
      "to refresh them (about 1.5 minutes per model here with `--backends wasm --no-node`). Raw results: `out/bench/bench.json` " +
      "(not committed).",
    "",
  );
  lines.push("## Machine", "");
  lines.push(`- CPU: ${m.cpu}, ${m.cores} cores, ${fmt(m.memoryGiB, 0)} GiB memory; Linux ${m.kernel}; Node ${m.node}.`);
  lines.push(
    `- Load average when the bench started: ${m.loadavg.map((v) => v.toFixed(2)).join(" / ")} (1 / 5 / 15 min) on ` +
      `${m.cores} cores: other work on the machine makes single runs noisy, so the tables give medians of up to 3 runs ` +
      "and the step slopes go through the fastest run of each K.",
  );
  lines.push(`- Browser: headless Chromium ${browserVersion} (\`${CHROMIUM}\`), flags \`${CHROMIUM_FLAGS.join(" ")}\`.`);
  const first = models.find((e) => e.runs.some((r) => r.result && !("error" in r.result)));
  for (const r of first?.runs ?? []) if (r.result && !("error" in r.result)) lines.push(`- ${runLabel(r)}: ${r.result.device}.`);
  const anyNode = models.find((e) => e.node && !e.node.error)?.node;
  if (anyNode) lines.push(`- Node WebGPU (Dawn, \`webgpu\` package): ${anyNode.device}; ICD \`${anyNode.vkIcd}\`.`);
  const anyTorch = models.find((e) => e.torch && !e.torch.error)?.torch;
  if (anyTorch) {
    const cpu = anyTorch.results.find((r) => r.device === "cpu");
    lines.push(`- PyTorch ${anyTorch.torch} (Python ${anyTorch.python}) on the CPU, ${cpu?.threads ?? "?"} threads.`);
  }

  // The summary: every model on wasm, single- and multi-threaded, against the floor and against the baseline.
  lines.push("", "## Every shipped model on wasm", "");
  lines.push(
    "n = 5 samples. ms/step: the model's denoising step, final-only runs (see each model's \"Denoising step\"); every " +
      "step shown: the same with each step decoded into text as the app shows it. step / floor: the step against its " +
      "matmul FLOPs at the peak of the same run (a 1024² matMul on as many threads). top-5: one request from text to " +
      "the ranked top-5 at the model's default K, final-only. " +
      (baseline
        ? `Speed-up: over the same measurements before the engine's per-step work was cut (${baseline.label}; ` +
          "`bench/baseline.json`): the step with every step shown (the step time measured then) and the top-5."
        : "No baseline (`bench/baseline.json`) to compare with."),
    "",
  );
  const summaryRows = [];
  const scaling = [];
  for (const entry of models) {
    const figures = wasmFigures(entry);
    const language = entry.model.url.replace(/^\/models\/|\/$/g, "");
    const before = baseline?.models?.[language];
    for (const f of figures) {
      const speedStep = before && f.shown ? `${fmt(before.shownMsPerStepN5 / f.shown, 1)}×` : "–";
      const speedTop5 = before && f.top5 ? `${fmt(before.top5Ms / f.top5, 1)}×` : "–";
      summaryRows.push([
        language,
        String(f.threads),
        ms(f.step),
        ms(f.shown),
        f.ratio ? `${fmt(f.ratio, 1)}× (${ms(f.floor)} ms at ${fmt(f.peak, 0)} GFLOP/s)` : "–",
        f.top5 === null ? "–" : `${ms(f.top5)} (K=${f.K})`,
        `${speedStep} / ${speedTop5}`,
      ]);
    }
    const one = figures.find((f) => f.threads === 1);
    const two = figures.find((f) => f.threads === 2);
    if (one?.step && two?.step) {
      const t8 = amdahl(one.step, two.step, 8);
      const g8 = one.top5 && two.top5 ? amdahl(one.top5, two.top5, 8) : null;
      scaling.push(
        `- ${language}: 2 threads make a step ${fmt(one.step / two.step, 2)}× as fast as 1 (${ms(one.step)} → ${ms(two.step)} ms)` +
          (one.top5 && two.top5 ? `, a top-5 ${fmt(one.top5 / two.top5, 2)}× (${ms(one.top5)} → ${ms(two.top5)} ms)` : "") +
          `. With 8 threads, **extrapolated** (Amdahl's law through these two points, not measured): about ${ms(t8)} ms ` +
          "per step" + (g8 === null ? "." : ` and ${ms(g8)} ms for a top-5.`),
      );
    }
  }
  lines.push(
    table(["model", "threads", "ms/step n=5", "every step shown", "step / floor", "top-5 (ms)", "speed-up: step / top-5"], summaryRows),
  );
  if (scaling.length > 0) {
    lines.push("", "What threads buy here, and what a user with 8 threads may expect:", "", ...scaling);
    lines.push(
      "",
      "The 8-thread figures are an extrapolation, not a measurement: they assume eight cores as fast as these two and " +
        "the same split of each step into work the threads share (the 2-D products on XNNPACK) and work they do not " +
        "(element-wise kernels, softmax, per-operation overhead). Memory bandwidth and the browser's own threads make " +
        "real machines fall short of it.",
    );
  }

  for (const entry of models) modelSection(entry, lines);

  const defaultK = first?.runs.find((r) => r.result && !("error" in r.result))?.result?.model?.defaultSteps ?? 20;
  lines.push("", "## How to read", "");
  lines.push(
    `- The CodeFusion paper reports 2318 ms per generation; the goal here is a full top-5 generation ` +
      `(n = 5) at the default K (${defaultK}) well under that on a real GPU, ideally under ${GOAL_MS} ms: read the ` +
      `K = ${defaultK} column (or interpolate: intercept + K × ms/step). On this CPU-only machine wasm is the backend ` +
      "that matters (the app picks it over software WebGPU); SwiftShader WebGPU and WebGL (also software here) show " +
      "correctness, not speed. `OUT=… bash scripts/gpu_bench.sh` times WebGPU (Node, Dawn) and PyTorch on a GPU machine.",
    "- step / floor: how many times slower a step runs than if every FLOP ran at the backend's own big-matMul rate. " +
      "Near 1 the step is compute-bound and only fewer FLOPs help; far above 1 (tens to thousands) the time goes to " +
      "per-operation overhead (kernel dispatch, small matrices, reading the argmax ids back each step): fusing operations, " +
      "batching samples and fewer round trips help there, more FLOP/s do not. The peak is the backend's own (a software " +
      "backend's peak is low, so its ratio can look good while the step is slow).",
    "- n = 5 versus n = 1: the five samples of a step share every weight read and kernel launch, so where a step at " +
      "n = 5 costs much less than 5× one at n = 1 the step is overhead-bound; near 5× it is bound by arithmetic. The " +
      "n = 1 slope rests on two K values only: on a busy machine it is the noisiest number here.",
  );
  lines.push("");
  return lines.join("\n");
}

/** One model's detailed sections: model, load, step, whole generation, against the goal, notes. */
function modelSection(entry, lines) {
  const { model, runs, torch, node } = entry;
  const info = runs.find((r) => r.result && !("error" in r.result))?.result?.model ?? node?.model ?? null;
  lines.push("", `## ${info?.language ?? "model"}: \`${model.url}\``, "");
  if (info) {
    lines.push(
      `\`${model.url}\` (${model.shipped ? `a trained model, preset ${model.preset ?? "?"}` : "**the tiny golden test bundle** (random weights)"}): language ${info.language}, ` +
        `${(info.parameters / 1e6).toFixed(2)}M parameters (${info.weights}, ${(info.totalBytes / 2 ** 20).toFixed(2)} MiB), ` +
        `d_model ${info.d_model}, ${info.n_heads} heads, d_ff ${info.d_ff}, d_embed ${info.d_embed}, layers ` +
        `${info.layers.encoder} encoder / ${info.layers.denoiser} denoiser / ${info.layers.decoder} decoder, ` +
        `code length ${info.max_code_len}, utterance length ${info.max_utterance_len}, vocabulary ${info.vocab_size}; ` +
        `default sampler K = ${info.defaultSteps}, n = ${info.defaultSamples}.`,
    );
    if (!model.shipped) {
      lines.push(
        "",
        "No trained model was under `public/models/` when this was written, so the bench ran on `testdata/golden/`, a " +
          "309k-parameter model whose steps are dominated by per-operation overhead, not arithmetic. Rerun " +
          "`npm run bench` once `public/models/cf/` exists.",
      );
    } else if (info.parameters < 2e6) {
      lines.push(
        "",
        `A small model (${(info.parameters / 1e6).toFixed(2)}M parameters): its steps are dominated by per-operation ` +
          "overhead, not arithmetic, so these numbers say little about a base-preset model. Rerun `npm run bench` " +
          "when the base models are under `public/models/`.",
      );
    }
  }
  const ok = runs.filter((r) => r.result && !("error" in r.result));
  const rowsFor = [...ok.map((r) => ({ label: runLabel(r), res: r.result, warmPage: r.warmPage }))];
  if (node && !node.error) rowsFor.push({ label: "webgpu (Node, Dawn)", res: node, warmPage: null });

  lines.push("", "### Load", "");
  lines.push(
    "Bundle fetched and verified (SHA-256) / Engine built (dequantise, upload) / warm-up (2-step generation, kernels " +
      "compiled), in ms. Cold: Cache API emptied first. Warm, same page: loaded again from the Cache API with kernels " +
      "already compiled. Warm, new page: a new page of the same profile (cache filled, kernels compiled again), i.e. a " +
      "returning visitor. In Node there is no cache: cold is the first load in the process, warm the second.",
    "",
  );
  const split = (t) => (t ? `**${ms(t.totalMs)}** (${ms(t.fetchMs)} / ${ms(t.engineMs)} / ${ms(t.warmUpMs)})` : "–");
  lines.push(
    table(
      ["backend", "cold", "warm, same page", "warm, new page"],
      rowsFor.map(({ label, res, warmPage }) => [
        label,
        split(res.load.cold),
        split(res.load.warm),
        warmPage && !("error" in warmPage) ? split(warmPage.load.warm) : "–",
      ]),
    ),
  );

  lines.push("", "### Denoising step", "");
  lines.push(
    "ms per step = least-squares slope of whole-generation time over K (so the per-request cost, the intercept, drops " +
      "out), from final-only runs (nothing decoded into text between steps); \"every step shown\": the same slope with " +
      "every step decoded into text and handed on (decodeEvery 1, the app's views), and its median time between consecutive " +
      "items. Floor = matmul FLOPs " +
      "of one denoiser + decoder + head call (src/engine/flops.ts) / the backend's measured peak (a square float32 matMul " +
      "on the same backend: what that backend reaches on its best kernel, not the hardware's datasheet peak).",
    "",
  );
  const stepRows = [];
  for (const { label, res } of rowsFor) {
    const s1 = res.steps.find((s) => s.n === 1);
    const s5 = res.steps.find((s) => s.n === 5);
    stepRows.push([
      label,
      res.peak ? `${fmt(res.peak.gflops, 2)} (${res.peak.size}²)` : "–",
      ms(s1?.msPerStep),
      ms(s5?.msPerStep),
      `${ms(s5?.shownMsPerStep)} (${ms(s5?.medianIntervalMs)})`,
      s5 ? `${(s5.flops / 1e6).toFixed(1)}` : "–",
      ms(s5?.floorMs),
      s5?.floorRatio ? `${fmt(s5.floorRatio, 0)}×` : "–",
    ]);
  }
  if (torch && !torch.error) {
    for (const r of torch.results) {
      const s1 = r.steps.find((s) => s.n === 1);
      const s5 = r.steps.find((s) => s.n === 5);
      stepRows.push([
        `PyTorch ${r.device}`,
        `${fmt(r.peak.gflops, 2)} (${r.peak.size}²)`,
        ms(s1?.ms_per_step),
        ms(s5?.ms_per_step),
        `${ms(s5?.direct_ms)} (one step)`,
        s5 ? `${(s5.flops / 1e6).toFixed(1)}` : "–",
        ms(s5?.floor_ms),
        s5?.floor_ratio ? `${fmt(s5.floor_ratio, 0)}×` : "–",
      ]);
    }
  }
  lines.push(
    table(
      ["backend", "peak GFLOP/s", "ms/step n=1", "ms/step n=5", "every step shown n=5 (interval)", "MFLOP/step n=5", "floor n=5 (ms)", "step / floor"],
      stepRows,
    ),
  );

  const accounted = rowsFor.filter(({ res }) => res.kernels);
  if (accounted.length > 0) {
    const first = accounted[0].res.kernels;
    lines.push("", "### Kernels per step", "");
    lines.push(
      `Every kernel one denoising step launches (n = ${first.n}): \`tf.profile\` over two runs of the engine's sampler ` +
        `(\`sampleFromNoise\` on the request's encoder input, final-only) of K = ${first.Ks[0]} and ${first.Ks[1]} steps, the ` +
        `difference divided by ${first.Ks[1] - first.Ks[0]}, so the encoder and the final decoding drop out. Matrix products by ` +
        "their operands' shapes. The launch counts are exact; the times are differences of two profiled runs, each kernel " +
        "timed on its own: rough for small kernels, with two threads especially.",
      "",
    );
    const keys = [];
    for (const { res } of accounted) for (const k of res.kernels.kernels) if (!keys.includes(k.kernel)) keys.push(k.kernel);
    const top = keys.slice(0, 18);
    const cell = (res, key) => {
      const k = res.kernels.kernels.find((x) => x.kernel === key);
      return k ? `${fmt(k.callsPerStep, k.callsPerStep < 10 ? 1 : 0)} / ${ms(k.msPerStep)}` : "–";
    };
    const rest = (res) => {
      const others = res.kernels.kernels.filter((k) => !top.includes(k.kernel));
      const calls = others.reduce((a, k) => a + k.callsPerStep, 0);
      return `${fmt(calls, 0)} / ${ms(others.reduce((a, k) => a + k.msPerStep, 0))}`;
    };
    lines.push(
      table(
        ["kernel", ...accounted.map(({ label }) => `${label}: calls / ms per step`)],
        [
          ...top.map((key) => [`\`${key}\``, ...accounted.map(({ res }) => cell(res, key))]),
          [`${keys.length - top.length} other kernels`, ...accounted.map(({ res }) => rest(res))],
          ["**all**", ...accounted.map(({ res }) => `**${fmt(res.kernels.callsPerStep, 0)} / ${ms(res.kernels.msPerStep)}**`)],
        ],
      ),
    );
  }

  lines.push("", "### Whole generation", "");
  lines.push(
    "One request, n = 5 samples, ms from the request to the ranked top-5 (tokenising, encoder, K steps each with decoder + " +
      "head, decoding, ranking), decodeEvery 1 (every step's samples decoded into text, as the app shows them); median of " +
      "up to 3 runs. The last column is final-only (decodeEvery = K) at the model's default K. PyTorch: " +
      "`training.sample.generate`, which never decodes intermediate steps into text.",
    "",
  );
  const Ks = [25, 50, 100, 200];
  const genRows = [];
  for (const { label, res } of rowsFor) {
    const cell = (K) => {
      const g = res.generations.find((x) => x.K === K);
      return !g ? "–" : g.skipped ? `skipped (${g.skipped})` : ms(g.ms);
    };
    const f = res.finalOnly;
    genRows.push([label, ...Ks.map(cell), !f ? "–" : f.skipped ? `skipped (K=${f.K}, ${f.skipped})` : `${ms(f.ms)} (K=${f.K})`]);
  }
  if (torch && !torch.error) {
    for (const r of torch.results) {
      const cell = (K) => {
        const g = r.generations.find((x) => x.K === K);
        return !g ? "–" : g.skipped ? `skipped (${g.skipped})` : ms(g.ms);
      };
      genRows.push([`PyTorch ${r.device}`, ...Ks.map(cell), "(same)"]);
    }
  }
  lines.push(table(["backend", "K=25", "K=50", "K=100", "K=200", "final-only, default K"], genRows));

  // Against the goal: n = 5 at the default K, measured final-only where possible, else intercept + K × slope.
  const goalRows = [];
  const defaultKGoal = info?.defaultSteps ?? 50;
  const estimate = (step) => (step && step.msPerStep !== null && step.interceptMs !== null ? step.interceptMs + defaultKGoal * step.msPerStep : null);
  for (const { label, res } of rowsFor) {
    const f = res.finalOnly;
    const s5 = res.steps.find((s) => s.n === 5);
    const measured = f && !f.skipped && f.ms !== null ? f.ms : null;
    const value = measured ?? estimate(s5);
    goalRows.push([label, value === null ? "–" : `${ms(value)}${measured === null ? " (estimated)" : ""}`,
      value === null ? "–" : `${fmt(PAPER_MS / value, 2)}×`, value === null ? "–" : value <= GOAL_MS ? "yes" : "no"]);
  }
  if (torch && !torch.error) {
    for (const r of torch.results) {
      const s5 = r.steps.find((s) => s.n === 5);
      const value = s5 && s5.ms_per_step !== null ? s5.intercept_ms + defaultKGoal * s5.ms_per_step : null;
      goalRows.push([`PyTorch ${r.device}`, value === null ? "–" : `${ms(value)} (estimated)`,
        value === null ? "–" : `${fmt(PAPER_MS / value, 2)}×`, value === null ? "–" : value <= GOAL_MS ? "yes" : "no"]);
    }
  }
  lines.push("", `### Against the goal: top-5 (n = 5) at the default K = ${defaultKGoal}`, "");
  lines.push(
    `Measured final-only where it ran, else estimated as intercept + K × ms/step. Paper: ${PAPER_MS} ms per generation; ` +
      `goal on a real GPU: under ${GOAL_MS} ms.`,
    "",
  );
  lines.push(table(["backend", "ms", `speed-up over ${PAPER_MS} ms`, `under ${GOAL_MS} ms`], goalRows));

  const notes = [];
  for (const { label, res } of rowsFor) for (const n of res.notes ?? []) notes.push(`${label}: ${n}`);
  for (const r of runs) if (r.result && "error" in r.result) notes.push(`${runLabel(r)}: failed: ${r.result.error}`);
  if (node?.error) notes.push(`Node WebGPU: not run: ${node.error}`);
  if (torch?.error) notes.push(`PyTorch: not run: ${torch.error}`);
  for (const r of rowsFor) if (r.res.tensorsLeaked) notes.push(`${r.label}: ${r.res.tensorsLeaked} tensors leaked`);
  if (notes.length > 0) lines.push("", "Notes:", "", ...notes.map((n) => `- ${n}`));

}


async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    // Only the markdown again, from a saved bench.json (e.g. after editing this formatter).
    writeFileSync(args.out, summarise(JSON.parse(readFileSync(args.render, "utf8"))));
    console.log(`bench: wrote ${args.out} from ${args.render}`);
    return;
  }
  const models = chooseModels(args.models);
  const started = Date.now();
  console.log(`bench: ${models.map((m) => `${m.url} (${m.dir})`).join(", ")}`);
  const baselineFile = join(ROOT, "bench/baseline.json");
  const all = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: machine(),
    baseline: existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, "utf8")) : null,
    models: models.map((model) => ({ model, runs: [] })),
  };
  // wasm twice where there is more than one core: one thread, then every thread the page may use.
  const pages = args.backends.flatMap((backend) =>
    backend === "wasm" && cpus().length > 1 ? [{ backend, threads: 1 }, { backend, threads: null }] : [{ backend, threads: null }],
  );

  let vite = null;
  const baseUrl = args.url ?? (vite = await startVite()).url;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    all.browserVersion = browser.version();
    for (const entry of all.models) {
      for (const { backend, threads } of pages) {
        const url =
          `${baseUrl}/bench/index.html?backend=${backend}&model=${encodeURIComponent(entry.model.url)}` +
          (threads ? `&threads=${threads}` : "");
        const label = threads ? `${backend} (${threads} thread${threads > 1 ? "s" : ""})` : backend;
        console.log(`\n== ${entry.model.url} ${label}: ${url}`);
        const t0 = Date.now();
        try {
          const { result, warmPage } = await runPage(browser, url, args.pageTimeoutS, label);
          entry.runs.push({ backend, threads, result, warmPage });
          console.log(`   ${result && "error" in result ? `failed: ${result.error}` : "done"} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        } catch (err) {
          entry.runs.push({ backend, threads, result: { error: String(err?.message ?? err) } });
          console.log(`   failed: ${err?.message ?? err}`);
        }
      }
    }
  } finally {
    await browser.close();
    vite?.stop();
  }

  const tmp = dirname(args.json);
  mkdirSync(tmp, { recursive: true });
  for (const entry of all.models) {
    const tag = entry.model.url.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "");
    if (args.python) {
      const file = join(tmp, `bench-torch-${tag}.json`);
      const failed = runJsonCommand(`PyTorch (CPU), ${entry.model.url}`, PYTHON, ["-m", "training.bench", "--bundle", entry.model.dir, "--device", "cpu", "--json", file], {
        timeout: 300_000,
        env: { ...process.env, PYTHONUNBUFFERED: "1" },
      });
      entry.torch = failed ?? JSON.parse(readFileSync(file, "utf8"));
    }
    if (args.node) {
      const file = join(tmp, `bench-node-webgpu-${tag}.json`);
      const env = { ...process.env };
      if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
        env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
        // Chromium's own Vulkan loader: Debian's libvulkan1 may be absent.
        env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
      }
      const failed = runJsonCommand(`WebGPU in Node (Dawn), ${entry.model.url}`, "npx", ["tsx", "scripts/bench-node-webgpu.ts", "--bundle", entry.model.dir, "--json", file], {
        timeout: 300_000,
        env,
      });
      entry.node = failed ?? JSON.parse(readFileSync(file, "utf8"));
    }
  }

  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(all, null, 1)}\n`);
  const markdown = summarise(all);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, markdown);
  console.log(`\n${markdown}`);
  console.log(`\nbench: wrote ${args.out} and ${args.json} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(`bench: ${err?.stack ?? err}`);
  process.exit(1);
});
