// The bench of `npm run bench` (bench/benchmark.ts) on tfjs's WebGPU backend in Node, through Dawn's Node
// bindings (the `webgpu` npm package), so that a machine with a real GPU and no browser can time it
// (scripts/gpu_bench.sh runs it there). Prints the result as JSON (and writes it with --json).
//
//   npx tsx scripts/bench-node-webgpu.ts [--bundle public/models/cf] [--json out.json] [--plan default|slow]
//                                        [--backend webgpu|cpu] [--dawn-option name=value ...]
//
// Here (no GPU) Dawn finds an adapter only through Chromium's SwiftShader Vulkan driver:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/bench-node-webgpu.ts
// The bundle is read from disk (the loader's fetch is given the files); there is no Cache API in Node, so the
// "cold" load is the first in the process (files read, kernels compiled) and the "warm" one the second.
import { existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface Args {
  bundle?: string;
  json?: string;
  plan?: string;
  backend: string;
  dawnOptions: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { backend: "webgpu", dawnOptions: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--bundle") args.bundle = value();
    else if (flag === "--json") args.json = value();
    else if (flag === "--plan") args.plan = value();
    else if (flag === "--backend") args.backend = value();
    else if (flag === "--dawn-option") args.dawnOptions.push(value());
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function defaultBundle(): string {
  for (const language of ["cf", "bash", "python"]) {
    const dir = resolve(ROOT, "public/models", language);
    if (existsSync(resolve(dir, "manifest.json"))) return dir;
  }
  return resolve(ROOT, "testdata/golden");
}

async function installWebGpu(dawnOptions: string[]): Promise<void> {
  // Before tfjs-backend-webgpu is imported: it registers itself only if navigator.gpu exists at import time.
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  const gpu = create(dawnOptions);
  const g = globalThis as { navigator?: object };
  if (!g.navigator) g.navigator = {};
  Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.backend === "webgpu") await installWebGpu(args.dawnOptions);
  const tf = await import("@tensorflow/tfjs-core");
  const { initBackend, probeWebGpu } = await import("../src/engine/backend");
  const { isBackendName } = await import("../src/engine/protocol");
  const { DEFAULT_PLAN, SLOW_BACKEND_PLAN, runBenchmark } = await import("../bench/benchmark");
  const { loadBundle } = await import("../src/engine/loader");
  const { fileFetch } = await import("../src/engine/fileFetch");
  if (!isBackendName(args.backend)) throw new Error(`unknown backend ${args.backend}`);

  let device = "plain JavaScript (tfjs cpu backend)";
  let software = false;
  if (args.backend === "webgpu") {
    const probe = await probeWebGpu();
    if (probe.kind === "missing" || probe.kind === "no-adapter") {
      throw new Error(
        `Dawn found no WebGPU adapter (${probe.kind}); VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? "(unset)"}`,
      );
    }
    software = probe.kind === "fallback";
    device = `WebGPU adapter (Dawn ${"webgpu"} package): ${probe.description}${software ? " (software fallback)" : ""}`;
  }
  const choice = await initBackend({ override: args.backend });
  if (choice.backend !== args.backend) throw new Error(`${args.backend} was requested but ${choice.backend} runs`);
  const bundleDir = resolve(args.bundle ?? defaultBundle());
  const slow = args.plan === "slow" || (args.plan !== "default" && (software || args.backend === "cpu"));
  const log = (message: string): void => console.error(`[bench-node] ${message}`);
  log(`${choice.backend} (${device}), bundle ${bundleDir}, plan ${slow ? "slow" : "default"}, tfjs ${tf.version_core}`);
  const bundleUrl = pathToFileURL(bundleDir + "/").href;
  const result = await runBenchmark(
    { load: async () => ({ bundle: await loadBundle(bundleUrl, { fetch: fileFetch, caches: null }) }), log },
    { backend: choice.backend, reason: choice.reason, device, modelUrl: bundleDir, plan: slow ? SLOW_BACKEND_PLAN : DEFAULT_PLAN },
  );
  const out = {
    environment: `Node ${process.version}`,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    vkIcd: process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? null,
    ...result,
  };
  const text = JSON.stringify(out, null, 1);
  if (args.json) writeFileSync(args.json, `${text}\n`);
  console.log(text);
  // Dawn keeps the event loop alive; the work is done.
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`bench-node-webgpu: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
