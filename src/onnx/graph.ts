/**
 * Minimal ONNX graph building over the vendored onnx.proto (ONNX v1.12.0, see LICENSE-onnx.txt).
 *
 * The .proto is parsed at runtime with protobufjs' own parser (keepCase: field names exactly as in
 * the ONNX spec, ir_version, raw_data, …) rather than committed as a generated JSON/static module:
 * the vendored file stays the single source of truth (no generator script, nothing to regenerate
 * or keep in sync), and parsing the 800-line file costs a few ms once per process.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const ONNX_IR_VERSION = 8; // IR version of ONNX 1.12, the release onnx.proto comes from
export const ONNX_OPSET = 17; // default-domain opset of ONNX 1.12

/** ONNX TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;
export const BOOL = 9;

let root: protobuf.Root | null = null;

/** The parsed onnx.proto (namespace `onnx`), loaded once. */
export function onnxRoot(): protobuf.Root {
  if (!root) {
    const file = fileURLToPath(new URL('./onnx.proto', import.meta.url));
    const r = new protobuf.Root();
    protobuf.parse(readFileSync(file, 'utf8'), r, { keepCase: true });
    root = r;
  }
  return root;
}

export function modelProtoType(): protobuf.Type {
  return onnxRoot().lookupType('onnx.ModelProto');
}

// ---- plain objects shaped like the protos (snake_case fields, as protobufjs with keepCase wants) ----

export interface TensorProto { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }
export interface AttributeProto { name: string; type: number; f?: number; i?: number; s?: Uint8Array; t?: TensorProto; g?: GraphProto; floats?: number[]; ints?: number[]; strings?: Uint8Array[] }
export interface NodeProto { name: string; op_type: string; input: string[]; output: string[]; attribute: AttributeProto[]; domain?: string }
export interface GraphProto { name: string; node: NodeProto[]; initializer: TensorProto[]; input: ValueInfoProto[]; output: ValueInfoProto[] }
export interface ValueInfoProto { name: string; doc_string?: string; type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } } }

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** Attribute constructors (AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, GRAPH 5, FLOATS 6, INTS 7, STRINGS 8). */
export const attr = {
  float: (name: string, f: number): AttributeProto => ({ name, type: 1, f }),
  int: (name: string, i: number): AttributeProto => ({ name, type: 2, i }),
  str: (name: string, s: string): AttributeProto => ({ name, type: 3, s: utf8(s) }),
  graph: (name: string, g: GraphProto): AttributeProto => ({ name, type: 5, g }),
  floats: (name: string, floats: number[]): AttributeProto => ({ name, type: 6, floats }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: 7, ints }),
  strs: (name: string, strings: string[]): AttributeProto => ({ name, type: 8, strings: strings.map(utf8) }),
};

/** Little-endian raw_data of a float32 or int64 tensor, whatever the host's byte order. */
function rawData(data: Float32Array | number[], dataType: number): Uint8Array {
  const size = dataType === FLOAT ? 4 : 8;
  const out = new Uint8Array(data.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dataType === FLOAT) view.setFloat32(i * 4, data[i], true);
    else view.setBigInt64(i * 8, BigInt(data[i]), true);
  }
  return out;
}

export function tensorProto(name: string, dims: number[], data: Float32Array | number[], dataType = FLOAT): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return { name, dims, data_type: dataType, raw_data: rawData(data, dataType) };
}

/** Tensor value info (float by default); string dims are symbolic (e.g. 'N'). */
export function valueInfo(name: string, dims: (number | string)[], doc: string, elemType = FLOAT): ValueInfoProto {
  return {
    name,
    doc_string: doc,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
  };
}

/**
 * Accumulates nodes and initializers; names are unique per builder. A subgraph's builder (a Loop
 * body) takes a `prefix` for its generated names, so they cannot clash with the outer graph's.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  constructor(readonly prefix = '') {}

  /** A float32 (default) or int64 constant; returns its name. */
  init(name: string, dims: number[], data: Float32Array | number[], dataType = FLOAT): string {
    if (this.initializers.some((t) => t.name === name)) throw new Error(`duplicate initializer ${name}`);
    this.initializers.push(tensorProto(name, dims, data, dataType));
    return name;
  }

  /** Adds a node. `outputs` are names; by default one fresh name `<hint>_<k>`. Returns the output names. */
  node(opType: string, inputs: string[], opts: { outputs?: string[]; attrs?: AttributeProto[]; hint?: string } = {}): string[] {
    const k = this.count++;
    const outputs = opts.outputs ?? [`${this.prefix}${opts.hint ?? opType.toLowerCase()}_${k}`];
    this.nodes.push({ name: `${this.prefix}${opType}_${k}`, op_type: opType, input: inputs, output: outputs, attribute: opts.attrs ?? [] });
    return outputs;
  }

  /** Single-output convenience. */
  op(opType: string, inputs: string[], attrs: AttributeProto[] = [], output?: string): string {
    return this.node(opType, inputs, { attrs, outputs: output ? [output] : undefined })[0];
  }

  /** The accumulated nodes and initializers as a GraphProto (for a model's graph or a subgraph attribute). */
  graph(name: string, input: ValueInfoProto[], output: ValueInfoProto[]): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input, output };
  }
}

export interface ModelParts {
  graphName: string;
  doc: string;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  builder: GraphBuilder;
  producerVersion: string;
  props: Record<string, string>;
}

/** Serialises a ModelProto (ir_version 8, default-domain opset 17, producer 'filterstudy'). */
export function encodeModel(p: ModelParts): Uint8Array {
  const ModelProto = modelProtoType();
  const model = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'filterstudy',
    producer_version: p.producerVersion,
    doc_string: p.doc,
    graph: p.builder.graph(p.graphName, p.inputs, p.outputs),
    metadata_props: Object.entries(p.props).map(([key, value]) => ({ key, value })),
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`internal: invalid ModelProto: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
