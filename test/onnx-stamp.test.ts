/**
 * stamp.ts: a testAccuracy stamped onto an export is the very file a second export with that
 * accuracy gives (what the seed task relied on before it stopped exporting twice), for every graph kind.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import { DIGITS, initCnn, initLstm, lstmInputDim } from '../src/ml/models.ts';
import { exportCnn, exportLstm, exportModel1, exportModel2, readOnnxMeta, type OnnxMeta } from '../src/onnx/export.ts';
import { stampProp, stampTestAccuracy } from '../src/onnx/stamp.ts';
import { makeRng } from '../src/rng.ts';

const m: StudyConfig['model'] = { ...DEFAULTS.model, filters: 4, denseUnits: 16, lstmUnits: 8 };
const rng = makeRng(3, 'test/stamp');
const cnn1 = initCnn(m, rng);
const cnn2 = initCnn(m, rng);
const lstm1 = initLstm(m, lstmInputDim(m.lstmInput), rng);
const lstm2 = initLstm(m, DIGITS, rng);
const META: OnnxMeta = { seed: 11, model: 'model1', network: 'pipeline', studyId: 'stamp', configHash: 'cafe', versions: { filterstudy: '0.1.0' } };

const kinds: [string, (meta: OnnxMeta) => Uint8Array][] = [
  ['model1', (meta) => exportModel1(cnn1, cnn2, lstm1, m, meta)],
  ['model2', (meta) => exportModel2(cnn1, cnn2, lstm2, m, { ...meta, model: 'model2' })],
  ['cnn', (meta) => exportCnn(cnn1, m, { ...meta, network: 'cnn1' })],
  ['lstm', (meta) => exportLstm(lstm1, m, { ...meta, network: 'lstm' })],
];

describe('stampTestAccuracy', () => {
  for (const [kind, exp] of kinds) {
    it(`${kind}: equals a re-export with testAccuracy, byte for byte`, () => {
      for (const acc of [0.9731, 1, 0, 1 / 3]) {
        const stamped = stampTestAccuracy(exp(META), acc);
        expect(Buffer.from(stamped).equals(Buffer.from(exp({ ...META, testAccuracy: acc })))).toBe(true);
        expect(readOnnxMeta(stamped).meta?.testAccuracy).toBe(acc);
      }
    });
  }

  it('leaves the model as it is without an accuracy', () => {
    const bytes = exportCnn(cnn1, m, META);
    expect(stampTestAccuracy(bytes, undefined)).toBe(bytes);
    expect(readOnnxMeta(bytes).meta?.testAccuracy).toBeUndefined();
  });

  it('appends any property, keeping the others', () => {
    const stamped = stampProp(exportLstm(lstm1, m, META), 'note', 'ünïcode ✓');
    const info = readOnnxMeta(stamped);
    expect(info.props.note).toBe('ünïcode ✓');
    expect(info.meta?.studyId).toBe('stamp');
    expect(info.props.seed).toBe('11');
  });
});
