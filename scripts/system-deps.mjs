// What `npm test` needs besides node_modules: a Python 3 with PyTorch, NumPy and pytest (the Python suite), a
// Chromium (the browser suite; Playwright cannot download its own browser on this project's machines), and
// bubblewrap (the functional evaluation runs generated Bash and Python only inside its sandbox,
// src/eval/functional/sandbox.ts). Used by
// scripts/test-all.mjs (so by `npm test` and .ci/run) before any suite starts:
//   - found: nothing to do;
//   - missing, and this is root on a machine with apt-get: install Debian's packages (as CI always did);
//   - missing otherwise: stop at once with the exact command to run.
// PYTHON (default /usr/bin/python3) and CHROMIUM_PATH (default /usr/bin/chromium) choose others (README, "Two
// commands").
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { CHROMIUM } from "./chromium.mjs";

export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
// ODEX's tests import these (data/odex/README.md lists the versions Debian 12 gives; the release pins them: an exact
// apt pin would break when a point release drops the old version).
export const ODEX_APT_PACKAGES = [
  "python3-pandas", "python3-matplotlib", "python3-scipy", "python3-bs4", "python3-lxml", "python3-html5lib",
  "python3-flask", "python3-django", "python3-sqlalchemy", "python3-multidict", "python3-regex", "python3-tz",
  "python3-mock", "python3-requests",
];
const ODEX_IMPORTS = "pandas, matplotlib, scipy, bs4, lxml, html5lib, flask, django, sqlalchemy, multidict, regex, pytz, mock, requests";
export const APT_PACKAGES = [
  "python3-torch", "python3-numpy", "python3-pytest", "libopenblas0-pthread", "chromium", "bubblewrap",
  // what the Bash suite's fixtures and references use beyond coreutils (ps/pgrep, ss, bzip2, xz): a minimal image may lack them
  "procps", "iproute2", "bzip2", "xz-utils", ...ODEX_APT_PACKAGES,
];
const APT_INSTALL = `apt-get install -y ${APT_PACKAGES.join(" ")}`;

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: "ignore" });
  return !result.error && result.status === 0;
}

/** What is missing, in words (empty when everything is there). */
export function missingSystemDeps() {
  const missing = [];
  if (!succeeds(PYTHON, ["-c", "import torch, numpy, pytest"])) {
    missing.push(`${PYTHON} with torch, numpy and pytest${process.env.PYTHON ? " (PYTHON)" : ""}`);
  }
  // The ODEX suite runs its tests with the same interpreter (src/eval/functional/odex.ts).
  if (!succeeds(PYTHON, ["-c", `import ${ODEX_IMPORTS}`])) missing.push(`${PYTHON} with ODEX's libraries (${ODEX_IMPORTS})`);
  if (!succeeds("sh", ["-c", "for c in ps pgrep ss bzip2 xz; do command -v $c >/dev/null || exit 1; done"])) {
    missing.push("ps, pgrep, ss, bzip2 and xz (the Bash suite's fixtures and references)");
  }
  if (!succeeds("bwrap", ["--version"])) missing.push("bubblewrap (bwrap), the sandbox of the functional evaluation");
  if (!existsSync(CHROMIUM)) missing.push(`a Chromium at ${CHROMIUM}${process.env.CHROMIUM_PATH ? " (CHROMIUM_PATH)" : ""}`);
  // Debian's PyTorch runs single-threaded BLAS without the pthread OpenBLAS: the Python suite would take far longer.
  if (!process.env.PYTHON && hasApt() && !succeeds("dpkg", ["-s", "libopenblas0-pthread"])) missing.push("libopenblas0-pthread");
  return missing;
}

function hasApt() {
  return succeeds("sh", ["-c", "command -v apt-get && command -v dpkg"]);
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** The exact command (or steps) for someone who cannot let the script install. */
function howToInstall() {
  const chosen = [process.env.PYTHON && "PYTHON", process.env.CHROMIUM_PATH && "CHROMIUM_PATH"].filter(Boolean);
  if (chosen.length > 0) return [`# point ${chosen.join(" and ")} at ones that exist, or unset ${chosen.length > 1 ? "them" : "it"} for Debian's:`, `${isRoot() ? "" : "sudo "}${APT_INSTALL}`, "npm test"];
  if (hasApt()) return [`${isRoot() ? "" : "sudo "}${APT_INSTALL}`, "npm test"];
  return [
    "# no apt-get here (macOS, another Linux): a Python 3 with PyTorch, NumPy and pytest, and Chrome or Chromium, e.g.",
    "python3 -m venv .venv && .venv/bin/pip install torch numpy pytest pandas matplotlib scipy beautifulsoup4 lxml html5lib flask django sqlalchemy multidict regex pytz mock requests",
    "# and bubblewrap (Linux only: the functional evaluation's sandbox; elsewhere its suites fail with a message)",
    'PYTHON=.venv/bin/python CHROMIUM_PATH="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" npm test',
  ];
}

/**
 * Makes sure the system packages are there; returns true when they are (installing them if it may), false after
 * printing what to run.
 */
export function ensureSystemDeps(log = console.log) {
  let missing = missingSystemDeps();
  if (missing.length === 0) return true;
  log(`npm test needs: ${missing.join("; ")}`);
  // Installing is only right for the Debian defaults: a chosen PYTHON or CHROMIUM_PATH is the user's to provide.
  if (isRoot() && hasApt() && !process.env.PYTHON && !process.env.CHROMIUM_PATH) {
    log(`installing Debian's packages: apt-get update && ${APT_INSTALL}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "-qq", ...APT_PACKAGES], { stdio: "inherit", env }) : update;
    missing = missingSystemDeps();
    if (install.status === 0 && missing.length === 0) return true;
    log(`still missing after apt-get: ${missing.join("; ")}`);
  }
  log(["", "Run:", ...howToInstall().map((line) => `  ${line}`), "(README.md, \"Two commands\", says more.)"].join("\n"));
  return false;
}
