#!/usr/bin/env node
// Entry point of `pnpm demo`: runs main() on the process arguments. The logic (and its error policy) is in main.ts so
// tests can run it in-process.
import { guardStdout, main } from './main';

guardStdout();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
