// "Copy as NumPy" and "Copy as PyTorch": a short script that rebuilds the current config
// (X, the context, W_Q, W_K, W_V, W_O, v_a, heads, scale, mask, positional encoding,
// scoring) and computes the same attention in float64, printing the weights of every head
// and the output, so an engineer can check the engine's numbers against their framework.
// Pure: strings out. Numbers are written as JavaScript's shortest round-trip form, which
// Python reads back as the same double; labels only ever appear inside string literals.

// Every field of the config this export rebuilds. A field it does not know (a later option)
// is named in a comment and the script stops instead of computing something else.
const KNOWN = new Set(['x', 'tokens', 'context', 'contextTokens', 'heads', 'wq', 'wk', 'wv', 'wo', 'scale', 'mask', 'positional', 'score', 'va']);

/** A number as Python reads it back exactly: 0.1, -2, 1e-7, 1e+21. */
export const pyNumber = (v) => (Object.is(v, -0) ? '-0.0' : String(v));

// A string literal Python reads back as the same text: JSON's escapes are Python's, and
// the line separators Python would also accept raw are escaped to keep the source plain.
export const pyString = (s) => JSON.stringify(String(s)).replace(/[\u2028\u2029\u0085]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

function pyMatrix(rows, indent = '    ') {
  return `[\n${rows.map((row) => `${indent}[${row.map(pyNumber).join(', ')}],`).join('\n')}\n]`;
}

// The parts both scripts share, written for one array library: `lib` holds how each
// operation is spelled (np.… or torch.…).
function script(config, lib) {
  const unknown = Object.keys(config).filter((k) => !KNOWN.has(k));
  const lines = [`# Attention Playground: this configuration rebuilt in ${lib.name}, computed in float64.`];
  lines.push('# The playground computes in float32, so expect agreement to about 6 significant digits.');
  lines.push(...lib.header, '');
  if (unknown.length) {
    lines.push(`# This configuration uses ${unknown.map((k) => k.replace(/[^\w-]/g, '?')).join(', ')}, which this script cannot rebuild;`);
    lines.push('# rather than print other numbers, it stops here.');
    lines.push(`raise NotImplementedError(${pyString(`not rebuilt: ${unknown.join(', ')}`)})`, '');
  }
  const arr = (name, rows) => lines.push(`${name} = ${lib.array(pyMatrix(rows))}`);
  const heads = config.heads ?? 1;
  arr('X', config.x);
  if (config.tokens) lines.push(`tokens = [${config.tokens.map(pyString).join(', ')}]`);
  if (config.context) {
    arr('C', config.context);
    if (config.contextTokens) lines.push(`context_tokens = [${config.contextTokens.map(pyString).join(', ')}]`);
  }
  arr('W_Q', config.wq);
  arr('W_K', config.wk);
  arr('W_V', config.wv);
  if (config.wo) arr('W_O', config.wo);
  lines.push(`heads = ${heads}`);
  lines.push('d_k = W_Q.shape[1] // heads', 'd_v = W_V.shape[1] // heads');
  lines.push('n = X.shape[0]', `m = ${config.context ? 'C' : 'X'}.shape[0]`, '');

  if (config.positional === 'sinusoidal') {
    lines.push(
      '# Sinusoidal positional encoding, added to the input (and to the context, each from position 0):',
      '# PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)).',
      'def sinusoidal(rows, d):',
      `    pos = ${lib.arange('rows')}[:, None]`,
      `    i = ${lib.arange('d')}[None, :]`,
      '    angle = pos / 10000.0 ** ((i - i % 2) / d)',
      `    return ${lib.where('i % 2 == 0', `${lib.ns}.sin(angle)`, `${lib.ns}.cos(angle)`)}`,
      '',
      'X = X + sinusoidal(*X.shape)',
    );
    if (config.context) lines.push('C = C + sinusoidal(*C.shape)');
    lines.push('');
  }
  const src = config.context ? 'C' : 'X';
  lines.push('Q = X @ W_Q', `K = ${src} @ W_K`, `V = ${src} @ W_V`);
  if (config.positional === 'rope') {
    lines.push(
      '',
      '# RoPE: in each head, dimensions (2i, 2i+1) of q and k are rotated by pos * 10000^(-2i/d_k).',
      'def rope(M):',
      `    out = ${lib.copy('M')}`,
      `    pos = ${lib.arange('M.shape[0]')}[:, None]`,
      `    theta = pos * 10000.0 ** (-2 * ${lib.arange('d_k // 2')}[None, :] / d_k)`,
      `    cos, sin = ${lib.ns}.cos(theta), ${lib.ns}.sin(theta)`,
      '    for h in range(heads):',
      '        a = M[:, h * d_k:(h + 1) * d_k:2]',
      '        b = M[:, h * d_k + 1:(h + 1) * d_k:2]',
      '        out[:, h * d_k:(h + 1) * d_k:2] = a * cos - b * sin',
      '        out[:, h * d_k + 1:(h + 1) * d_k:2] = a * sin + b * cos',
      '    return out',
      '',
      'Q, K = rope(Q), rope(K)',
    );
  }
  lines.push('');
  if (typeof config.scale === 'number') lines.push(`scale = ${pyNumber(config.scale)}`);
  else if (config.scale === 'none') lines.push('scale = 1.0  # no scaling');
  else lines.push('scale = 1 / d_k ** 0.5');
  if (Array.isArray(config.mask)) {
    lines.push(`mask = ${lib.array(pyMatrix(config.mask), 'bool')}  # True: the query sees the key`);
  } else if (config.mask === 'causal') {
    lines.push(`mask = ${lib.tril('n', 'm')}  # causal: query j sees keys 1..j`);
  } else {
    lines.push(`mask = ${lib.ones('n', 'm')}  # no mask`);
  }
  if (config.score === 'additive') {
    const va = config.va ?? null;
    lines.push(va ? `v_a = ${lib.array(`[${va.map(pyNumber).join(', ')}]`)}` : `v_a = ${lib.onesVec('d_k')}  # the default: ones`);
  }
  lines.push(
    '',
    '# Softmax of each row; blocked keys get weight 0, and a row with every key blocked gets',
    '# zero weights (and a zero output), as in the playground.',
    'def softmax(S):',
    `    top = ${lib.maxRows('S')}`,
    `    e = ${lib.where(`${lib.isNegInf('S')}`, '0.0', `${lib.ns}.exp(S - ${lib.where(lib.isNegInf('top'), '0.0', 'top')})`)}`,
    `    total = ${lib.sumRows('e')}`,
    `    return ${lib.where('total > 0', 'e / ' + lib.where('total > 0', 'total', '1.0'), '0.0')}`,
    '',
    'outputs = []',
    'for h in range(heads):',
    '    q = Q[:, h * d_k:(h + 1) * d_k]',
    '    k = K[:, h * d_k:(h + 1) * d_k]',
    '    v = V[:, h * d_v:(h + 1) * d_v]',
  );
  if (config.score === 'additive') lines.push(`    S = (v_a * ${lib.ns}.tanh(q[:, None, :] + k[None, :, :])).sum(${lib.axis}=-1)  # additive: sum_c v_a[c] tanh(q[c] + k[c])`);
  else lines.push('    S = q @ k.T');
  lines.push(
    `    A = softmax(${lib.where('mask', 'S * scale', "float('-inf')")})`,
    '    print(f"A (head {h + 1}) =\\n{A}")',
    '    outputs.append(A @ v)',
    '',
    `Y = ${lib.concat('outputs')}${config.wo ? ' @ W_O' : ''}`,
    'print(f"Y =\\n{Y}")',
  );
  return `${lines.join('\n')}\n`;
}

const NUMPY = {
  name: 'NumPy',
  ns: 'np',
  axis: 'axis',
  header: ['import sys', 'import numpy as np', '', 'np.set_printoptions(precision=6, suppress=True, linewidth=160, threshold=sys.maxsize)'],
  array: (body, type = 'float64') => `np.array(${body}, dtype=${type === 'bool' ? 'bool' : 'np.float64'})`,
  arange: (n) => `np.arange(${n})`,
  where: (c, a, b) => `np.where(${c}, ${a}, ${b})`,
  copy: (m) => `${m}.copy()`,
  tril: (n, m) => `np.tril(np.ones((${n}, ${m}), dtype=bool))`,
  ones: (n, m) => `np.ones((${n}, ${m}), dtype=bool)`,
  onesVec: (n) => `np.ones(${n})`,
  isNegInf: (m) => `np.isneginf(${m})`,
  maxRows: (m) => `${m}.max(axis=-1, keepdims=True)`,
  sumRows: (m) => `${m}.sum(axis=-1, keepdims=True)`,
  concat: (list) => `np.concatenate(${list}, axis=1)`,
};

const TORCH = {
  name: 'PyTorch',
  ns: 'torch',
  axis: 'dim',
  header: ['import torch', '', 'torch.set_printoptions(precision=6, sci_mode=False, linewidth=160, profile="full")'],
  array: (body, type = 'float64') => `torch.tensor(${body}, dtype=${type === 'bool' ? 'torch.bool' : 'torch.float64'})`,
  arange: (n) => `torch.arange(${n}, dtype=torch.float64)`,
  where: (c, a, b) => `torch.where(${c}, ${a}, ${b})`,
  copy: (m) => `${m}.clone()`,
  tril: (n, m) => `torch.tril(torch.ones((${n}, ${m}), dtype=torch.bool))`,
  ones: (n, m) => `torch.ones((${n}, ${m}), dtype=torch.bool)`,
  onesVec: (n) => `torch.ones(${n}, dtype=torch.float64)`,
  isNegInf: (m) => `torch.isneginf(${m})`,
  maxRows: (m) => `${m}.amax(dim=-1, keepdim=True)`,
  sumRows: (m) => `${m}.sum(dim=-1, keepdim=True)`,
  concat: (list) => `torch.cat(${list}, dim=1)`,
};

/** A NumPy script that rebuilds `config` and prints every head's weights and the output Y. */
export const toNumpy = (config) => script(config, NUMPY);

/** The same in PyTorch (float64 tensors). */
export const toPytorch = (config) => script(config, TORCH);
