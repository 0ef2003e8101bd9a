/**
 * Report pieces about how the models were trained (issue #12): a settings table placed next to
 * the verdicts, and learning curves per network (training and validation accuracy and loss per epoch, seeds
 * overlaid) from history.arrow. Kept out of doc.ts: `insertTrainingSection` splices the
 * blocks into a built ReportDoc (the settings before Table 2, the curves after it).
 *
 * The settings table is generic over the config's train.* keys: keys it does not name (e.g. a
 * stop rule added later) are listed under their own key, so nothing the study used is hidden.
 */
import { historyFiles } from '../io/load.ts';
import { readStudyTable, tableRows } from '../io/tables.ts';
import { learningCurvesSvg, type CurvePoint } from './figure-curves.ts';
import type { Block, FigureRef, ReportDoc } from './blocks.ts';
import type { StudyData } from '../stats/types.ts';

type Cfg = { data?: Record<string, unknown>; model?: Record<string, unknown>; train?: Record<string, unknown> };

const READS: Record<string, string> = {
  onehot: 'the one-hot of each CNN’s predicted digit',
  softmax: 'each CNN’s 10-way softmax output',
  logits: 'each CNN’s 10 logits (before the softmax)',
  dense: 'each CNN’s dense layer after ReLU',
  scalar: 'each CNN’s predicted digit / 9 (one number)',
};

/** Network keys of history.arrow in the order a seed trains them, and how the report names them. */
export const CURVE_NETWORKS: [string, string][] = [
  ['model1.cnn1', 'model-1 CNN1'], ['model1.cnn2', 'model-1 CNN2'], ['model1.cnn1_rerun', 'model-1 CNN1 rerun'], ['model1.pipeline', 'model-1 LSTM'], ['model2.pipeline', 'model-2'],
];

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Rows [setting, value] describing how the study trained; pairs per split from the metrics' n. */
export function settingsRows(config: unknown, data: Pick<StudyData, 'metrics'>): [string, string][] {
  const c = (config ?? {}) as Cfg;
  const t = c.train ?? {};
  const m = c.model ?? {};
  const d = c.data ?? {};
  const rows: [string, string][] = [];
  const used = new Set<string>();
  const add = (label: string, value: string, ...keys: string[]) => {
    rows.push([label, value]);
    keys.forEach((k) => used.add(k));
  };
  if (t.optimizer !== undefined) add('optimizer', `${show(t.optimizer)}${t.optimizer === 'sgd' ? ` (momentum ${show(t.momentum)})` : ''}`, 'optimizer', 'momentum');
  if (t.learningRate !== undefined) add('learning rate', show(t.learningRate), 'learningRate');
  if (t.batchSize !== undefined) add('batch size', show(t.batchSize), 'batchSize');
  if (t.epochs !== undefined) add('epochs (CNNs, model-2)', show(t.epochs), 'epochs');
  if ('lstmEpochs' in t) add('epochs (model-1’s LSTM)', t.lstmEpochs === null ? `${show(t.epochs)} (same)` : show(t.lstmEpochs), 'lstmEpochs');
  add('stop rule', t.stopRule !== undefined ? show(t.stopRule) : 'none: every network trains its full epoch count', 'stopRule');
  const pairs = (split: string) => {
    const n = [...new Set(data.metrics.filter((r) => r.split === split && r.network === 'pipeline').map((r) => r.n))];
    return n.length ? n.map((x) => x.toLocaleString('en-US')).join(' / ') : '—';
  };
  add('pairs (train / val / test)', `${pairs('train')} / ${pairs('val')} / ${pairs('test')} (pairing ${show(d.pairing)})`);
  if (m.lstmInput !== undefined) add('model-1’s LSTM reads', `${READS[String(m.lstmInput)] ?? show(m.lstmInput)} (model.lstmInput = ${show(m.lstmInput)})`);
  // A config from before model.model2Input existed read the softmax (that key's default).
  const m2 = m.model2Input === undefined ? 'softmax' : String(m.model2Input);
  add('model-2’s LSTM reads', `${READS[m2] ?? m2} (model.model2Input = ${m2})`);
  if (t.sharedInit !== undefined) add('model-2 starts from model-1’s CNN weights', t.sharedInit ? 'yes (train.sharedInit)' : 'no (own initial weights)', 'sharedInit');
  if (t.noiseFloor !== undefined) add('noise-floor rerun of model-1’s CNN1', t.noiseFloor ? 'yes' : 'no', 'noiseFloor');
  // Every other train.* key, as it is (new keys show up without a change here).
  for (const [k, v] of Object.entries(t)) if (!used.has(k) && k !== 'evalBatchSize') rows.push([`train.${k}`, show(v)]);
  return rows;
}

/**
 * history.arrow rows of every folder (seed, network key, epoch, train and val accuracy/loss), read
 * per seed where the folder has seed folders (io/load.ts historyFiles: a curated study in results/
 * has no combined files), leaving out the seeds in `skip`.
 */
export function readCurves(dirs: string[], skip: ReadonlySet<number> = new Set()): (CurvePoint & { key: string })[] {
  const out: (CurvePoint & { key: string })[] = [];
  for (const file of historyFiles(dirs, skip)) {
    for (const r of tableRows(readStudyTable(file, 'history'))) {
      const key = `${String(r.model)}.${String(r.network)}`;
      const label = CURVE_NETWORKS.find(([k]) => k === key)?.[1] ?? key;
      out.push({ key, seed: Number(r.seed), network: label, epoch: Number(r.epoch), valAccuracy: Number(r.val_accuracy), valLoss: Number(r.val_loss), trainAccuracy: Number(r.train_accuracy), trainLoss: Number(r.train_loss) });
    }
  }
  return out;
}

export interface TrainingSection { settings: Block[]; curves: Block[]; figures: FigureRef[] }

export async function trainingSection(dirs: string[], data: StudyData, warnings: string[], skip: ReadonlySet<number> = new Set()): Promise<TrainingSection> {
  const settings: Block[] = [
    { kind: 'heading', level: 3, text: 'How the models were trained', id: 'settings' },
    { kind: 'table', head: ['setting', 'value'], rows: settingsRows(data.config, data), caption: 'From the study’s config (config.json); pairs from metrics.arrow. Every seed used the same settings.' },
  ];
  const points = readCurves(dirs, skip);
  const curves: Block[] = [{ kind: 'heading', level: 2, text: 'Learning curves', id: 'curves' }];
  const figures: FigureRef[] = [];
  if (!points.length) {
    curves.push({ kind: 'para', text: 'No epochs in history.arrow of the study folder(s): no learning curves.' });
    return { settings, curves, figures };
  }
  const networks = CURVE_NETWORKS.map(([, l]) => l).filter((l) => points.some((p) => p.network === l));
  networks.push(...[...new Set(points.map((p) => p.network))].filter((l) => !networks.includes(l)));
  const seeds = new Set(points.map((p) => p.seed)).size;
  try {
    const svg = await learningCurvesSvg(points, { title: 'Learning curves', subtitle: `accuracy and loss after each epoch; solid: validation, dashed: training; one colour per seed (${seeds} seeds)`, networks });
    const f: FigureRef = { file: 'figures/learning-curves.svg', title: 'Learning curves', svg, caption: 'Solid: the validation split, dropout off, after each epoch. Dashed: the training split, running mean over the epoch with dropout on (as Keras reports it), so it can sit below validation. A validation curve still rising at its last epoch means the network was not trained to convergence; training far above validation means overfitting.' };
    figures.push(f);
    curves.push({ kind: 'para', text: `Training and validation accuracy and loss of every network after each epoch, ${seeds} seeds overlaid (history.arrow; filters are numbered 0–15 in every figure and table, as in the Arrow columns).` });
    curves.push({ kind: 'figures', items: [f], columns: 1 });
  } catch (e) {
    warnings.push(`learning curves could not be drawn: ${(e as Error).message}`);
  }
  return { settings, curves, figures };
}

/** Puts the settings right after the verdicts (before Table 2) and the curves after Table 2's section. */
export function insertTrainingSection(doc: ReportDoc, s: TrainingSection): ReportDoc {
  const blocks = [...doc.blocks];
  const isH2 = (b: Block) => b.kind === 'heading' && b.level === 2;
  let t2 = blocks.findIndex((b) => b.kind === 'heading' && b.id === 'table2');
  if (t2 < 0) t2 = blocks.length;
  blocks.splice(t2, 0, ...s.settings);
  const after = blocks.findIndex((b, i) => i > t2 + s.settings.length && isH2(b));
  blocks.splice(after < 0 ? blocks.length : after, 0, ...s.curves);
  return { ...doc, blocks };
}
