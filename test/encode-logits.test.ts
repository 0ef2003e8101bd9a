/** Model-1's LSTM input encoded in JS (seed-task encodeLogits) = the tfjs encodePrediction it replaced. */
import * as tf from '../src/ml/tfjs.ts';
import { describe, expect, it } from 'vitest';
import { encodePrediction } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import { encodeLogits } from '../src/worker/seed-task.ts';

describe('encodeLogits', () => {
  const rng = makeRng(1, 'enc');
  const n = 500;
  const logits = Float32Array.from({ length: n * 10 }, () => rng.normal() * 4);
  logits.set([1, 3, 3, 0, 0, 0, 0, 0, 0, 0], 0); // a tie: the first maximum wins, as tf.argMax
  const ref = (enc: 'onehot' | 'scalar' | 'softmax') => tf.tidy(() => encodePrediction(tf, tf.tensor2d(logits, [n, 10]), enc).dataSync() as Float32Array);

  it('onehot and scalar: bit-identical to tfjs', () => {
    expect(Array.from(encodeLogits(logits, 'onehot'))).toEqual(Array.from(ref('onehot')));
    expect(Array.from(encodeLogits(logits, 'scalar'))).toEqual(Array.from(ref('scalar')));
    expect(encodeLogits(logits, 'onehot')[1]).toBe(1);
  });

  it('softmax: within float32 rounding of tfjs', () => {
    const a = encodeLogits(logits, 'softmax');
    const b = ref('softmax');
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    expect(max).toBeLessThan(1e-6);
  });
});
