#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between editing and running.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv);
