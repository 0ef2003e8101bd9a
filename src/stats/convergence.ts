/** Training-adequacy check on history.arrow rows (seed, model, network, epoch, val_accuracy). */

/**
 * Networks whose validation accuracy still rose by more than a point in their last epoch (mean
 * over seeds): their numbers describe a model in mid-training, and more epochs would change them.
 */
export function convergenceNotes(history: Record<string, unknown>[], threshold = 0.01): string[] {
  const bySeries = new Map<string, number[]>();
  for (const r of history) {
    const key = `${r.model}.${r.network}|${r.seed}`;
    const v = bySeries.get(key) ?? [];
    v[(r.epoch as number) - 1] = r.val_accuracy as number;
    bySeries.set(key, v);
  }
  const gains = new Map<string, number[]>();
  for (const [key, v] of bySeries) {
    if (v.length < 2) continue;
    const net = key.split('|')[0];
    gains.set(net, [...(gains.get(net) ?? []), v[v.length - 1] - v[v.length - 2]]);
  }
  const notes: string[] = [];
  for (const [net, g] of gains) {
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    if (mean > threshold) notes.push(`${net} was still improving in its last epoch (validation accuracy +${mean.toFixed(3)}, mean over ${g.length} seeds): more epochs would change its numbers`);
  }
  return notes;
}
