/**
 * What the docs and the CLI state about the tool agree: the main job's time comes from one place
 * (src/cli/main-job-time.ts), --version prints package.json's version, and the new commands are listed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_JOB_TIME } from '../src/cli/main-job-time.ts';
import { configKeysMarkdown, KEY_SPECS } from '../src/config-keys.ts';
import { PRESETS } from '../src/config.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'filterstudy.mjs');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('docs and CLI agree', () => {
  it('the main job time is stated once, and the README and run --help quote it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quickstart = readme.split('\n').find((l) => l.includes('npm run study') && l.includes('#'))!;
    expect(quickstart).toContain(MAIN_JOB_TIME);
    const presetRow = readme.split('\n').find((l) => l.startsWith('| `quick`'))!;
    expect(presetRow).toContain(MAIN_JOB_TIME);
    expect(cli(['run', '--help']).stdout).toContain(MAIN_JOB_TIME);
    // No other source states a time of its own for the quick preset.
    for (const f of ['src/config.ts', 'study.config.ts']) expect(readFileSync(join(ROOT, f), 'utf8'), f).not.toMatch(/(about|~)\s*\d+\s*min/i);
  });

  it('--version prints the package version; --help lists export and compare', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = cli(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const help = cli(['--help']).stdout;
    for (const c of ['export', 'compare', '--version']) expect(help).toContain(c);
    expect(cli(['run', '--help']).stdout).toContain('--sweep');
  });

  it("docs/guide.md's config-key table is the one generated from the key declarations and presets", () => {
    const readme = readFileSync(join(ROOT, 'docs', 'guide.md'), 'utf8');
    const section = /<!-- config-keys:start[^>]*-->\n([\s\S]*?)\n<!-- config-keys:end -->/.exec(readme);
    expect(section, 'docs/guide.md config-keys markers').not.toBeNull();
    expect(section![1], 'regenerate with: node scripts/config-table.mjs --write').toBe(configKeysMarkdown(PRESETS));
    // One row per key, each with its default.
    for (const [key, spec] of KEY_SPECS) expect(section![1]).toContain(`| \`${key}\` |`), expect(section![1]).toContain(`\`${JSON.stringify(spec.default)}\``);
  });
});
