/**
 * Adding one metadata_props entry to an exported model without exporting it again.
 *
 * Why this gives the very bytes a re-export would: protobuf allows a repeated field's entries to be
 * appended to a serialised message (parsers concatenate them), and encodeModel (graph.ts) writes
 * ModelProto's fields in field-number order with metadata_props (14) last — it writes neither
 * training_info (20) nor functions (25) — and export.ts `metaProps` puts testAccuracy last among
 * the props. So `stampProp(export(meta), 'testAccuracy', v)` equals `export({ ...meta, testAccuracy: v })`
 * byte for byte (test/onnx-stamp.test.ts checks every graph kind), at the cost of one small copy
 * instead of re-encoding ~1.4 MB of weights per file.
 */
import protobuf from 'protobufjs';

/** ModelProto.metadata_props: field 14, length-delimited. StringStringEntryProto: key 1, value 2. */
const METADATA_PROPS_TAG = (14 << 3) | 2;
const KEY_TAG = (1 << 3) | 2;
const VALUE_TAG = (2 << 3) | 2;

/** `model` (our export, without `key` among its props) with `key = value` appended to metadata_props. */
export function stampProp(model: Uint8Array, key: string, value: string): Uint8Array {
  const entry = protobuf.Writer.create().uint32(METADATA_PROPS_TAG).fork().uint32(KEY_TAG).string(key).uint32(VALUE_TAG).string(value).ldelim().finish();
  const out = new Uint8Array(model.length + entry.length);
  out.set(model, 0);
  out.set(entry, model.length);
  return out;
}

/** The test accuracy as export.ts `metaProps` writes it (String(number)); undefined leaves the model as it is. */
export function stampTestAccuracy(model: Uint8Array, testAccuracy: number | undefined): Uint8Array {
  return testAccuracy === undefined ? model : stampProp(model, 'testAccuracy', String(testAccuracy));
}
