// The path a user takes, in headless Chromium with the shipped models (public/models/): load with progress,
// generate and watch the code change step by step, compare the top-k, copy, replay, stop, share a link, come back
// offline, and what the user sees when things go wrong. Screenshots of the main states go to test-results/.
import { expect, test } from "@playwright/test";
import { SHOTS, editorText, generateAt, recordEditor, requestCode, typeInEditor, waitReady } from "./helpers";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("load with progress, generate with Ctrl+Enter, watch it denoise, compare, copy, replay", async ({ page, context, baseURL }) => {
  const foreign: string[] = [];
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${baseURL}/`) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
  });
  const statusTexts: string[] = [];
  await page.exposeFunction("reportStatus", (text: string) => statusTexts.push(text));
  await page.addInitScript(() => {
    const watch = (): void => {
      const status = document.querySelector('[role="status"]');
      if (!status) return void requestAnimationFrame(watch);
      new MutationObserver(() => (window as unknown as { reportStatus: (t: string) => void }).reportStatus(status.textContent ?? "")).observe(status, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    };
    watch();
  });
  await page.goto("/?lang=cf&steps=60&n=5&seed=7");
  await waitReady(page);
  expect(statusTexts.some((t) => /Downloading the model: [\d.]+ of [\d.]+ MB/.test(t))).toBe(true);
  // The bar counts every file the manifest gives a size for (tagger, index, channel, shards), not the shards alone.
  const cfManifest = (await (await page.request.get("/models/cf/manifest.json")).json()) as {
    sampler: { edit_samples?: number };
    shards: { byteLength: number }[];
    conditioning?: Record<string, { byteLength?: number } | unknown>;
  };
  const sized = [...Object.values(cfManifest.conditioning ?? {}), ...cfManifest.shards].map((f) => (f as { byteLength?: number }).byteLength ?? 0);
  const bundleMb = (sized.reduce((a, b) => a + b, 0) / 1024 / 1024).toFixed(1);
  expect(statusTexts.some((t) => t.includes(`of ${bundleMb} MB`)), `${bundleMb} MB in ${statusTexts.join(" | ")}`).toBe(true);
  expect(statusTexts.some((t) => /Warming up/.test(t))).toBe(true);
  await expect(page.getByRole("status")).toContainText(/software fallback|no WebGPU/);
  await page.screenshot({ path: `${SHOTS}/ready.png` });

  const generate = page.getByRole("button", { name: "Generate" });
  await expect(generate).toBeDisabled(); // empty prompt
  const prompt = page.getByLabel("What should the code do?");
  await prompt.fill("highlight cells in column C greater than 100");
  await expect(page.getByText(/of \d+ tokens used/)).toBeVisible();
  await expect(generate).toBeEnabled();

  const frames = await recordEditor(page);
  await prompt.press("ControlOrMeta+Enter");
  await expect(page.getByTestId("candidate").first()).toBeVisible({ timeout: 120_000 });
  const seen = await frames();
  const final = await editorText(page);
  const intermediate = seen.filter((text) => text !== final);
  expect(new Set(intermediate).size).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId("denoise-progress")).toContainText("Step 60 of 60");
  await page.screenshot({ path: `${SHOTS}/done.png`, fullPage: true });

  // top-k: at most 5, distinct, scores shown; the first is in the editor
  const candidates = page.getByTestId("candidate");
  const count = await candidates.count();
  expect(count).toBeGreaterThanOrEqual(1);
  expect(count).toBeLessThanOrEqual(5);
  const codes = await page.locator(".candidate-code").allInnerTexts();
  expect(new Set(codes.map((c) => c.replace(/\s+/g, " ").trim())).size).toBe(codes.length);
  await expect(candidates.first()).toContainText("%");

  // copy puts the code on the clipboard, with a visible confirmation
  await page.getByRole("button", { name: "Copy candidate 1" }).click();
  await expect(page.getByRole("button", { name: "Copy candidate 1" })).toHaveText("Copied ✓");
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  expect(clipboard.replace(/\s+/g, " ").trim()).toBe((codes[0] ?? "").replace(/\s+/g, " ").trim());

  // the scrubber replays the denoising of the shown candidate
  // With retrieve and edit (the manifest's sampler.edit_samples) the run starts with a step 0, the known codes the
  // edited samples start from, before step 1.
  const edits = (cfManifest.sampler.edit_samples ?? 0) > 0;
  const slider = page.getByLabel(/Replay: step/);
  await slider.fill("0");
  await expect(page.getByText(`Replay: step ${edits ? 0 : 1} of 60`)).toBeVisible();
  // A sample edited from a known code starts as that code, which the model may keep to the end (then step 0 already
  // reads as the final code); a sample from noise starts as noise.
  if (edits) await expect.poll(() => editorText(page).then((t) => t.trim().length)).toBeGreaterThan(0);
  else await expect.poll(() => editorText(page)).not.toBe(final);
  await expect(page.getByTestId("denoise-progress")).toContainText(edits ? "Start: known codes, before step 1 of 60" : "Step 1 of 60");
  await slider.fill(edits ? "60" : "59");
  await expect.poll(() => editorText(page)).toBe(final);

  // nothing was requested from any other host (models, wasm, Monaco and its worker are served by the app)
  expect(foreign).toEqual([]);

  // the recent request is listed
  await expect(page.getByRole("region", { name: "Recent requests" })).toContainText("highlight cells in column C greater than 100");
});

test("Stop cancels a run", async ({ page }) => {
  await page.goto("/?lang=cf&steps=1200&n=5&seed=1");
  await waitReady(page);
  await requestCode(page, "highlight duplicate values");
  await expect(page.getByTestId("denoise-progress")).toContainText(/Step \d+ of 1200/);
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByText(/Stopped after step \d+/)).toBeVisible();
  // The progress line says the run stopped, at the step the message names, and never "done".
  const stoppedAt = (await page.getByText(/Stopped after step \d+/).innerText()).match(/\d+/)?.[0];
  await expect(page.getByTestId("denoise-progress")).toContainText(`Step ${stoppedAt} of 1200`);
  await expect(page.getByTestId("denoise-progress")).toContainText("stopped");
  await expect(page.getByTestId("denoise-progress")).not.toContainText("done");
  await expect(page.getByTestId("candidate")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("a link reproduces the same output; a reload loads from the cache without network", async ({ page, context }) => {
  await generateAt(page, "/?lang=cf&steps=30&n=5&seed=99", "color cells that contain yes");
  const first = await page.locator(".candidate-code").allInnerTexts();
  const link = page.url();
  expect(link).toContain("q=color+cells+that+contain+yes");
  expect(link).toContain("seed=99");

  // Offline for the model: every request for models/ fails; the page itself still comes from the server.
  const modelRequests: string[] = [];
  await context.route("**/models/**", (route) => {
    modelRequests.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  const second = await context.newPage();
  await second.goto(link);
  await waitReady(second);
  await expect(second.getByTestId("candidate").first()).toBeVisible(); // the link runs the request by itself
  expect(await second.locator(".candidate-code").allInnerTexts()).toEqual(first);
  expect(modelRequests.length).toBeGreaterThan(0); // the network was asked and refused
  await second.screenshot({ path: `${SHOTS}/offline-reload.png` });
});

test("a corrupt weight shard is reported with Retry, and Retry recovers", async ({ page }) => {
  let corrupt = true;
  await page.route("**/models/cf/*.bin", async (route) => {
    if (!corrupt) return route.continue();
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] ^= 0xff;
    return route.fulfill({ response, body });
  });
  await page.goto("/?lang=cf");
  await expect(page.getByRole("status")).toContainText(/weights-\d+\.bin is corrupt/, { timeout: 120_000 });
  await page.screenshot({ path: `${SHOTS}/corrupt-shard.png` });
  corrupt = false;
  await page.getByRole("button", { name: "Retry" }).click();
  await waitReady(page);
});

test("the CF preview highlights the cells the rule matches", async ({ page }) => {
  await generateAt(page, "/?lang=cf&steps=10&n=2&seed=5", "highlight sales above 100");
  // A user corrects the rule in the editor; the preview follows what the editor holds.
  await typeInEditor(page, "GreaterThan(c[2], 100)");
  await expect(page.locator("[data-match='true']")).toHaveCount(3);
  const matched = await page.locator("[data-match='true']").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-cell")));
  expect(matched.sort()).toEqual(["C2", "C4", "C7"]);
  await page.screenshot({ path: `${SHOTS}/cf-preview.png`, fullPage: true });
});

test("empty and over-long prompts; steps and samples default to the model's", async ({ page, request }) => {
  await page.goto("/?lang=cf");
  await waitReady(page);
  const { sampler } = (await (await request.get("/models/cf/manifest.json")).json()) as { sampler: { steps: number; samples: number } };
  await expect(page.getByText(`Settings: ${sampler.steps} steps, ${sampler.samples} samples`)).toBeVisible();
  const prompt = page.getByLabel("What should the code do?");
  await prompt.fill("   ");
  await expect(page.getByRole("button", { name: "Generate" })).toBeDisabled();
  await prompt.fill("highlight every cell in the sheet whose value is larger than the value in the cell directly above it and also bold it please");
  await expect(page.getByText(/tokens: the model reads the first \d+; the remaining \d+ are cut/)).toBeVisible();
});

test("a link without steps or n runs the model's defaults, as the settings line says", async ({ page, request }) => {
  const { sampler } = (await (await request.get("/models/cf/manifest.json")).json()) as { sampler: { steps: number; samples: number } };
  expect(sampler.steps).not.toBe(50); // the page's own default, which such a link used to run
  await page.goto("/?lang=cf&q=highlight+sales+above+100&seed=5");
  await expect(page.getByTestId("candidate").first()).toBeVisible(); // the link runs by itself
  await expect(page.getByText(`Settings: ${sampler.steps} steps, ${sampler.samples} samples`)).toBeVisible();
  await expect(page.getByTestId("denoise-progress")).toContainText(`Step ${sampler.steps} of ${sampler.steps}`);
  expect(new URL(page.url()).searchParams.get("steps")).toBe(String(sampler.steps));
});

test("a download that fails midway is an error with Retry; nothing half-loaded is used", async ({ page }) => {
  let fail = true;
  await page.route("**/models/cf/*.bin", (route) => (fail ? route.abort("connectionreset") : route.continue()));
  await page.goto("/?lang=cf");
  await expect(page.getByRole("status")).toContainText(/could not be downloaded \(tried twice\)/, { timeout: 120_000 });
  await expect(page.getByRole("button", { name: "Generate" })).toBeDisabled();
  fail = false;
  await page.getByRole("button", { name: "Retry" }).click();
  await waitReady(page);
});

test("a corrupt cache entry is replaced; the Models panel lists and deletes the cached model", async ({ page }) => {
  await page.goto("/?lang=cf");
  await waitReady(page);
  // Corrupt the cached shard in place, as a broken disk or an interrupted write would.
  const corrupted = await page.evaluate(async () => {
    const cache = await caches.open("codefusion-models-v1");
    for (const request of await cache.keys()) {
      if (!request.url.includes(".bin")) continue;
      const bytes = new Uint8Array(await (await cache.match(request))!.arrayBuffer());
      bytes[bytes.length >> 1] ^= 0xff;
      await cache.put(request, new Response(bytes));
      return request.url;
    }
    return null;
  });
  expect(corrupted).not.toBeNull();
  const refetched: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes(".bin")) refetched.push(r.url());
  });
  await page.reload();
  await waitReady(page);
  expect(refetched.length).toBeGreaterThan(0); // the bad entry was dropped and the shard downloaded again

  await page.getByText("Models in this browser").click();
  const entry = page.getByTestId("cached-cf");
  // manifest, tokenizer, slot tagger, retrieval index and the one weight shard
  await expect(entry).toContainText(/Excel CF rules: [\d.]+ MB \(5 files\)/);
  await expect(page.getByText(/This site uses [\d.]+ MB/)).toBeVisible();
  await entry.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText(/Deleted the Excel CF rules model from this browser \(5 files\)/)).toBeVisible();
  await expect(page.getByTestId("cached-cf")).toHaveCount(0);
});

test("empty, long and non-English requests each get a clear message, and nothing is cut", async ({ page }) => {
  // While the model loads, the settings do not name the page's own default steps (50) before the model's.
  await page.route("**/models/cf/manifest.json", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.goto("/?lang=cf");
  await expect(page.locator(".settings summary")).toContainText("the model's steps");
  await waitReady(page);
  await expect(page.locator(".settings summary")).toContainText(/Settings: 20 steps/);

  const prompt = page.getByLabel("What should the code do?");
  const generate = page.getByRole("button", { name: "Generate" });
  await expect(page.getByTestId("note-empty")).toContainText("Type a request");
  await expect(generate).toBeDisabled();

  // A 5,000-character paste is kept whole, refused with its length.
  const pasted = "highlight the cells ".repeat(250);
  await prompt.fill(pasted);
  expect(await prompt.inputValue()).toHaveLength(pasted.length);
  await expect(page.getByTestId("note-too-long")).toContainText("5,000 characters");
  await expect(generate).toBeDisabled();
  expect(new URL(page.url()).searchParams.has("q")).toBe(false); // too long for the address

  // Japanese: only English is understood.
  await prompt.fill("空白のセルを強調表示する");
  await expect(page.getByTestId("note-script")).toContainText("English");
  // French in Latin letters: most words are unknown to the model's requests.
  await prompt.fill("colorier toutes les cellules vides en rouge");
  await expect(page.getByTestId("note-words")).toContainText("English only");
  await expect(generate).toBeEnabled(); // a warning, not a refusal

  // A 2,000-character request runs, stays out of the URL, and Recent shows the start of it.
  const long = `highlight cells greater than 100 ${"and also bold them please ".repeat(80)}`.slice(0, 2000);
  await page.getByText(/^Settings:/).click();
  await page.getByLabel("Steps K").fill("2");
  await prompt.fill(long);
  await expect(page.getByTestId("note-no-link")).toBeVisible();
  await generate.click();
  await expect(page.getByTestId("candidate").first()).toBeVisible();
  expect(new URL(page.url()).searchParams.has("q")).toBe(false);
  const recent = page.getByRole("region", { name: "Recent requests" }).getByRole("button", { name: /highlight cells greater than 100/ });
  expect((await recent.innerText()).length).toBeLessThan(100);
  expect(await recent.getAttribute("title")).toBe(long);
});

test("a shared link runs once: a reload after another request runs nothing, and asks the network only for the manifest", async ({ page }) => {
  await page.goto("/?lang=cf&q=highlight+duplicate+values&steps=2&n=2&seed=3");
  await expect(page.getByTestId("candidate").first()).toBeVisible(); // the link runs by itself
  await requestCode(page, "color cells that contain yes");
  await expect(page.getByTestId("denoise-progress")).toContainText("Step 2 of 2");
  await expect(page.getByTestId("candidate").first()).toBeVisible();

  const modelRequests: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/models/")) modelRequests.push(new URL(r.url()).pathname);
  });
  await page.reload();
  await waitReady(page);
  await expect(page.getByLabel("What should the code do?")).toHaveValue("color cells that contain yes"); // the URL followed
  await page.waitForTimeout(1500); // a run would have started at once with the model ready
  await expect(page.getByTestId("denoise-progress")).toHaveCount(0);
  await expect(page.getByTestId("candidate")).toHaveCount(0);
  // The weights, tokenizer, tagger and index came from the cache; the manifest is the one file asked again.
  expect(modelRequests).toEqual(["/models/cf/manifest.json"]);
});

test.describe("a wide screen", () => {
  // Wide enough for the title and the status box side by side with the Bash subtitle, not with the longer CF one.
  test.use({ viewport: { width: 1500, height: 900 } });
  test("switching the language does not move the page", async ({ page }) => {
    await page.goto("/?lang=bash");
    await waitReady(page);
    const top = async (): Promise<number> => (await page.locator("main.layout").boundingBox())?.y ?? -1;
    const before = await top();
    await page.locator(".language-switch label", { hasText: "Excel CF rules" }).click();
    await expect.poll(top).toBe(before); // while the CF model loads
    await waitReady(page);
    expect(await top()).toBe(before);
    await page.locator(".language-switch label", { hasText: "Python" }).click();
    await waitReady(page);
    expect(await top()).toBe(before);
  });
});
