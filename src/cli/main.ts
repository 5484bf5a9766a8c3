#!/usr/bin/env node
// The `formwork` command's entry point: run the dispatcher on this process's arguments.
import { runCli } from "./run-cli.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
