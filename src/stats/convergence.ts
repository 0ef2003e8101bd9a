/**
 * Training-adequacy check on history.arrow rows (seed, model, network, epoch, val_accuracy): was a
 * network still learning when its training stopped? One definition for the run summary, the
 * report's warnings and the findings (report/findings-why.ts): the mean validation accuracy over the
 * last tenth of a curve's epochs (at least one epoch) against the mean over the tenth before, so
 * that one noisy SGD epoch does not decide and a 100-epoch curve is judged on its last 10 epochs.
 */

/** A window-to-window gain above this is "still improving" (below minus this, "falling"). */
export const STILL_IMPROVING = 0.01;

/** The last tenth of a curve (≥ 1 epoch) against the tenth before; null for a curve of fewer than 2 epochs. */
export function endGain(valAccuracy: readonly number[]): { window: number; before: number; last: number; gain: number } | null {
  if (valAccuracy.length < 2) return null;
  const window = Math.max(1, Math.round(valAccuracy.length / 10));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const last = mean(valAccuracy.slice(-window));
  const before = mean(valAccuracy.slice(-2 * window, -window));
  return { window, before, last, gain: last - before };
}

/**
 * Networks whose validation accuracy still rose by more than STILL_IMPROVING from the second-last
 * tenth of their epochs to the last (mean over seeds): their numbers describe a model in
 * mid-training, and more epochs would change them.
 */
export function convergenceNotes(history: Record<string, unknown>[], threshold = STILL_IMPROVING): string[] {
  const bySeries = new Map<string, { epoch: number; val: number }[]>();
  for (const r of history) {
    const key = `${r.model}.${r.network}|${r.seed}`;
    (bySeries.get(key) ?? bySeries.set(key, []).get(key)!).push({ epoch: r.epoch as number, val: r.val_accuracy as number });
  }
  const gains = new Map<string, { gain: number; window: number }[]>();
  for (const [key, v] of bySeries) {
    const g = endGain(v.sort((a, b) => a.epoch - b.epoch).map((x) => x.val));
    if (!g) continue;
    const net = key.split('|')[0];
    (gains.get(net) ?? gains.set(net, []).get(net)!).push(g);
  }
  const notes: string[] = [];
  for (const [net, g] of gains) {
    const mean = g.reduce((a, b) => a + b.gain, 0) / g.length;
    const w = Math.max(...g.map((x) => x.window));
    const span = w === 1 ? 'in its last epoch' : `over its last ${w} epochs`;
    const against = w === 1 ? '' : ` against the ${w} before`;
    if (mean > threshold) notes.push(`${net} was still improving ${span} (validation accuracy +${mean.toFixed(3)}${against}, mean over ${g.length} seeds): more epochs would change its numbers`);
  }
  return notes;
}
