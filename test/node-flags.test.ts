/**
 * filterstudy's Node flags (src/cli/node-flags.ts) reach every way of starting it: they cannot be set
 * from inside a running process, so a start path that forgets them runs with V8's default GC threads
 * (slower with two workers, same results).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { defaultCommand } from '../src/cli/scheduler.ts';

const root = new URL('..', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const flags = NODE_FLAGS.join(' ');

describe('Node flags', () => {
  it('this Node accepts them', () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the bin passes them in its shebang, and starting it through the shebang works', () => {
    expect(read('bin/filterstudy.mjs').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const r = spawnSync(new URL('bin/filterstudy.mjs', root).pathname, ['--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("package.json's scripts, the Slurm task command and the benches pass them", () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts.study).toBe(`node ${flags} bin/filterstudy.mjs run`);
    expect(scripts.filterstudy).toBe(`node ${flags} bin/filterstudy.mjs`);
    expect(defaultCommand()).toContain(` ${flags} `);
    expect(read('bin/bench.mjs')).toContain(`spawnSync(process.execPath, [${NODE_FLAGS.map((f) => `'${f}'`).join(', ')}, '--import', 'tsx'`);
    expect(read('bench/seeds.ts')).toContain("spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', 'bench/seed-child.ts'");
  });
});
