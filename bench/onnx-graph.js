// Hand-encoded ONNX models for the onnxruntime-web peer: O = Softmax(scale · Q · Kᵀ [+ mask]) · V,
// written several ways so the benchmark can time onnxruntime-web in its fastest one (see
// docs/performance.md, "How each peer was tuned"). Protocol buffers are simple enough to write
// by hand for one small graph: each field is a (number << 3 | wire type) key followed by a
// varint, 4 bytes (fixed32) or a length-delimited payload.
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
const fixed32 = (n, value) => [...field(n, 5), ...new Uint8Array(new Float32Array([value]).buffer)];

function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

// AttributeProto: name (1), f (2), i (3), ints (8, one field per value), type (20).
const attrInt = (name, value) => bytes(5, [...str(1, name), ...int(3, value), ...int(20, 2 /* INT */)]);
const attrFloat = (name, value) => bytes(5, [...str(1, name), ...fixed32(2, value), ...int(20, 1 /* FLOAT */)]);
const attrInts = (name, values) => bytes(5, [...str(1, name), ...values.flatMap((v) => int(8, v)), ...int(20, 7 /* INTS */)]);

// NodeProto: input (1), output (2), name (3), op_type (4), attribute (5), domain (7).
function node(op, inputs, outputs, attributes = [], domain = '') {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(3, `${op}_${outputs[0]}`), ...str(4, op), ...attributes, ...(domain ? str(7, domain) : [])];
}

function floatScalar(name, value) {
  const raw = new Uint8Array(new Float32Array([value]).buffer);
  return [...int(2, 1 /* FLOAT */), ...str(8, name), ...bytes(9, [...raw])];
}

/** The forms the benchmark measures; `describe` is what the benchmark prints. */
export const ONNX_FORMS = {
  // the first form measured here (Transpose → MatMul → Mul → [Add mask] → Softmax → MatMul)
  'scale-scores': { describe: 'Transpose(k) → MatMul → Mul(scale) → [Add mask] → Softmax → MatMul', layout: '2d' },
  // q scaled once (n·d multiplies instead of n·m)
  'scale-q': { describe: 'Mul(q, scale), Transpose(k) → MatMul → [Add mask] → Softmax → MatMul', layout: '2d' },
  // com.microsoft.MultiHeadAttention with one head: ORT's own fused attention kernel on CPU
  mha: { describe: 'com.microsoft.MultiHeadAttention (num_heads = 1, scale; causal: unidirectional = 1)', layout: '3d' },
  // ai.onnx Attention (opset 23), one head
  attention23: { describe: 'ai.onnx Attention, opset 23 (q_num_heads = kv_num_heads = 1, scale; causal: is_causal = 1)', layout: '3d' },
};

/**
 * The model's bytes for one of ONNX_FORMS. 2d forms take q [n, d], k [m, d], v [m, dv] and, if
 * masked, an additive mask [n, m]; 3d forms take [1, n, d] etc. (batch 1, one head) and make the
 * causal mask themselves. The output is o, [n, dv] or [1, n, dv]. d and dv may be numbers: the
 * contrib ops' shape inference wants them known (with names it warns on every run).
 */
export function attentionModel({ scale, masked, form = 'scale-scores', d = 'd', dv = 'dv' }) {
  const perm = attrInts('perm', [1, 0]);
  let nodes;
  let initializers = [];
  let opsets = [['', 13]];
  const three = ONNX_FORMS[form].layout === '3d';
  // The plain graphs differ only in where the scale goes; from the scaled scores on, the
  // (mask,) softmax and product with v are the same.
  const softmaxTimesV = (scores) => [
    ...(masked ? [node('Add', [scores, 'mask'], ['masked'])] : []),
    node('Softmax', [masked ? 'masked' : scores], ['p']),
    node('MatMul', ['p', 'v'], ['o']),
  ];
  if (form === 'scale-scores') {
    nodes = [
      node('Transpose', ['k'], ['kt'], perm),
      node('MatMul', ['q', 'kt'], ['s']),
      node('Mul', ['s', 'scale'], ['scaled']),
      ...softmaxTimesV('scaled'),
    ];
    initializers = [floatScalar('scale', scale)];
  } else if (form === 'scale-q') {
    nodes = [
      node('Mul', ['q', 'scale'], ['qs']),
      node('Transpose', ['k'], ['kt'], perm),
      node('MatMul', ['qs', 'kt'], ['s']),
      ...softmaxTimesV('s'),
    ];
    initializers = [floatScalar('scale', scale)];
  } else if (form === 'mha') {
    nodes = [node('MultiHeadAttention', ['q', 'k', 'v'], ['o'], [...attrInt('num_heads', 1), ...attrFloat('scale', scale), ...(masked ? attrInt('unidirectional', 1) : [])], 'com.microsoft')];
    opsets = [['', 13], ['com.microsoft', 1]];
  } else if (form === 'attention23') {
    nodes = [node('Attention', ['q', 'k', 'v'], ['o'], [...attrInt('q_num_heads', 1), ...attrInt('kv_num_heads', 1), ...attrFloat('scale', scale), ...(masked ? attrInt('is_causal', 1) : [])])];
    opsets = [['', 23]];
  } else {
    throw new Error(`unknown ONNX form ${form}`);
  }
  const dims = (...d) => (three ? [1, ...d] : d);
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)),
    ...str(2, 'attention'),
    ...initializers.flatMap((t) => bytes(5, t)),
    ...bytes(11, valueInfo('q', dims('n', d))),
    ...bytes(11, valueInfo('k', dims('m', d))),
    ...bytes(11, valueInfo('v', dims('m', dv))),
    ...(masked && !three ? bytes(11, valueInfo('mask', ['n', 'm'])) : []),
    ...bytes(12, valueInfo('o', dims('n', dv))),
  ];
  // ModelProto: ir_version (1), opset_import (8: domain 1, version 2), graph (7). IR 9 for opset 23.
  const model = [...int(1, three ? 9 : 8), ...opsets.flatMap(([domain, version]) => bytes(8, [...str(1, domain), ...int(2, version)])), ...bytes(7, graph)];
  return new Uint8Array(model);
}
