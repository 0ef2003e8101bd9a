/**
 * ONNX export of the study's networks (src/ml/models.ts), built directly as ModelProtos.
 *
 *   CNN     image[N,28,28,1] (NHWC, as tfjs) → Reshape NCHW (one channel) → Conv (kernel [kh,kw,1,F]
 *           → [F,1,kh,kw]) → Relu → MaxPool|AveragePool → Transpose back to NHWC → Flatten (so
 *           dense1Kernel's rows, in tfjs' NHWC flatten order, line up) → Gemm → Relu → Gemm → logits,
 *           Softmax → probs [N,10]; the layers up to the logits run in a Loop over chunks of 100 images
 *           (addCnns: the conv output of a whole batch overflows the caches)
 *   LSTM    sequence[2,N,I] (time-major) → ONNX LSTM (Keras gate blocks i,f,c,o → ONNX i,o,f,c,
 *           matrices transposed, bias in Wb with Rb = 0) → last h → Gemm → logits, probs [N,28]
 *   model-1 image_a, image_b → CNN1, CNN2 → encoding as trained (onehot | softmax | scalar) → LSTM
 *   model-2 image_a, image_b → each CNN's softmax, logits or dense layer (model.model2Input) as a
 *           2-step sequence → LSTM
 * Class k of the 28-way outputs is the third term k − 9 (2b − a).
 */
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { DIGITS, IMAGE_SIDE, THIRD_CLASSES, cnnShapes, lstmInputDim, lstmShapes, model2InputDim, type Weights } from '../ml/models.ts';
import { BOOL, GraphBuilder, INT64, attr, encodeModel, modelProtoType, valueInfo, type ValueInfoProto } from './graph.ts';

type ModelConfig = StudyConfig['model'];

export { ONNX_IR_VERSION, ONNX_OPSET } from './graph.ts';

/** Provenance written to metadata_props. */
export interface OnnxMeta {
  seed: number;
  model: 'model1' | 'model2';
  network: string;
  studyId: string;
  configHash: string;
  testAccuracy?: number;
  versions: Record<string, string>;
}

export type GraphKind = 'cnn' | 'lstm' | 'model1' | 'model2';

/** What readOnnxMeta finds in a file. `meta`/`graph`/`modelConfig` are null when the file is not one of ours. */
export interface OnnxInfo {
  producerName: string;
  producerVersion: string;
  irVersion: number;
  opsetVersion: number | null;
  graph: GraphKind | null;
  meta: OnnxMeta | null;
  modelConfig: ModelConfig | null;
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  props: Record<string, string>;
}

const IMAGE_DOC = 'grayscale 28×28 digit images, NHWC like tfjs, pixels in [0,1] (MNIST bytes / 255)';
const THIRD_DOC = 'class k is the third term k − 9 of (a, b, 2b − a)';

// ---- weight checks and layout conversion --------------------------------------------------------

function checkShapes(w: Weights, expected: Record<string, number[]>, what: string): void {
  for (const [name, shape] of Object.entries(expected)) {
    const got = w[name];
    if (!got) throw new FilterstudyError('E_MODEL', `${what} weights lack "${name}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (got.shape.join() !== shape.join() || got.data.length !== size) {
      throw new FilterstudyError('E_MODEL', `${what} weight "${name}" has shape [${got.shape}] (${got.data.length} values), expected [${shape}] for this model config`);
    }
  }
}

/** tfjs conv kernel [kh,kw,in,out] → ONNX Conv W [out,in,kh,kw]. */
export function convKernelToOnnx(data: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + y) * kw + x] = data[((y * kw + x) * cin + c) * cout + o];
  return out;
}

/** ONNX LSTM gate order i, o, f, c as indices of the Keras blocks i, f, c, o. */
export const ONNX_GATE_FROM_KERAS = [0, 3, 1, 2] as const;

/** Keras [rows, 4U] (gate blocks i,f,c,o along columns) → ONNX [4U, rows] (gate blocks i,o,f,c along rows). */
export function lstmMatrixToOnnx(data: Float32Array, rows: number, units: number): Float32Array {
  const out = new Float32Array(data.length);
  ONNX_GATE_FROM_KERAS.forEach((kg, og) => {
    for (let u = 0; u < units; u++)
      for (let r = 0; r < rows; r++) out[(og * units + u) * rows + r] = data[r * 4 * units + kg * units + u];
  });
  return out;
}

/** Keras bias [4U] (i,f,c,o) → ONNX B [8U]: Wb (i,o,f,c) then Rb = 0. */
export function lstmBiasToOnnx(bias: Float32Array, units: number): Float32Array {
  const out = new Float32Array(8 * units);
  ONNX_GATE_FROM_KERAS.forEach((kg, og) => out.set(bias.subarray(kg * units, (kg + 1) * units), og * units));
  return out;
}

// ---- sub-graphs -------------------------------------------------------------------------------------

/**
 * Adds one CNN's layers reading `input` [n,28,28,1] to `g` (a Loop body, see addCnns); returns its logits [n,10].
 * NHWC → NCHW is a Reshape, not a Transpose: with one channel [n,28,28,1] and [n,1,28,28] are the same memory.
 * The pooled maps go back to NHWC before Flatten so that dense1Kernel's rows (tfjs' NHWC flatten order) line
 * up; onnxruntime folds that Transpose into the reorder out of its blocked (NCHWc) conv layout, where it is
 * cheaper than flattening NCHW with permuted dense1 rows (measured: a plain copy vs a transpose for 16 filters).
 * Conv carries its bias and Gemm theirs; onnxruntime fuses Conv+Relu and Gemm+Relu.
 */
function addCnnLogits(g: GraphBuilder, w: Weights, m: ModelConfig, input: string, prefix: string, emit: CnnEmit = 'logits'): string {
  checkShapes(w, cnnShapes(m), prefix);
  const k = m.kernelSize;
  const F = m.filters;
  const W = g.init(`${prefix}/conv_W`, [F, 1, k, k], convKernelToOnnx(w.convKernel.data, w.convKernel.shape));
  const B = g.init(`${prefix}/conv_B`, [F], w.convBias.data);
  const d1 = g.init(`${prefix}/dense1_W`, w.dense1Kernel.shape, w.dense1Kernel.data);
  const d1b = g.init(`${prefix}/dense1_B`, w.dense1Bias.shape, w.dense1Bias.data);
  const d2 = g.init(`${prefix}/dense2_W`, w.dense2Kernel.shape, w.dense2Kernel.data);
  const d2b = g.init(`${prefix}/dense2_B`, w.dense2Bias.shape, w.dense2Bias.data);
  const nchwShape = g.init(`${prefix}/nchw_shape`, [4], [0, 1, IMAGE_SIDE, IMAGE_SIDE], INT64);

  const nchw = g.op('Reshape', [input, nchwShape]);
  const conv = g.op('Conv', [nchw, W, B], [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [1, 1]), attr.ints('pads', [0, 0, 0, 0])]);
  const relu = g.op('Relu', [conv]);
  const p = m.poolSize;
  const poolAttrs = [attr.ints('kernel_shape', [p, p]), attr.ints('strides', [p, p]), attr.ints('pads', [0, 0, 0, 0])];
  const pooled = g.op(m.pool === 'max' ? 'MaxPool' : 'AveragePool', [relu], poolAttrs);
  const nhwc = g.op('Transpose', [pooled], [attr.ints('perm', [0, 2, 3, 1])]);
  const flat = g.op('Flatten', [nhwc], [attr.int('axis', 1)]);
  const h1 = g.op('Relu', [g.op('Gemm', [flat, d1, d1b])]);
  if (emit === 'dense') return h1; // [n,D]: model-2's dense reading; the 10-way layer is left out of the graph
  return g.op('Gemm', [h1, d2, d2b]);
}

/** What addCnns returns per CNN: its logits [N,10] (and their softmax), or its dense layer after ReLU [N,D]. */
type CnnEmit = 'logits' | 'dense';

/** Images per iteration of the Loop that runs the CNNs (addCnns). */
export const CNN_CHUNK = 100;

/**
 * Adds CNNs, each reading its image input [N,28,28,1], run CNN_CHUNK images at a time in one ONNX Loop;
 * returns their logits [N,10] and probs (Softmax) in the order of `cnns`.
 *
 * Why a Loop: run over a whole batch of 1000, the conv output (N×26×26×16 floats, 43 MB) falls out of the
 * caches between Conv and MaxPool, and onnxruntime then spent about as long pooling as in both dense
 * layers; per chunk of 100 it stays in cache (bench/inference.ts: ~1.4× the images/s). Iteration i slices
 * rows [i·C, i·C + C) of every input (Slice clamps the last, short chunk), pads the chunk's logits to C
 * rows so that every iteration's scan output has one shape, and after the loop the [M,C,10] scan outputs
 * are flattened to [M·C,10] and cut back to N rows. Rows never mix, so results do not depend on N.
 */
function addCnns(g: GraphBuilder, cnns: { w: Weights; input: string; prefix: string; logits?: string; probs?: string }[], m: ModelConfig, emit: CnnEmit = 'logits'): { logits: string; probs: string }[] {
  const width = emit === 'dense' ? m.denseUnits : DIGITS;
  const C = CNN_CHUNK;
  const b = new GraphBuilder('loop/');
  const axes0 = b.init('loop/axes0', [1], [0], INT64);
  const chunk = b.init('loop/chunk', [1], [C], INT64);
  const start = b.op('Mul', [b.op('Unsqueeze', ['loop/i', axes0]), chunk]);
  const end = b.op('Add', [start, chunk]);
  const chunks = cnns.map(({ input }) => b.op('Slice', [input, start, end, axes0]));
  const rows = b.op('Shape', [chunks[0]], [attr.int('end', 1)]);
  b.init('loop/zeros2', [2], [0, 0], INT64);
  b.init('loop/zero', [1], [0], INT64);
  const pads = b.op('Concat', ['loop/zeros2', b.op('Sub', [chunk, rows]), 'loop/zero'], [attr.int('axis', 0)]); // [0,0, C−rows,0]
  const scanOuts = cnns.map(({ w, prefix }, j) => b.op('Pad', [addCnnLogits(b, w, m, chunks[j], prefix, emit), pads], [], `loop/${prefix}_logits`));
  b.op('Identity', ['loop/cond'], [], 'loop/cond_out');
  const body = b.graph('cnn_chunk', [valueInfo('loop/i', [], 'iteration', INT64), valueInfo('loop/cond', [], 'condition', BOOL)], [
    valueInfo('loop/cond_out', [], 'condition', BOOL),
    ...scanOuts.map((name) => valueInfo(name, [C, width], `${emit} of chunk rows, zero-padded to ${C}`)),
  ]);

  const axes = g.init('chunks/axes0', [1], [0], INT64);
  const n = g.op('Shape', [cnns[0].input], [attr.int('end', 1)]);
  g.init('chunks/size', [1], [C], INT64);
  g.init('chunks/size_minus_1', [1], [C - 1], INT64);
  g.init('chunks/zero', [1], [0], INT64);
  const trips = g.op('Squeeze', [g.op('Div', [g.op('Add', [n, 'chunks/size_minus_1']), 'chunks/size']), axes]); // ⌈N/C⌉
  const scans = g.node('Loop', [trips, ''], { outputs: cnns.map(({ prefix }) => `${prefix}/logits_chunks`), attrs: [attr.graph('body', body)] });
  return cnns.map((c, j) => {
    const logits = g.op('Slice', [g.op('Flatten', [scans[j]], [attr.int('axis', 2)]), 'chunks/zero', n, axes], [], c.logits);
    // emit 'dense': `logits` names the dense activations [N,D], and no softmax is taken.
    return { logits, probs: emit === 'dense' ? '' : g.op('Softmax', [logits], [attr.int('axis', 1)], c.probs) };
  });
}

/** Adds the LSTM reading `seq` [2,N,I]; returns its logits and probs tensor names. */
function addLstm(g: GraphBuilder, w: Weights, m: ModelConfig, seq: string, prefix: string, names: { logits?: string; probs?: string } = {}): { logits: string; probs: string } {
  const inDim = w.kernel?.shape[0];
  checkShapes(w, lstmShapes(m, inDim ?? -1), prefix);
  const U = m.lstmUnits;
  const W = g.init(`${prefix}/W`, [1, 4 * U, inDim], lstmMatrixToOnnx(w.kernel.data, inDim, U));
  const R = g.init(`${prefix}/R`, [1, 4 * U, U], lstmMatrixToOnnx(w.recurrentKernel.data, U, U));
  const B = g.init(`${prefix}/B`, [1, 8 * U], lstmBiasToOnnx(w.bias.data, U));
  const hk = g.init(`${prefix}/head_W`, w.headKernel.shape, w.headKernel.data);
  const hb = g.init(`${prefix}/head_B`, w.headBias.shape, w.headBias.data);
  const axes0 = g.init(`${prefix}/axes0`, [1], [0], INT64);
  const hard = m.recurrentActivation === 'hardSigmoid';
  const lstmAttrs = [
    attr.int('hidden_size', U),
    attr.str('direction', 'forward'),
    attr.strs('activations', [hard ? 'HardSigmoid' : 'Sigmoid', 'Tanh', 'Tanh']),
    // tfjs' hardSigmoid is clip(0.2·x + 0.5, 0, 1), ONNX HardSigmoid's max(0, min(1, alpha·x + beta))
    ...(hard ? [attr.floats('activation_alpha', [0.2]), attr.floats('activation_beta', [0.5])] : []),
  ];
  const [, yh] = g.node('LSTM', [seq, W, R, B], { outputs: ['', `${prefix}/Y_h`], attrs: lstmAttrs });
  const h = g.op('Squeeze', [yh, axes0]); // [1,N,U] → [N,U]
  const logits = g.op('Gemm', [h, hk, hb], [], names.logits);
  const probs = g.op('Softmax', [logits], [attr.int('axis', 1)], names.probs);
  return { logits, probs };
}

/** [N,I] + [N,I] → [2,N,I]. */
function twoSteps(g: GraphBuilder, a: string, b: string): string {
  const axes = g.init('seq/axes0', [1], [0], INT64);
  return g.op('Concat', [g.op('Unsqueeze', [a, axes]), g.op('Unsqueeze', [b, axes])], [attr.int('axis', 0)]);
}

/** Model-1's LSTM input from a CNN's logits, exactly as encodePrediction in ml/models.ts. */
function encodeDigits(g: GraphBuilder, logits: string, probs: string, m: ModelConfig): string {
  if (m.lstmInput === 'softmax') return probs;
  if (m.lstmInput === 'onehot') {
    const depth = 'enc/depth';
    if (!g.initializers.some((t) => t.name === depth)) {
      g.init(depth, [1], [DIGITS], INT64);
      g.init('enc/onehot_values', [2], new Float32Array([0, 1]));
    }
    const digit = g.op('ArgMax', [logits], [attr.int('axis', 1), attr.int('keepdims', 0)]); // first max, like tf.argMax
    return g.op('OneHot', [digit, depth, 'enc/onehot_values'], [attr.int('axis', -1)]);
  }
  if (!g.initializers.some((t) => t.name === 'enc/nine')) g.init('enc/nine', [], new Float32Array([9]));
  const digit = g.op('ArgMax', [logits], [attr.int('axis', 1), attr.int('keepdims', 1)]);
  return g.op('Div', [g.op('Cast', [digit], [attr.int('to', 1)]), 'enc/nine']);
}

// ---- models -----------------------------------------------------------------------------------------

function metaProps(meta: OnnxMeta, graph: GraphKind, m: ModelConfig): Record<string, string> {
  const props: Record<string, string> = {
    graph,
    seed: String(meta.seed),
    model: meta.model,
    network: meta.network,
    studyId: meta.studyId,
    configHash: meta.configHash,
    versions: JSON.stringify(meta.versions),
    modelConfig: JSON.stringify(m),
  };
  if (meta.testAccuracy !== undefined) props.testAccuracy = String(meta.testAccuracy);
  return props;
}

function finish(g: GraphBuilder, graph: GraphKind, doc: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[], m: ModelConfig, meta: OnnxMeta): Uint8Array {
  return encodeModel({
    graphName: `filterstudy_${graph}`,
    doc: `${doc} (filterstudy ${meta.studyId}, seed ${meta.seed}, ${meta.model}/${meta.network})`,
    inputs,
    outputs,
    builder: g,
    producerVersion: meta.versions.filterstudy ?? '',
    props: metaProps(meta, graph, m),
  });
}

const imageInput = (name: string, doc = IMAGE_DOC) => valueInfo(name, ['N', IMAGE_SIDE, IMAGE_SIDE, 1], doc);

export function exportCnn(w: Weights, m: ModelConfig, meta: OnnxMeta): Uint8Array {
  const g = new GraphBuilder();
  addCnns(g, [{ w, input: 'image', prefix: 'cnn', logits: 'logits', probs: 'probs' }], m);
  return finish(g, 'cnn', 'digit CNN', [imageInput('image')], [
    valueInfo('logits', ['N', DIGITS], 'digit logits'),
    valueInfo('probs', ['N', DIGITS], 'digit probabilities (softmax of logits)'),
  ], m, meta);
}

export function exportLstm(w: Weights, m: ModelConfig, meta: OnnxMeta): Uint8Array {
  const g = new GraphBuilder();
  const inDim = w.kernel?.shape[0] ?? 0;
  addLstm(g, w, m, 'sequence', 'lstm', { logits: 'logits', probs: 'probs' });
  return finish(g, 'lstm', 'third-term LSTM', [
    valueInfo('sequence', [2, 'N', inDim], 'time-major 2-step sequence: step 0 encodes digit a, step 1 digit b'),
  ], [
    valueInfo('logits', ['N', THIRD_CLASSES], `third-term logits; ${THIRD_DOC}`),
    valueInfo('probs', ['N', THIRD_CLASSES], `third-term probabilities; ${THIRD_DOC}`),
  ], m, meta);
}

function pipelineOutputs(m?: ModelConfig): ValueInfoProto[] {
  const probs = valueInfo('probs', ['N', THIRD_CLASSES], `third-term probabilities; ${THIRD_DOC}`);
  if (m?.model2Input === 'dense') {
    return [
      probs,
      valueInfo('features_a', ['N', m.denseUnits], 'CNN1 dense layer after ReLU for image_a (what the LSTM reads; the 10-way layer is unused)'),
      valueInfo('features_b', ['N', m.denseUnits], 'CNN2 dense layer after ReLU for image_b'),
    ];
  }
  return [
    probs,
    valueInfo('digit_a_probs', ['N', DIGITS], 'CNN1 digit probabilities for image_a'),
    valueInfo('digit_b_probs', ['N', DIGITS], 'CNN2 digit probabilities for image_b'),
  ];
}

const pairInputs = () => [imageInput('image_a', `first digit a: ${IMAGE_DOC}`), imageInput('image_b', `second digit b: ${IMAGE_DOC}`)];

/** Model-1 as one graph: the CNNs' predictions, encoded as in training (config.model.lstmInput), into the LSTM. */
export function exportModel1(cnn1: Weights, cnn2: Weights, lstm: Weights, m: ModelConfig, meta: OnnxMeta): Uint8Array {
  const want = lstmInputDim(m.lstmInput);
  if (lstm.kernel?.shape[0] !== want) {
    throw new FilterstudyError('E_MODEL', `model-1 LSTM kernel has input dim ${lstm.kernel?.shape[0]}, but lstmInput '${m.lstmInput}' needs ${want}`);
  }
  const g = new GraphBuilder();
  const [a, b] = addCnns(g, [{ w: cnn1, input: 'image_a', prefix: 'cnn1', probs: 'digit_a_probs' }, { w: cnn2, input: 'image_b', prefix: 'cnn2', probs: 'digit_b_probs' }], m);
  const seq = twoSteps(g, encodeDigits(g, a.logits, a.probs, m), encodeDigits(g, b.logits, b.probs, m));
  addLstm(g, lstm, m, seq, 'lstm', { probs: 'probs' });
  return finish(g, 'model1', `model-1 pipeline (LSTM input: ${m.lstmInput})`, pairInputs(), pipelineOutputs(), m, meta);
}

/**
 * Model-2 as one graph: both CNNs' readings (model.model2Input) as a 2-step sequence into the LSTM.
 * softmax / logits: outputs probs, digit_a_probs, digit_b_probs (the CNNs' 10-way softmax, as for
 * model-1). dense: the 10-way layer plays no part in the network, so its digit outputs would be an
 * untrained layer's; the graph instead outputs probs, features_a, features_b [N,D] (the dense
 * activations the LSTM reads), and model-2's digit metrics rows are left out for that reading.
 */
export function exportModel2(cnn1: Weights, cnn2: Weights, lstm: Weights, m: ModelConfig, meta: OnnxMeta): Uint8Array {
  const want = model2InputDim(m);
  if (lstm.kernel?.shape[0] !== want) throw new FilterstudyError('E_MODEL', `model-2 LSTM kernel has input dim ${lstm.kernel?.shape[0]}, but model2Input '${m.model2Input}' needs ${want}`);
  const g = new GraphBuilder();
  const dense = m.model2Input === 'dense';
  const [a, b] = addCnns(g, [
    { w: cnn1, input: 'image_a', prefix: 'cnn1', logits: dense ? 'features_a' : undefined, probs: 'digit_a_probs' },
    { w: cnn2, input: 'image_b', prefix: 'cnn2', logits: dense ? 'features_b' : undefined, probs: 'digit_b_probs' },
  ], m, dense ? 'dense' : 'logits');
  const read = (x: { logits: string; probs: string }) => (m.model2Input === 'softmax' ? x.probs : x.logits);
  addLstm(g, lstm, m, twoSteps(g, read(a), read(b)), 'lstm', { probs: 'probs' });
  return finish(g, 'model2', `model-2 end-to-end network (LSTM reads each CNN's ${m.model2Input})`, pairInputs(), pipelineOutputs(m), m, meta);
}

// ---- reading back -----------------------------------------------------------------------------------

const num = (v: unknown): number => (typeof v === 'number' ? v : v && typeof (v as { toNumber?: unknown }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : Number(v));

interface DecodedValueInfo { name?: string; type?: { tensor_type?: { shape?: { dim?: { dim_value?: unknown; dim_param?: string }[] } } } }

function shapeOf(v: DecodedValueInfo): (number | string)[] {
  return (v.type?.tensor_type?.shape?.dim ?? []).map((d) => (d.dim_param ? d.dim_param : num(d.dim_value ?? 0)));
}

/**
 * Decodes a model's header: producer, opset, inputs/outputs and our metadata_props.
 * Throws E_MODEL if the bytes are not an ONNX ModelProto with a graph; returns meta = null for
 * valid ONNX that filterstudy did not write.
 */
export function readOnnxMeta(bytes: Uint8Array): OnnxInfo {
  let msg: Record<string, unknown>;
  try {
    msg = modelProtoType().decode(bytes) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new FilterstudyError('E_MODEL', `not an ONNX model (protobuf decoding failed: ${(e as Error).message})`, { cause: e });
  }
  const graph = msg.graph as { input?: DecodedValueInfo[]; output?: DecodedValueInfo[]; node?: unknown[] } | null | undefined;
  const irVersion = num(msg.ir_version ?? 0);
  if (!graph || !graph.node?.length || irVersion < 1 || irVersion > 100) {
    throw new FilterstudyError('E_MODEL', 'not an ONNX model (no graph or no IR version in the file)');
  }
  const props: Record<string, string> = {};
  for (const p of (msg.metadata_props ?? []) as { key?: string; value?: string }[]) if (p.key) props[p.key] = p.value ?? '';
  const opset = ((msg.opset_import ?? []) as { domain?: string; version?: unknown }[]).find((o) => !o.domain);
  const producerName = String(msg.producer_name ?? '');
  const ours = producerName === 'filterstudy' && ['cnn', 'lstm', 'model1', 'model2'].includes(props.graph);
  let meta: OnnxMeta | null = null;
  let modelConfig: ModelConfig | null = null;
  if (ours) {
    meta = {
      seed: Number(props.seed),
      model: props.model as OnnxMeta['model'],
      network: props.network,
      studyId: props.studyId,
      configHash: props.configHash,
      versions: JSON.parse(props.versions ?? '{}') as Record<string, string>,
    };
    if (props.testAccuracy !== undefined) meta.testAccuracy = Number(props.testAccuracy);
    modelConfig = props.modelConfig ? (JSON.parse(props.modelConfig) as ModelConfig) : null;
  }
  return {
    producerName,
    producerVersion: String(msg.producer_version ?? ''),
    irVersion,
    opsetVersion: opset ? num(opset.version) : null,
    graph: ours ? (props.graph as GraphKind) : null,
    meta,
    modelConfig,
    inputs: (graph.input ?? []).map((v) => ({ name: v.name ?? '', shape: shapeOf(v) })),
    outputs: (graph.output ?? []).map((v) => ({ name: v.name ?? '', shape: shapeOf(v) })),
    props,
  };
}
