// Where candidates run, and nowhere else: a bubblewrap (bwrap) sandbox around one command, with the host's root
// read-only, only the caller's work folder writable, no network, a time limit, capped output, and bounds on
// processes, memory and file size. A candidate that writes outside its folder, reaches the network, forks without
// end, runs forever or prints gigabytes fails there and harms nothing (sandbox.test.ts proves each case).
//
// How the bounds are enforced, and why this way:
// - Namespaces: bwrap unshares user, pid, net, ipc, uts and cgroup namespaces. The new network namespace holds
//   only its own loopback, so nothing outside (the host's 127.0.0.1 included) can be reached.
// - Time: the command is the child of bwrap's pid-namespace init; --die-with-parent makes that init die with
//   bwrap, and when a pid namespace's init dies the kernel kills every process in it. So SIGKILL to bwrap on
//   the timeout (or the output cap) ends the whole tree, including anything started in the background.
// - Processes: RLIMIT_NPROC (prlimit --nproc inside the sandbox). Since Linux 5.14 it is counted per user
//   namespace, so each sandbox gets its own count, independent of the caller's other processes and of other
//   sandboxes running at the same time. The kernel does not enforce it for uid 0 of the host, nor (as measured
//   on kernel 6.18) for a user namespace that root creates. So when we are root (CI, the project's machines), bwrap
//   itself is started as the unprivileged uid/gid 65534 (`setpriv --reuid=65534 --regid=65534 --clear-groups`)
//   and the work folder is handed to that uid; a normal user on a developer machine runs bwrap directly (an
//   unprivileged user namespace). Either way bwrap runs unprivileged, and one code path serves both.
//   We chose this over a pids cgroup because creating cgroups needs root (or a delegated v2 subtree), which a
//   developer machine does not have.
// - Memory and files: RLIMIT_AS (address space per process) and RLIMIT_FSIZE (largest file a process may write):
//   a candidate that writes a huge file gets SIGXFSZ/EFBIG. /tmp is a fresh size-capped tmpfs. Many files in the
//   work folder are bounded by a watchdog that sums the folder's allocated blocks while the command runs and kills
//   it past maxWorkDirBytes (diskExceeded). Memory is bounded per process only (a memory cgroup would bound the
//   sum, but needs root); with maxProcesses processes and the time limit that bounds what a candidate can hold.
// - What the candidate sees: the host's files read-only, except /home, /run and /tmp, which are replaced by empty
//   tmpfs (no host home folders, no host sockets: a Unix socket on a read-only mount can still be connected to,
//   e.g. a docker or D-Bus socket under /run). The work folder is at /home/user, which is also $HOME and the
//   current directory. The environment is cleared and rebuilt (PATH, HOME, LC_ALL=C, TMPDIR, then the caller's).
import { spawn, spawnSync } from "node:child_process";
import { lchownSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SandboxOptions {
  /** The command and its arguments, run inside the sandbox (looked up on the sandbox's PATH). */
  argv: string[];
  /** Host folder the command may write; it appears as SANDBOX_WORK_DIR (also $HOME and the current directory). */
  workDir: string;
  /** Wall-clock limit; the whole process tree is killed when it passes. Default 5000. */
  timeoutMs?: number;
  /** Cap on stdout + stderr together; past it the sandbox is killed and outputTruncated is set. Default 1 MiB. */
  maxOutputBytes?: number;
  stdin?: string;
  /** Added to the sandbox's base environment (PATH, HOME, LC_ALL=C, TMPDIR, ...), overriding it. */
  env?: Record<string, string>;
  /** RLIMIT_NPROC inside the sandbox (processes and threads of the sandbox's user). Default 64. */
  maxProcesses?: number;
  /** RLIMIT_AS per process. Default 2 GiB. */
  maxMemoryBytes?: number;
  /** RLIMIT_FSIZE: the largest file a process may write. Default 64 MiB. */
  maxFileBytes?: number;
  /** What the work folder may hold (allocated blocks, checked every diskCheckMs); past it the sandbox is killed and
   * diskExceeded is set. Default 256 MiB. */
  maxWorkDirBytes?: number;
}

export interface SandboxResult {
  /** The command's exit status (128 + n when it was killed by signal n inside the sandbox); null if we killed it. */
  exitCode: number | null;
  /** The signal that ended bwrap itself (SIGKILL after a timeout or the output cap), else null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputTruncated: boolean;
  /** The work folder grew past maxWorkDirBytes and the sandbox was killed. */
  diskExceeded: boolean;
  durationMs: number;
}

/** Where the work folder appears inside the sandbox. */
export const SANDBOX_WORK_DIR = "/home/user";
/** The uid/gid that runs bwrap when we are root (RLIMIT_NPROC is not enforced for root). */
export const UNPRIVILEGED_ID = 65534;
/** The uid/gid the candidate sees inside the sandbox (fixed, so `id` and `ls -n` are the same on every machine). */
const SANDBOX_ID = 1000;

export const SANDBOX_DEFAULTS = {
  timeoutMs: 5000,
  maxOutputBytes: 1 << 20,
  maxProcesses: 64,
  maxMemoryBytes: 2 * 1024 ** 3,
  maxFileBytes: 64 * 1024 ** 2,
  maxWorkDirBytes: 256 * 1024 ** 2,
  tmpBytes: 64 * 1024 ** 2,
  diskCheckMs: 100,
} as const;

const BASE_ENV: Record<string, string> = {
  PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
  HOME: SANDBOX_WORK_DIR,
  USER: "user",
  LOGNAME: "user",
  SHELL: "/bin/bash",
  TMPDIR: "/tmp",
  LC_ALL: "C",
  LANG: "C",
  TZ: "UTC",
  TERM: "dumb",
};

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** The host-side command line that runs argv in the sandbox (exported for the tests that weaken it on purpose). */
export function sandboxCommand(o: SandboxOptions): string[] {
  const env = { ...BASE_ENV, ...(o.env ?? {}) };
  const dropRoot = isRoot()
    ? ["setpriv", `--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, "--clear-groups", "--"]
    : [];
  const bwrap = [
    "bwrap",
    "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    "--disable-userns",
    "--uid", String(SANDBOX_ID), "--gid", String(SANDBOX_ID),
    "--hostname", "sandbox",
    "--die-with-parent",
    "--new-session",
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    "--size", String(SANDBOX_DEFAULTS.tmpBytes), "--tmpfs", "/tmp",
    "--tmpfs", "/run",
    "--tmpfs", "/home",
    "--bind", o.workDir, SANDBOX_WORK_DIR,
    "--chdir", SANDBOX_WORK_DIR,
    "--clearenv",
    ...Object.entries(env).flatMap(([name, value]) => ["--setenv", name, value]),
    "--",
  ];
  const limits = [
    "prlimit",
    `--nproc=${o.maxProcesses ?? SANDBOX_DEFAULTS.maxProcesses}`,
    `--as=${o.maxMemoryBytes ?? SANDBOX_DEFAULTS.maxMemoryBytes}`,
    `--fsize=${o.maxFileBytes ?? SANDBOX_DEFAULTS.maxFileBytes}`,
    "--core=0",
    "--",
  ];
  return [...dropRoot, ...bwrap, ...limits, ...o.argv];
}

let cachedStatus: { ok: true } | { ok: false; why: string } | undefined;

/** Whether bwrap (and, as root, setpriv) is present and a sandbox actually starts here; why = what to install or fix. */
export function sandboxStatus(): { ok: true } | { ok: false; why: string } {
  if (cachedStatus) return cachedStatus;
  const needed = isRoot() ? ["bwrap", "setpriv", "prlimit"] : ["bwrap", "prlimit"];
  const missing = needed.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0);
  if (missing.length > 0) {
    const packages = missing.map((tool) => (tool === "bwrap" ? "bubblewrap" : "util-linux")).filter((p, i, all) => all.indexOf(p) === i);
    cachedStatus = {
      ok: false,
      why: `the sandbox needs ${missing.join(", ")} (Debian: ${isRoot() ? "" : "sudo "}apt-get install -y ${packages.join(" ")})`,
    };
    return cachedStatus;
  }
  // A real start: bwrap may be present but unable to create namespaces (unprivileged user namespaces disabled).
  const probeDir = mkdtempSync(join(tmpdir(), "sandbox-probe-"));
  if (isRoot()) chownTree(probeDir, UNPRIVILEGED_ID);
  const [probeCommand, ...probeArgs] = sandboxCommand({ argv: ["true"], workDir: probeDir });
  const probe = spawnSync(probeCommand, probeArgs, { encoding: "utf8", timeout: 10_000 });
  rmSync(probeDir, { recursive: true, force: true });
  if (probe.error || probe.status !== 0) {
    const said = (probe.stderr ?? "").trim() || probe.error?.message || `exit ${probe.status}`;
    cachedStatus = {
      ok: false,
      why: `bwrap is installed but cannot start a sandbox (${said}); unprivileged user namespaces must be allowed (sysctl user.max_user_namespaces > 0; on Ubuntu, kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap)`,
    };
    return cachedStatus;
  }
  cachedStatus = { ok: true };
  return cachedStatus;
}

/** Hands a folder tree to the unprivileged uid that runs bwrap when we are root (so the candidate can write it). */
function chownTree(path: string, id: number): void {
  lchownSync(path, id, id);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), id);
}

/** Bytes allocated under path (st_blocks, so sparse files count what they use), or Infinity past maxEntries
 * entries (a candidate that makes files without end is over any limit too). Links are not followed. */
export function allocatedBytes(path: string, maxEntries = 100_000): number {
  let total = 0;
  let entries = 0;
  const walk = (at: string) => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      return; // removed, or not readable to us, while the candidate runs
    }
    for (const name of names) {
      if (++entries > maxEntries) throw new RangeError("too many entries");
      const full = join(at, name);
      try {
        const stat = lstatSync(full);
        total += stat.blocks * 512;
        if (stat.isDirectory()) walk(full);
      } catch {
        // gone meanwhile
      }
    }
  };
  try {
    walk(path);
  } catch (error) {
    if (error instanceof RangeError) return Infinity;
    throw error;
  }
  return total;
}

/** Runs o.argv in the sandbox. Throws only when the sandbox itself cannot run (see sandboxStatus). */
export async function runSandboxed(o: SandboxOptions): Promise<SandboxResult> {
  const status = sandboxStatus();
  if (!status.ok) throw new Error(`no sandbox: ${status.why}`);
  if (!lstatSync(o.workDir).isDirectory()) throw new Error(`sandbox workDir is not a folder: ${o.workDir}`);
  if (isRoot()) chownTree(o.workDir, UNPRIVILEGED_ID);

  const timeoutMs = o.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs;
  const maxOutputBytes = o.maxOutputBytes ?? SANDBOX_DEFAULTS.maxOutputBytes;
  const maxWorkDirBytes = o.maxWorkDirBytes ?? SANDBOX_DEFAULTS.maxWorkDirBytes;
  const [command, ...args] = sandboxCommand(o);
  const started = performance.now();

  return await new Promise<SandboxResult>((resolve, reject) => {
    // detached: bwrap leads its own process group, so the kill below also reaches setpriv/bwrap helpers.
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;
    let timedOut = false;
    let outputTruncated = false;
    let diskExceeded = false;
    let killed = false;

    const kill = () => {
      if (killed) return;
      killed = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL"); // the group is already gone; the child itself may not be
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const diskWatch = setInterval(() => {
      if (allocatedBytes(o.workDir) > maxWorkDirBytes) {
        diskExceeded = true;
        kill();
      }
    }, SANDBOX_DEFAULTS.diskCheckMs);

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (outputTruncated) return;
      const room = maxOutputBytes - outputBytes;
      if (chunk.length > room) {
        into.push(chunk.subarray(0, room));
        outputBytes = maxOutputBytes;
        outputTruncated = true;
        kill();
        return;
      }
      into.push(chunk);
      outputBytes += chunk.length;
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.stdin.on("error", () => {}); // the command may exit without reading its input (EPIPE)
    child.stdin.end(o.stdin ?? "");

    child.on("error", (error) => {
      clearTimeout(timer);
      clearInterval(diskWatch);
      reject(new Error(`could not start the sandbox (${command}): ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(diskWatch);
      // A last look: a command that filled the folder faster than the watchdog looked still counts as over.
      if (!diskExceeded && allocatedBytes(o.workDir) > maxWorkDirBytes) diskExceeded = true;
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        timedOut,
        outputTruncated,
        diskExceeded,
        durationMs: performance.now() - started,
      });
    });
  });
}
