// Debian's Chromium and the flags every browser run of the project uses (Playwright config, npm run bench):
// no background traffic to hosts a closed network refuses, and WebGPU through SwiftShader (a software Vulkan, so
// the WebGPU tests run on a machine without a GPU). CHROMIUM_PATH chooses another browser (README, "Two commands"). Plain ESM so that both the Playwright config (TypeScript) and Node scripts import it.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const QUIET_FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
export const WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"];
