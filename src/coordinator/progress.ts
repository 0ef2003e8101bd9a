/**
 * Shows a sweep's events. On a TTY: a live block (log-update) with a header (seeds done, elapsed,
 * ETA including the report) and one line per seed in flight with its stage (cnn1, cnn2, lstm,
 * model-2, exporting, evaluating) — every line cut to the terminal's width, so nothing wraps and
 * no stale line is left behind. Otherwise (CI, pipes, --json): one line per epoch and per seed,
 * as text or as JSON objects.
 */
import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import stringWidth from 'string-width';
import type { StudyEvent } from './sweep.ts';
import type { ProgressMessage, StageMessage } from '../worker/task.ts';
import { EtaModel, formatDuration, stageKey } from './eta.ts';

export { EtaModel, formatDuration, seedFraction } from './eta.ts';

const fmt = (x: number | undefined, d = 3) => (x === undefined ? '  -  ' : x.toFixed(d));

/** The stage names the display shows, one per step of a seed. */
export function stageLabel(key: string): string {
  return ({ 'model1.cnn1': 'cnn1', 'model1.cnn2': 'cnn2', 'model1.cnn1_rerun': 'cnn1 rerun', 'model1.pipeline': 'lstm', 'model2.pipeline': 'model-2' } as Record<string, string>)[key] ?? key;
}

/** One epoch line (pipes, CI): the full story, wrapped by the caller if needed. */
export function progressLine(p: ProgressMessage): string {
  return `seed ${String(p.seed).padStart(4)}  ${stageLabel(stageKey(p)).padEnd(10)} epoch ${p.epoch}/${p.epochs} step ${String(p.step).padStart(4)}/${p.steps}  loss ${fmt(p.loss)} acc ${fmt(p.accuracy)}${p.valAccuracy !== undefined ? ` val_acc ${fmt(p.valAccuracy)}` : ''}`;
}

/** The live line of one seed in flight: most important first, so that cutting the end loses least. */
export function liveSeedLine(p: ProgressMessage | StageMessage): string {
  if (p.type === 'stage') return `seed ${String(p.seed).padStart(3)}  ${p.stage === 'exporting' ? 'exporting ONNX' : 'evaluating (onnxruntime)'}`;
  return `seed ${String(p.seed).padStart(3)}  ${stageLabel(stageKey(p)).padEnd(8)} ep ${p.epoch}/${p.epochs} ${String(p.step).padStart(4)}/${p.steps}  loss ${fmt(p.loss)} acc ${fmt(p.accuracy)}${p.valAccuracy !== undefined ? ` val ${fmt(p.valAccuracy)}` : ''}`;
}

/** The width rule: every line at most `width` columns (cut at the end with '…'). */
export function fitLines(lines: string[], width: number): string[] {
  const w = Math.max(1, Math.floor(width));
  return lines.flatMap((l) => l.split('\n')).map((l) => (stringWidth(l) > w ? cliTruncate(l, w, { position: 'end' }) : l));
}

/** Word-wraps a line that is kept in the scrollback (seed done, failures) to `width`, indenting continuations. */
export function wrapLine(line: string, width: number, indent = '    '): string[] {
  const w = Math.max(1, Math.floor(width));
  if (stringWidth(line) <= w) return [line];
  // Keep the line's own indentation, and indent its continuations further.
  const lead = /^ */.exec(line)![0];
  const more = `${lead}${indent}`.length < w / 2 ? `${lead}${indent}` : '';
  const out: string[] = [];
  let cur = lead;
  for (const word of line.slice(lead.length).split(' ')) {
    const next = cur.trim() === '' ? `${cur}${word}` : `${cur} ${word}`;
    if (stringWidth(next) <= w || cur.trim() === '') cur = next;
    else {
      out.push(cur);
      cur = `${more}${word}`;
    }
  }
  if (cur.trim() !== '') out.push(cur);
  return fitLines(out, w); // a single word longer than the width is cut
}

export interface Reporter {
  onEvent(e: StudyEvent): void;
  /** The statistics report has started / finished (its time is part of the ETA). */
  onReportStart?(): void;
  onReportDone?(seconds: number): void;
  close(): void;
}

export function createReporter(opts: {
  json: boolean; tty: boolean; write?: (s: string) => void; columns?: () => number; now?: () => number;
  /** The report follows the seeds (default true): the ETA includes it and says so; false under --no-aggregate or a shard. */
  withReport?: boolean;
  /** One study of a sweep: keep the live block, but print only what needs attention (failures, warnings); the sweep prints one line per study. */
  quiet?: boolean;
}): Reporter {
  const withReport = opts.withReport ?? true;
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const columns = opts.columns ?? (() => process.stdout.columns || 80);
  const now = opts.now ?? (() => performance.now() / 1000);
  const live = opts.tty && !opts.json;
  // log-update on the real stdout; with an injected writer (tests) a minimal stream around it.
  const stream = opts.write
    ? ({ write: (s: string) => { write(s); return true; }, get columns() { return columns(); }, rows: 50, isTTY: true } as unknown as NodeJS.WriteStream)
    : process.stdout;
  const log = live ? createLogUpdate(stream) : null;
  const inFlight = new Map<number, ProgressMessage | StageMessage>();
  let eta: EtaModel | null = null;
  let done = 0;
  let total = 0;
  let reporting = false;
  /** Under `quiet` (a sweep's study) the live header names the study: its start line is not printed. */
  let studyName = '';
  let timer: NodeJS.Timeout | null = null;

  const etaText = () => {
    const s = eta?.eta(now());
    return s === null || s === undefined ? '?' : formatDuration(s);
  };
  const draw = () => {
    if (!log || !eta) return;
    const head = (opts.quiet && studyName ? `${studyName}: ` : '') + (reporting
      ? `${done}/${total} seeds done · ${formatDuration(eta.elapsed(now()))} · writing the report · ETA ${etaText()}`
      : `${done}/${total} seeds done · ${formatDuration(eta.elapsed(now()))} · ETA ${etaText()}${withReport ? ' (with report)' : ''}`);
    log(fitLines([head, ...[...inFlight.values()].map(liveSeedLine)], columns()).join('\n'));
  };
  const print = (line: string, important = false) => {
    if (opts.quiet && !important) return;
    const lines = live ? wrapLine(line, columns()) : [line];
    if (log) {
      log.clear();
      write(`${lines.join('\n')}\n`);
      draw();
    } else write(`${lines.join('\n')}\n`);
  };
  const emitJson = (obj: unknown) => write(`${JSON.stringify(obj)}\n`);

  return {
    onEvent(e) {
      const t = now();
      if (e.type === 'progress') eta?.progress(e.progress, t);
      if (e.type === 'stage') eta?.stage(e.seed, e.stage, t);
      if (opts.json) {
        if (e.type === 'progress') {
          if (e.progress.valAccuracy !== undefined) emitJson({ ...e.progress, type: 'epoch', stage: stageLabel(stageKey(e.progress)) });
        } else emitJson(e);
        return;
      }
      switch (e.type) {
        case 'start':
          total = e.pending.length;
          studyName = e.study;
          eta = new EtaModel({ seeds: total, threads: e.threads, start: t, ...(withReport ? {} : { reportSeconds: 0 }) });
          print(`study ${e.study} → ${e.root}: ${e.seeds.length} seeds (${e.skipped.length} already done${e.skipped.length ? `: ${e.skipped.join(', ')}` : ''}), ${e.threads} worker thread(s), backend ${e.backend}`);
          if (live && total > 0) timer = setInterval(draw, 500);
          break;
        case 'progress':
          inFlight.set(e.progress.seed, e.progress);
          if (!live && e.progress.step === e.progress.steps && e.progress.valAccuracy !== undefined) print(progressLine(e.progress));
          break;
        case 'stage':
          inFlight.set(e.seed, { type: 'stage', seed: e.seed, stage: e.stage });
          if (!live) print(`seed ${String(e.seed).padStart(4)}  ${e.stage}`);
          else draw(); // a new stage shows at once; epochs are redrawn by the timer
          break;
        case 'seed-done': {
          inFlight.delete(e.seed);
          done++;
          eta?.seedDone(e.seed, e.seconds, t);
          const acc = Object.entries(e.testAccuracy).filter(([k]) => !k.startsWith('model2.cnn')).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
          print(`seed ${e.seed} done in ${formatDuration(e.seconds)} on ${e.backend}: test ${acc}${e.exportAgrees ? '' : " — WARNING: the exported ONNX graph disagrees with the trainer's forward pass, see seed.json exportVsTrainer"}${e.notes.length ? ` (${e.notes.join('; ')})` : ''} · ETA ${etaText()}`);
          break;
        }
        case 'seed-failed':
          inFlight.delete(e.seed);
          done++;
          eta?.seedFailed(e.seed);
          print(`seed ${e.seed} FAILED [${e.error.code}] ${e.error.message}${e.error.hint ? ` — hint: ${e.error.hint}` : ''}${e.file ? ` (recorded in ${e.file})` : ''}`, true);
          break;
        case 'warning':
          print(`seed ${e.seed} WARNING [${e.code}]: ${e.message}`, true);
          break;
        case 'seed-quarantined':
          print(`seed ${e.seed} did not verify (${e.reason}): moved to ${e.movedTo}; it is trained again`, true);
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
        case 'seed-lost':
          inFlight.delete(e.seed);
          print(`seed ${e.seed}: lease lost${e.holder ? ` to ${e.holder}` : ''} (this process stalled past its expiry); stopped training it and left it to that process`);
          break;
        case 'combined':
          print(`wrote ${e.files.length} combined Arrow files`);
          break;
      }
    },
    onReportStart() {
      reporting = true;
      eta?.reportStart(now());
      if (!live && !opts.json && !opts.quiet) write('writing the statistics report…\n');
      draw();
    },
    onReportDone(seconds) {
      reporting = false;
      eta?.reportDone(seconds);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      // \r first: a Ctrl-C echoed as ^C moved the cursor off column 0, and the clear starts there.
      if (log) write('\r');
      log?.clear();
    },
  };
}
