// The sandbox holds: each way a candidate could harm the machine is tried with a real command, and the test checks
// both that the candidate failed and that the host is as it was. Without bwrap these tests fail (they do not skip):
// the first one says what to install.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { allocatedBytes, runSandboxed, sandboxStatus, SANDBOX_WORK_DIR, type SandboxOptions } from "./sandbox";

const made: string[] = [];
function freshDir(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, "sandbox-test-"));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function run(script: string, extra: Partial<SandboxOptions> = {}) {
  return runSandboxed({ argv: ["bash", "-c", script], workDir: extra.workDir ?? freshDir(), ...extra });
}

/** Host processes of the candidate: bash processes whose script contains marker (bwrap's own two carry it too, as
 * an argument, and are not the candidate's). */
function processesWith(marker: string): number {
  let count = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[0] === "bash" && argv.some((arg) => arg.includes(marker))) count++;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

function hasCommand(name: string): boolean {
  return readdirSync("/usr/bin").includes(name);
}

describe("sandbox", () => {
  it("is available (bwrap installed and able to start)", () => {
    const status = sandboxStatus();
    // A missing bwrap is a failure with the command to run, never a skip.
    expect(status, status.ok ? "" : status.why).toEqual({ ok: true });
  });

  it("runs a command in the work folder, with a clean environment and the caller's variables", async () => {
    const workDir = freshDir();
    writeFileSync(join(workDir, "given.txt"), "from the host\n");
    const result = await run('pwd; echo "$HOME $LC_ALL $GREETING"; cat given.txt; echo made > made.txt; env | grep -c . ', {
      workDir,
      env: { GREETING: "hello" },
    });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([SANDBOX_WORK_DIR, `${SANDBOX_WORK_DIR} C hello`, "from the host"]);
    // Nothing of the host's environment leaks in (the host has far more variables than the sandbox's base set).
    expect(Number(lines[3])).toBeLessThan(20);
    expect(readFileSync(join(workDir, "made.txt"), "utf8")).toBe("made\n");
  });

  it("passes stdin and reports the exit code", async () => {
    const result = await run("tr a-z A-Z; exit 3", { stdin: "shout\n" });
    expect(result).toMatchObject({ exitCode: 3, stdout: "SHOUT\n", timedOut: false, outputTruncated: false });
  });

  it("cannot write outside the work folder, and the host's files are untouched", async () => {
    // A folder the sandbox's user could write if the root were not read-only: world-writable, in /var/tmp (which
    // the sandbox sees, unlike /tmp), with a file it could overwrite.
    const hostDir = freshDir(existsSync("/var/tmp") ? "/var/tmp" : tmpdir());
    chmodSync(hostDir, 0o777);
    const hostFile = join(hostDir, "keep.txt");
    writeFileSync(hostFile, "original\n");
    chmodSync(hostFile, 0o666);
    // And one in the host's temp folder (the sandbox has its own /tmp).
    const hostTmp = freshDir();
    chmodSync(hostTmp, 0o777);

    const attempts = [
      "touch /etc/sandbox-escape",
      `echo changed > ${hostFile}`,
      `echo new > ${hostDir}/new.txt`,
      `echo new > ${hostTmp}/new.txt`,
      `rm -f ${hostFile}`,
    ];
    for (const attempt of attempts) {
      const result = await run(attempt);
      expect(result.exitCode, `${attempt} should fail`).not.toBe(0);
    }
    expect(existsSync("/etc/sandbox-escape")).toBe(false);
    expect(readFileSync(hostFile, "utf8")).toBe("original\n");
    expect(readdirSync(hostDir)).toEqual(["keep.txt"]);
    expect(readdirSync(hostTmp)).toEqual([]);
  });

  describe("network", () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end("hello from the host\n");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      port = address.port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("cannot reach a TCP server on the host's loopback, and has no interface but its own lo", async () => {
      // The server is reachable from the host (so a failure below is the sandbox's doing).
      const control = await new Promise<string>((resolve, reject) => {
        let said = "";
        connect(port, "127.0.0.1")
          .on("data", (chunk) => (said += chunk.toString()))
          .on("end", () => resolve(said))
          .on("error", reject);
      });
      expect(control).toBe("hello from the host\n");
      const before = connections;

      const bash = await run(`exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`);
      expect(bash.exitCode).not.toBe(0);
      expect(bash.stdout).toBe("");
      if (hasCommand("python3")) {
        const python = await runSandboxed({
          argv: ["python3", "-c", `import socket; print(socket.create_connection(("127.0.0.1", ${port}), timeout=2).recv(100))`],
          workDir: freshDir(),
        });
        expect(python.exitCode).not.toBe(0);
        expect(python.stdout).toBe("");
      }
      if (hasCommand("curl")) {
        const curl = await run(`curl -sS --max-time 2 http://127.0.0.1:${port}/`);
        expect(curl.exitCode).not.toBe(0);
      }
      expect(connections).toBe(before);

      // Only the namespace's own loopback: the host's interfaces (eth0, ...) are not there.
      const interfaces = await run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
      expect(interfaces.stdout.trim().split("\n")).toEqual(["lo"]);
    });
  });

  it("kills a command that runs past the time limit, with everything it started", async () => {
    const marker = `timeout-${randomUUID()}`;
    const result = await run(`: ${marker}; (sleep 100; : ${marker}) & sleep 100`, { timeoutMs: 1000 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.durationMs).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processesWith(marker)).toBe(0);
  });

  it("ends what a command left in the background when it exits", async () => {
    const marker = `background-${randomUUID()}`;
    const result = await run(`(: ${marker}; sleep 100) & echo started`);
    expect(result).toMatchObject({ exitCode: 0, stdout: "started\n", timedOut: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processesWith(marker)).toBe(0);
  });

  it("cuts output at the cap and kills the command", async () => {
    const cap = 64 * 1024;
    const result = await run("yes", { maxOutputBytes: cap, timeoutMs: 10_000 });
    expect(result.outputTruncated).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.stdout.length).toBe(cap);
    expect(result.durationMs).toBeLessThan(5000);
    // stderr counts toward the same cap.
    const noisy = await run("yes >&2", { maxOutputBytes: cap, timeoutMs: 10_000 });
    expect(noisy.outputTruncated).toBe(true);
    expect(noisy.stderr.length).toBe(cap);
  });

  it("bounds a fork bomb: it fails within the time limit, never holds more than its processes, and leaves none", async () => {
    const marker = `bomb-${randomUUID()}`;
    const maxProcesses = 32;
    // Each copy starts two more and waits for them, so copies pile up until fork fails.
    const bomb = run(`: ${marker}; bomb() { bomb | bomb & wait; }; bomb`, { timeoutMs: 3000, maxProcesses });
    let most = 0;
    let finished = false;
    void bomb.then(() => (finished = true));
    while (!finished) {
      most = Math.max(most, processesWith(marker));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await bomb;
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeLessThan(8000);
    expect(most).toBeGreaterThan(5); // it did fork (the sampling saw it)
    expect(most).toBeLessThanOrEqual(maxProcesses);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processesWith(marker)).toBe(0);
  });

  it("stops a command that writes a huge file", async () => {
    const workDir = freshDir();
    const maxFileBytes = 1024 * 1024;
    const result = await run("head -c 100M /dev/zero > huge.bin", { workDir, maxFileBytes });
    expect(result.exitCode).not.toBe(0);
    expect(readFileSync(join(workDir, "huge.bin")).length).toBeLessThanOrEqual(maxFileBytes);
    // /tmp is capped as well.
    const inTmp = await run("head -c 1G /dev/zero > /tmp/huge.bin", { maxFileBytes: 2 * 1024 ** 3 });
    expect(inTmp.exitCode).not.toBe(0);
    expect(inTmp.stderr).toMatch(/No space left/);
  });

  it("stops a command that fills its folder with many files, and says so", async () => {
    const workDir = freshDir();
    const maxWorkDirBytes = 32 * 1024 ** 2;
    // 100 files of 8 MiB: each under the file-size cap, 800 MiB in all.
    const result = await run("for i in $(seq 100); do head -c 8M /dev/zero > f$i; done", { workDir, maxWorkDirBytes, timeoutMs: 20_000 });
    expect(result.diskExceeded).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(allocatedBytes(workDir)).toBeLessThan(400 * 1024 ** 2);
    // Ordinary use stays under it.
    const fine = await run("head -c 1M /dev/zero > one.bin", { maxWorkDirBytes });
    expect(fine).toMatchObject({ exitCode: 0, diskExceeded: false });
  });

  it("bounds a process's memory", async () => {
    const result = await run("python3 -c 'x = bytearray(3 * 1024**3); print(len(x))'", { maxMemoryBytes: 512 * 1024 ** 2 });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/MemoryError/);
  });
});
