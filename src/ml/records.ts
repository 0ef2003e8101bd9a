/**
 * What one seed's training and evaluation record, row by row: the accuracy/loss rows, the per-epoch
 * history, how each network's training ended, and the first-layer filters at each stage. The seed
 * task (worker/seed-task.ts) fills them, onnx/eval.ts and worker/claim4.ts add metric rows, and the
 * study folder (io/outputs.ts) stores them as Arrow tables.
 */
import type { SplitName } from '../data/mnist.ts';
import type { EpochRecord, FitResult } from './train.ts';

/** The paper's two models: model-1 (two digit CNNs, then an LSTM on their predicted labels) and
 *  model-2 (both CNNs feed one LSTM, trained end to end). */
export type ModelName = 'model1' | 'model2';

/** One accuracy/loss measurement of one network on one split. target: what was scored — the
 *  digit label, the third term 2b−a, or (claim 4, worker/claim4.ts) the digit up to a relabelling
 *  of the outputs or through a linear probe. */
export interface MetricRow { model: ModelName; network: string; split: SplitName; target: 'digit' | 'third' | 'digit_relabelled' | 'digit_probe'; accuracy: number; loss: number; n: number }
/** One epoch of one network's training (EpochRecord of ml/train.ts), labelled with its model. */
export interface HistoryRow extends EpochRecord { model: ModelName; network: string; /** The epoch whose weights were kept. */ best: boolean }
/** How one network's training ended (network: 'cnn1', 'cnn2', 'cnn1_rerun' or 'pipeline' (model-1: its LSTM; model-2: end to end)). */
export interface NetworkTraining extends Omit<FitResult, 'history'> { model: ModelName; network: string }
/** One CNN's first-layer filters at one stage (initial or trained); the noise-floor rerun is network 'cnn1_rerun'. */
export interface FilterSet { model: ModelName; network: 'cnn1' | 'cnn2' | 'cnn1_rerun'; stage: 'init' | 'trained'; kernel: Float32Array /* [K,K,1,F] */; bias: Float32Array /* [F] */ }
