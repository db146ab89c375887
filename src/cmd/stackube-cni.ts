#!/usr/bin/env node
// stackube-cni: the CNI plugin binary in /opt/cni/bin. It only wires the process to the plugin's main():
// everything else (validation, the daemon call, deadlines, error JSON) lives in src/cni/plugin, which tests run in-process.
import { main } from '../cni/plugin/main.js';

// The runtime may close our stdout early; a write error must not turn into an uncaught exception.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

await main({
  env: process.env,
  // A terminal never ends stdin; treat an interactive run as empty input (VERSION still answers).
  stdin: process.stdin.isTTY ? '' : process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Pipe and file writes are synchronous on Linux, so exiting right away loses no output.
  exit: (code) => process.exit(code),
});
