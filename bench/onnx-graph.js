// A hand-encoded ONNX model for the onnxruntime-web peer: O = Softmax(Q · Kᵀ · scale [+ mask]) · V.
// Protocol buffers are simple enough to write by hand for one small graph: each field is a
// (number << 3 | wire type) key followed by a varint or a length-delimited payload.
const enc = new TextEncoder();

function varint(value) {
  const out = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const field = (n, wire) => varint((n << 3) | wire);
const int = (n, value) => [...field(n, 0), ...varint(value)];
const bytes = (n, payload) => [...field(n, 2), ...varint(payload.length), ...payload];
const str = (n, text) => bytes(n, [...enc.encode(text)]);

function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function node(op, inputs, outputs, attributes = []) {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(3, `${op}_${outputs[0]}`), ...str(4, op), ...attributes];
}

function floatScalar(name, value) {
  const raw = new Uint8Array(new Float32Array([value]).buffer);
  return [...int(2, 1 /* FLOAT */), ...str(8, name), ...bytes(9, [...raw])];
}

/** The model's bytes. Inputs q [n, d], k [m, d], v [m, dv] and, if masked, mask [n, m]. */
export function attentionModel({ scale, masked }) {
  // AttributeProto perm = [1, 0]: name (1), ints (8, one field per value), type (20) = INTS (7)
  const permAttr = [...str(1, 'perm'), ...int(8, 1), ...int(8, 0), ...int(20, 7)];
  const nodes = [
    node('Transpose', ['k'], ['kt'], bytes(5, permAttr)),
    node('MatMul', ['q', 'kt'], ['s']),
    node('Mul', ['s', 'scale'], ['scaled']),
    ...(masked ? [node('Add', ['scaled', 'mask'], ['masked'])] : []),
    node('Softmax', [masked ? 'masked' : 'scaled'], ['p']),
    node('MatMul', ['p', 'v'], ['o']),
  ];
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)),
    ...str(2, 'attention'),
    ...bytes(5, floatScalar('scale', scale)),
    ...bytes(11, valueInfo('q', ['n', 'd'])),
    ...bytes(11, valueInfo('k', ['m', 'd'])),
    ...bytes(11, valueInfo('v', ['m', 'dv'])),
    ...(masked ? bytes(11, valueInfo('mask', ['n', 'm'])) : []),
    ...bytes(12, valueInfo('o', ['n', 'dv'])),
  ];
  const model = [...int(1, 8 /* ir_version */), ...bytes(8, [...str(1, ''), ...int(2, 13)]), ...bytes(7, graph)];
  return new Uint8Array(model);
}
