/** `filterstudy slurm` and `filterstudy k8s`: the written scripts and printed manifests, without a cluster. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type StudyConfig } from '../src/config.ts';
import { loadConfigFile } from '../src/cli/load-config.ts';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const cli = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
const STUDY = ['-n', 'sched', '-s', '5', '--seed-start', '3', '-e', '2', '--set', 'model.lstmUnits=16', '--set', 'data.limit.train=300'];

/** The config a task resolves from the frozen module, as `run --config` does. */
async function taskConfig(file: string): Promise<StudyConfig> {
  const { config } = await loadConfigFile(file);
  return resolveConfig([{ source: file, config }]);
}

describe('filterstudy slurm', () => {
  it('writes an array job, an afterany aggregate job and a frozen config that tasks resolve identically', async () => {
    const cwd = tempDir();
    const r = cli(['slurm', '--shards', '4', '--cpus', '3', '--mem', '6G', '--time', '2:00:00', '--partition', 'gpu', ...STUDY], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dir = join(cwd, 'out', 'sched', 'slurm');
    const train = readFileSync(join(dir, 'train.sbatch'), 'utf8');
    for (const line of ['#SBATCH --array=0-3', '#SBATCH --cpus-per-task=3', '#SBATCH --mem=6G', '#SBATCH --time=2:00:00', '#SBATCH --partition=gpu']) expect(train).toContain(line);
    expect(train).toMatch(/ run --config \S+study\.config\.mjs --shard "\$SLURM_ARRAY_TASK_ID\/4" --workers "\$\{SLURM_CPUS_PER_TASK:-3\}"/);
    const agg = readFileSync(join(dir, 'aggregate.sbatch'), 'utf8');
    expect(agg).toContain(` aggregate ${join(cwd, 'out', 'sched')}`);
    expect(agg).not.toContain('--array');
    const submit = readFileSync(join(dir, 'submit.sh'), 'utf8');
    expect(submit).toMatch(/sbatch --parsable --dependency=afterany:\$array aggregate\.sbatch/);
    for (const f of ['train.sbatch', 'aggregate.sbatch', 'submit.sh']) expect(spawnSync('bash', ['-n', join(dir, f)]).status, f).toBe(0);
    const cfg = await taskConfig(join(dir, 'study.config.mjs'));
    expect(cfg.name).toBe('sched');
    expect(cfg.outDir).toBe(join(cwd, 'out')); // absolute: tasks may start elsewhere
    expect(cfg.seeds).toEqual({ start: 3, count: 5, untilDecided: false, maxCount: null });
    expect(cfg.train.epochs).toBe(2);
    expect(cfg.model.lstmUnits).toBe(16);
    expect(cfg.data.limit.train).toBe(300);
  });

  it('bad flags are coded errors (exit 2)', () => {
    const cwd = tempDir();
    for (const [args, msg] of [
      [['--shards', '0'], /--shards expects a positive integer/],
      [['--shards', '2', '--mem', 'lots'], /--mem: "lots" is not a memory size/],
      [['--shards', '2', '--time', 'soon'], /--time: "soon" is not a Slurm time/],
      [['--shards', '2', '--set', 'train.epoch=2'], /unknown config key "train.epoch"/],
    ] as const) {
      const r = cli(['slurm', ...args], cwd);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('filterstudy k8s', () => {
  it('prints a ConfigMap, an Indexed Job over the shards and a suspended aggregate Job that parse as YAML', async () => {
    const cwd = tempDir();
    const r = cli(['k8s', '--shards', '3', '--image', 'registry.example/filterstudy:0.1', '--claim', 'studies', '--cpus', '4', '--mem', '8Gi', ...STUDY], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual(['v1/ConfigMap', 'batch/v1/Job', 'batch/v1/Job']);
    const [cm, job, agg] = docs;
    expect(job.metadata.name).toBe('fs-sched');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.image).toBe('registry.example/filterstudy:0.1');
    expect(c.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(c.command[2]).toContain('filterstudy run --config /etc/filterstudy/study.config.mjs --shard "$JOB_COMPLETION_INDEX/3" --workers 4');
    expect(c.resources).toEqual({ requests: { cpu: '4', memory: '8Gi' }, limits: { memory: '8Gi' } });
    expect(pod.volumes).toContainEqual({ name: 'study', persistentVolumeClaim: { claimName: 'studies' } });
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: cm.metadata.name } });
    expect(c.volumeMounts).toContainEqual({ name: 'study', mountPath: '/study' });
    expect(agg.spec.suspend).toBe(true);
    expect(agg.spec.completionMode).toBeUndefined();
    expect(agg.spec.template.spec.containers[0].command[2]).toBe('exec filterstudy aggregate /study/sched');
    // the ConfigMap's module is the study, with the study folder on the shared volume
    const file = join(tempDir(), 'study.config.mjs');
    writeFileSync(file, cm.data['study.config.mjs']);
    const cfg = await taskConfig(file);
    expect(cfg).toMatchObject({ name: 'sched', outDir: '/study', seeds: { start: 3, count: 5 } });
    expect(cfg.model.lstmUnits).toBe(16);
  });

  it('requires the image and the claim', () => {
    const r = cli(['k8s', '--shards', '2'], tempDir());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--image/);
  });

  it('--help says how to build the image', () => {
    const r = cli(['k8s', '--help'], tempDir());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/FROM node:20/);
    expect(r.stdout).toMatch(/docker build -t \S+ \. && docker push/);
  });
});
