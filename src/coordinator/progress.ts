/**
 * Shows a sweep's events. On a TTY: a live block with one line per seed in flight (model,
 * network, epoch, loss/accuracy) and the overall ETA. Otherwise (CI, pipes, --json): one line
 * per epoch and per seed, as text or as JSON objects.
 */
import type { StudyEvent } from './sweep.ts';
import type { ProgressMessage } from '../worker/task.ts';

/** Share of one seed's training time spent in each network (measured on wasm; for the ETA only). */
// The optional noise-floor rerun (model1.cnn1-rerun, after cnn2) is counted as part of cnn2's share.
const WEIGHT: Record<string, number> = { 'model1.cnn1': 0.22, 'model1.cnn2': 0.22, 'model1.cnn1-rerun': 0, 'model1.lstm': 0.04, 'model2.pipeline': 0.52 };
const BEFORE: Record<string, number> = { 'model1.cnn1': 0, 'model1.cnn2': 0.22, 'model1.cnn1-rerun': 0.44, 'model1.lstm': 0.44, 'model2.pipeline': 0.48 };

export function seedFraction(p: ProgressMessage): number {
  const key = `${p.model}.${p.network}`;
  const within = ((p.epoch - 1) + p.step / p.steps) / p.epochs;
  return (BEFORE[key] ?? 0) + (WEIGHT[key] ?? 0) * within;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

const fmt = (x: number | undefined, d = 3) => (x === undefined ? '  -  ' : x.toFixed(d));

export function progressLine(p: ProgressMessage): string {
  return `seed ${String(p.seed).padStart(4)}  ${p.model}.${p.network.padEnd(8)} epoch ${p.epoch}/${p.epochs} step ${String(p.step).padStart(4)}/${p.steps}  loss ${fmt(p.loss)} acc ${fmt(p.accuracy)}${p.valAccuracy !== undefined ? ` val_acc ${fmt(p.valAccuracy)}` : ''}`;
}

export interface Reporter { onEvent(e: StudyEvent): void; close(): void }

export function createReporter(opts: { json: boolean; tty: boolean; write?: (s: string) => void }): Reporter {
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const live = opts.tty && !opts.json;
  const inFlight = new Map<number, ProgressMessage>();
  let total = 0;
  let done = 0;
  let t0 = performance.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;

  const eta = () => {
    const frac = (done + [...inFlight.values()].reduce((a, p) => a + seedFraction(p), 0)) / Math.max(total, 1);
    const elapsed = (performance.now() - t0) / 1000;
    return frac > 0.01 ? formatDuration((elapsed * (1 - frac)) / frac) : '?';
  };
  const draw = () => {
    const lines = [`${done}/${total} seeds done · elapsed ${formatDuration((performance.now() - t0) / 1000)} · ETA ${eta()}`, ...[...inFlight.values()].map(progressLine)];
    write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
  const print = (line: string) => {
    if (live && drawn) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
    write(`${line}\n`);
    if (live) draw();
  };
  const emitJson = (obj: unknown) => write(`${JSON.stringify(obj)}\n`);

  return {
    onEvent(e) {
      if (opts.json) {
        if (e.type !== 'progress' || e.progress.valAccuracy !== undefined) emitJson(e.type === 'progress' ? { ...e.progress, type: 'epoch' } : e);
        return;
      }
      switch (e.type) {
        case 'start':
          total = e.pending.length;
          t0 = performance.now();
          print(`study ${e.study} → ${e.root}: ${e.seeds.length} seeds (${e.skipped.length} already done${e.skipped.length ? `: ${e.skipped.join(', ')}` : ''}), ${e.threads} worker thread(s), backend ${e.backend}`);
          if (live && total > 0) timer = setInterval(draw, 500);
          break;
        case 'progress':
          inFlight.set(e.progress.seed, e.progress);
          if (!live && e.progress.step === e.progress.steps && e.progress.valAccuracy !== undefined) print(progressLine(e.progress));
          break;
        case 'seed-done': {
          inFlight.delete(e.seed);
          done++;
          const acc = Object.entries(e.testAccuracy).filter(([k]) => !k.startsWith('model2.cnn')).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
          print(`seed ${e.seed} done in ${formatDuration(e.seconds)} on ${e.backend}: test ${acc}${e.onnxAgrees ? '' : ' — WARNING: ONNX and tfjs disagree, see seed.json'}${e.notes.length ? ` (${e.notes.join('; ')})` : ''} · ETA ${eta()}`);
          break;
        }
        case 'seed-failed':
          inFlight.delete(e.seed);
          done++;
          print(`seed ${e.seed} FAILED [${e.error.code}] ${e.error.message}${e.error.hint ? ` — hint: ${e.error.hint}` : ''}${e.file ? ` (recorded in ${e.file})` : ''}`);
          break;
        case 'seed-quarantined':
          print(`seed ${e.seed} did not verify (${e.reason}): moved to ${e.movedTo}; it is trained again`);
          break;
        case 'seed-elsewhere':
          done++; // off this run's list: counts as done for the ETA
          print(`seed ${e.seed}: finished by another process sharing the study folder`);
          break;
        case 'seed-waiting':
          print(`seed ${e.seed}: being trained by another process${e.holder ? ` (${e.holder})` : ''}; this run waits for it (or takes it over if that process dies)`);
          break;
        case 'seed-takeover':
          print(`seed ${e.seed}: lease taken over (${e.reason}); training it here`);
          break;
        case 'combined':
          print(`wrote ${e.files.length} combined Arrow files`);
          break;
      }
    },
    close() {
      if (timer) clearInterval(timer);
      // \r first: a Ctrl-C echoed as ^C moved the cursor off column 0, and the clear starts there.
      if (live && drawn) write(`\r\x1b[${drawn}A\x1b[J`);
      drawn = 0;
    },
  };
}
