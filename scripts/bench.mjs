// `npm run bench`: times the engine in headless Chromium on every tfjs backend (bench/index.html, which runs
// bench/benchmark.ts), the same bundle in PyTorch on the CPU (training/bench.py) and, unless --no-node, the
// WebGPU backend in Node through Dawn (scripts/bench-node-webgpu.ts); prints the tables and writes
// docs/benchmarks.md (machine, browser, adapter, model, tables) and the raw results to out/bench/bench.json
// (git-ignored; not test-results/, which Playwright empties on every run).
//
//   npm run bench [-- --url http://127.0.0.1:5173] [--backends webgpu,wasm,webgl,cpu] [--model /models/cf/]
//                 [--no-python] [--no-node] [--out docs/benchmarks.md] [--json out/bench/bench.json]
//   npm run bench -- --render out/bench/bench.json   (rewrite the markdown from saved results, no measuring)
//
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
    model: undefined,
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
    else if (flag === "--model") args.model = value();
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
  for (const language of ["cf", "bash", "python"]) {
    const dir = join(ROOT, "public/models", language);
    if (existsSync(join(dir, "manifest.json")) && !isGoldenCopy(dir)) return describe(`/models/${language}/`, dir);
  }
  return describe("/testdata/golden/", GOLDEN_DIR);
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

function summarise(all) {
  const { machine: m, browserVersion, model, runs, torch, node } = all;
  const info = runs.find((r) => r.result && !("error" in r.result))?.result?.model ?? node?.model ?? null;
  const lines = [];
  lines.push("# Benchmarks", "");
  lines.push(
    `Written by \`npm run bench\` (scripts/bench.mjs) on ${all.date}. Numbers are for this machine only; rerun the command ` +
      "to refresh them (about 5–8 minutes here). Raw results: `out/bench/bench.json` (not committed).",
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
  for (const r of runs) {
    if (r.result && !("error" in r.result)) lines.push(`- ${r.backend}: ${r.result.device}.`);
  }
  if (node && !node.error) lines.push(`- Node WebGPU (Dawn, \`webgpu\` package): ${node.device}; ICD \`${node.vkIcd}\`.`);
  if (torch && !torch.error) {
    const cpu = torch.results.find((r) => r.device === "cpu");
    lines.push(`- PyTorch ${torch.torch} (Python ${torch.python}) on the CPU, ${cpu?.threads ?? "?"} threads.`);
  }
  lines.push("", "## Model", "");
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
  const rowsFor = [...ok.map((r) => ({ label: r.backend, res: r.result, warmPage: r.warmPage }))];
  if (node && !node.error) rowsFor.push({ label: "webgpu (Node, Dawn)", res: node, warmPage: null });

  lines.push("", "## Load", "");
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

  lines.push("", "## Denoising step", "");
  lines.push(
    "ms per step = least-squares slope of whole-generation time over K (so the per-request cost, the intercept, drops " +
      "out); the median time between consecutive yielded items (decodeEvery 1) is given as a check. Floor = matmul FLOPs " +
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
      ms(s5?.medianIntervalMs),
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
      ["backend", "peak GFLOP/s", "ms/step n=1", "ms/step n=5", "check n=5", "MFLOP/step n=5", "floor n=5 (ms)", "step / floor"],
      stepRows,
    ),
  );

  lines.push("", "## Whole generation", "");
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
  lines.push("", `## Against the goal: top-5 (n = 5) at the default K = ${defaultKGoal}`, "");
  lines.push(
    `Measured final-only where it ran, else estimated as intercept + K × ms/step. Paper: ${PAPER_MS} ms per generation; ` +
      `goal on a real GPU: under ${GOAL_MS} ms.`,
    "",
  );
  lines.push(table(["backend", "ms", `speed-up over ${PAPER_MS} ms`, `under ${GOAL_MS} ms`], goalRows));

  const notes = [];
  for (const { label, res } of rowsFor) for (const n of res.notes ?? []) notes.push(`${label}: ${n}`);
  for (const r of runs) if (r.result && "error" in r.result) notes.push(`${r.backend}: failed: ${r.result.error}`);
  if (node?.error) notes.push(`Node WebGPU: not run: ${node.error}`);
  if (torch?.error) notes.push(`PyTorch: not run: ${torch.error}`);
  for (const r of rowsFor) if (r.res.tensorsLeaked) notes.push(`${r.label}: ${r.res.tensorsLeaked} tensors leaked`);
  if (notes.length > 0) lines.push("", "Notes:", "", ...notes.map((n) => `- ${n}`));

  const defaultK = info?.defaultSteps ?? 50;
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    // Only the markdown again, from a saved bench.json (e.g. after editing this formatter).
    writeFileSync(args.out, summarise(JSON.parse(readFileSync(args.render, "utf8"))));
    console.log(`bench: wrote ${args.out} from ${args.render}`);
    return;
  }
  const model = chooseModel(args.model);
  const started = Date.now();
  console.log(`bench: model ${model.url} (${model.dir})`);
  const all = { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), machine: machine(), model, runs: [] };

  let vite = null;
  const baseUrl = args.url ?? (vite = await startVite()).url;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    all.browserVersion = browser.version();
    for (const backend of args.backends) {
      const url = `${baseUrl}/bench/index.html?backend=${backend}&model=${encodeURIComponent(model.url)}`;
      console.log(`\n== ${backend}: ${url}`);
      const t0 = Date.now();
      try {
        const { result, warmPage } = await runPage(browser, url, args.pageTimeoutS, backend);
        all.runs.push({ backend, result, warmPage });
        console.log(`   ${result && "error" in result ? `failed: ${result.error}` : "done"} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      } catch (err) {
        all.runs.push({ backend, result: { error: String(err?.message ?? err) } });
        console.log(`   failed: ${err?.message ?? err}`);
      }
    }
  } finally {
    await browser.close();
    vite?.stop();
  }

  const tmp = dirname(args.json);
  mkdirSync(tmp, { recursive: true });
  if (args.python) {
    const file = join(tmp, "bench-torch.json");
    const failed = runJsonCommand("PyTorch (CPU)", PYTHON, ["-m", "training.bench", "--bundle", model.dir, "--device", "cpu", "--json", file], {
      timeout: 300_000,
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    all.torch = failed ?? JSON.parse(readFileSync(file, "utf8"));
  }
  if (args.node) {
    const file = join(tmp, "bench-node-webgpu.json");
    const env = { ...process.env };
    if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
      env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      // Chromium's own Vulkan loader: Debian's libvulkan1 may be absent.
      env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
    }
    const failed = runJsonCommand("WebGPU in Node (Dawn)", "npx", ["tsx", "scripts/bench-node-webgpu.ts", "--bundle", model.dir, "--json", file], {
      timeout: 300_000,
      env,
    });
    all.node = failed ?? JSON.parse(readFileSync(file, "utf8"));
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
