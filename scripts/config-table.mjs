#!/usr/bin/env node
// Prints the config-key table generated from src/config-keys.ts; with --write, puts it into
// docs/guide.md between the config-keys markers (test/docs.test.ts fails while they differ).
// Usage: node scripts/config-table.mjs [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const { configKeysMarkdown } = await tsImport('../src/config-keys.ts', import.meta.url);
const { PRESETS } = await tsImport('../src/config.ts', import.meta.url);
const table = configKeysMarkdown(PRESETS);
if (!process.argv.includes('--write')) {
  console.log(table);
} else {
  const readme = new URL('../docs/guide.md', import.meta.url);
  const text = readFileSync(readme, 'utf8');
  const re = /(<!-- config-keys:start[^>]*-->\n)[\s\S]*?(\n<!-- config-keys:end -->)/;
  if (!re.test(text)) {
    console.error('docs/guide.md has no <!-- config-keys:start --> … <!-- config-keys:end --> section');
    process.exit(2);
  }
  writeFileSync(readme, text.replace(re, (_m, a, b) => `${a}${table}${b}`));
  console.log('docs/guide.md: config-key table updated');
}
