/**
 * A study's training recipe in words, from its config.json `config`: how `compare` and the
 * findings name a study when studies trained differently (the quick preset and the paper's
 * Table 1) sit side by side, so that a column says which recipe its verdicts hold under.
 */

/** The parts of a resolved config (config.json `config`) a recipe is made of. */
export interface RecipeConfig { preset?: unknown; train?: Record<string, unknown>; model?: Record<string, unknown> }

/** "1 epoch", "100 epochs". */
const epochs = (t: Record<string, unknown>): string => `${String(t.epochs ?? '?')} epoch${t.epochs === 1 ? '' : 's'}`;

const optimizerName = (t: Record<string, unknown>): string =>
  t.optimizer === 'sgd' ? 'SGD' : t.optimizer === 'adam' ? 'Adam' : String(t.optimizer ?? '?');

/** "Adam lr 0.001, batch 64, 4 epochs, model-2 reads logits (quick preset)". */
export function recipeOf(c: RecipeConfig): string {
  const t = c.train ?? {};
  const m = c.model ?? {};
  const preset = typeof c.preset === 'string' ? ` (${c.preset} preset)` : '';
  return `${optimizerName(t)} lr ${String(t.learningRate ?? '?')}, batch ${String(t.batchSize ?? '?')}, ${epochs(t)}, model-2 reads ${String(m.model2Input ?? '?')}${preset}`;
}

/**
 * A study's name with its recipe in brief, for a column header: "paper (SGD, 100 epochs, reads
 * logits)"; the preset is named too when it is not the study's name ("lr-a (quick preset, Adam, …)").
 */
export function recipeHeader(name: string, c: RecipeConfig): string {
  const t = c.train ?? {};
  const preset = typeof c.preset === 'string' && c.preset !== name ? `${c.preset} preset, ` : '';
  return `${name} (${preset}${optimizerName(t)}, ${epochs(t)}, reads ${String(c.model?.model2Input ?? '?')})`;
}
