/**
 * The study that `npm run study` runs. Every key is optional: what is not set here comes from the
 * preset, then from the defaults in src/config.ts (each with its reason). CLI flags win over this file.
 *
 *   preset 'quick' — the main job: 6 seeds, all 42k training pairs, Adam lr 0.001, batch 64, 4 epochs,
 *                    model-2 reading each CNN's logits (chosen in docs/recipe.md)
 *                    (its time: src/cli/main-job-time.ts).
 *   preset 'paper' — Table 1 of the paper: batch 128, 100 epochs, SGD lr 0.01, full 42k/18k/10k,
 *                    model-2 reading each CNN's logits.
 */
import { defineStudyConfig } from './src/config.ts';

export default defineStudyConfig({
  preset: 'quick',
  // seeds: { start: 1, count: 8 },
  // data: { pairing: 'reversed', dataSeed: 20240101 },
  // model: { lstmInput: 'onehot', recurrentActivation: 'sigmoid' },
  // train: { sharedInit: false },
  // runtime: { backend: 'auto', workers: null },
});
