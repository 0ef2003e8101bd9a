#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=1
// The flags: src/cli/node-flags.ts (why, and everywhere else it is passed).
// Runs the TypeScript sources directly through tsx: no build step between editing and running.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv);
