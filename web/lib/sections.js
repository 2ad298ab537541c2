// From (config, trace, strings) to the list of sections the page shows, in the order
// the tutorials teach them. Pure: no DOM. Each section names its step ids; each block
// says what matrix to show, labelled how, and whether it can be edited.
import { sizesOf } from './state.js';
import { STEP } from './steps.js';

const get = (m) => (r, c) => m.data[r * m.cols + c];
const count = (n, label) => Array.from({ length: n }, (_, i) => label(i));
// A table's name ("W_Q", used in messages and buttons) and its caption with the size.
const named = (name, rows, cols) => ({ name, caption: `${name} (${rows} × ${cols})` });

export const SECTION_ORDER = [
  'x', 'context', 'pe', 'weights-in', 'qkv', 'scores', 'scaled', 'masked', 'weights', 'output', 'concat', 'final',
];

export function tokenLabels(config) {
  const n = config.x.length;
  const m = config.context ? config.context.length : n;
  return {
    queries: config.tokens ?? count(n, (i) => `t${i + 1}`),
    keys: config.context ? (config.contextTokens ?? count(m, (i) => `c${i + 1}`)) : (config.tokens ?? count(n, (i) => `t${i + 1}`)),
  };
}

function headColumns(heads, width, S) {
  return count(heads * width, (c) => (heads > 1 ? `${S.head(Math.floor(c / width))} · ${(c % width) + 1}` : String(c + 1)));
}

/**
 * Returns [{ id, steps, chip?, title, tex, text, blocks }] (chip: the key of its label in
 * S.chips when it is not the id); a block is
 * { step, head?, name, caption, rows, cols, value, rowLabels, colLabels, editable?, labelsEditable?,
 *   toggle?, blockedAt?, pictures?, field?, vector? } (vector: the config's field is a flat
 *   list shown as one row; an edit of cell (0, c) sets field[c]).
 */
export function buildSections(config, trace, S) {
  const z = sizesOf(config);
  const { queries, keys } = tokenLabels(config);
  const dims = (n) => count(n, (i) => String(i + 1));
  const T = S.steps;
  const out = [];
  // A step's table from the step table: its name, caption with the size, and values.
  const block = (id, head) => {
    const step = STEP[id];
    const m = step.read(trace, config, head ?? 0);
    const prefix = head !== undefined && trace.heads.length > 1 ? `${S.head(head)}: ` : '';
    return { step: id, ...(head !== undefined ? { head } : {}), ...named(`${prefix}${step.symbol}`, m.rows, m.cols), rows: m.rows, cols: m.cols, value: get(m) };
  };
  const scaleKind = typeof config.scale === 'number' ? 'custom' : (config.scale ?? 'sqrt_dk');
  const maskKind = Array.isArray(config.mask) ? 'custom' : (config.mask ?? 'none');

  out.push({
    id: 'x', steps: ['x'], title: T.x.title, text: T.x.text,
    tex: 'X \\in \\mathbb{R}^{n \\times d_{\\text{model}}}',
    blocks: [{
      ...block('x'), rowLabels: queries, colLabels: dims(z.dModel), editable: true, labelsEditable: true, tools: ['shuffle', 'random-x'],
    }],
  });
  if (config.context) {
    out.push({
      id: 'context', steps: ['context'], title: T.context.title, text: T.context.text,
      tex: 'C \\in \\mathbb{R}^{m \\times d_{\\text{model}}}',
      blocks: [{
        ...block('context'), rowLabels: keys, colLabels: dims(z.dModel), editable: true, labelsEditable: true, labelsField: 'contextTokens',
      }],
    });
  }
  if (trace.pe) {
    out.push({
      id: 'pe', steps: ['pe', 'encoded'], title: T.pe.title, text: T.pe.text,
      tex: '\\begin{aligned} PE_{(pos,\\,2i)} &= \\sin\\!\\left(\\frac{pos}{10000^{2i/d_{\\text{model}}}}\\right) \\\\ PE_{(pos,\\,2i+1)} &= \\cos\\!\\left(\\frac{pos}{10000^{2i/d_{\\text{model}}}}\\right) \\end{aligned}',
      blocks: [
        { ...block('pe'), rowLabels: queries, colLabels: dims(z.dModel) },
        { ...block('encoded'), caption: T.encoded.title, rowLabels: queries, colLabels: dims(z.dModel) },
      ],
    });
  }
  const src = config.context ? 'C' : 'X';
  out.push({
    id: 'weights-in', steps: ['wq', 'wk', 'wv'], title: T.weightsIntro.title, text: T.weightsIntro.text,
    tex: `Q = XW_Q,\\; K = ${src}W_K,\\; V = ${src}W_V`,
    blocks: ['wq', 'wk', 'wv'].map((w) => ({
      ...block(w), rowLabels: dims(z.dModel),
      colLabels: headColumns(z.heads, w === 'wv' ? z.dv : z.dk, S), editable: true, tools: ['identity', 'random'],
    })),
  });
  // Formulas are set in lines a phone's width can hold (about 320 px); what is still wider
  // scrolls (style.css).
  const ropeTex = config.positional === 'rope'
    ? ' \\\\ \\begin{pmatrix} q_{2i} \\\\ q_{2i+1} \\end{pmatrix} \\leftarrow R(\\theta_i) \\begin{pmatrix} q_{2i} \\\\ q_{2i+1} \\end{pmatrix} \\\\ \\theta_i = pos\\cdot 10000^{-2i/d_k}'
    : '';
  out.push({
    id: 'qkv', steps: ['q', 'k', 'v'], title: T.qkv.title,
    text: [T.q.text, T.k.text, T.v.text, config.positional === 'rope' ? T.rope.text : null].filter(Boolean).join(' '),
    tex: `\\begin{gathered} Q = XW_Q,\\; K = ${src}W_K,\\; V = ${src}W_V${ropeTex} \\end{gathered}`,
    blocks: [
      { ...block('q'), rowLabels: queries, colLabels: headColumns(z.heads, z.dk, S) },
      { ...block('k'), rowLabels: keys, colLabels: headColumns(z.heads, z.dk, S) },
      { ...block('v'), rowLabels: keys, colLabels: headColumns(z.heads, z.dv, S) },
    ],
  });

  const perHead = (step, extra = {}) => trace.heads.map((h, i) => ({
    ...block(step, i), rowLabels: queries, colLabels: step === 'output' ? dims(z.dv) : keys, ...extra,
  }));
  // Additive scoring says so everywhere: title, chip, formula, text, and its weights v_a
  // (one per dimension of a head, shared by the heads) as an editable 1 × d_k table.
  const additive = config.score === 'additive';
  out.push({
    id: 'scores', steps: additive ? ['va', 'scores'] : ['scores'], chip: additive ? 'scoresAdditive' : 'scores',
    title: additive ? T.scores.titleAdditive : T.scores.title, text: additive ? T.scores.textAdditive : T.scores.text,
    tex: additive ? 'S_{jk} = \\sum_{c} v_{a,c}\\,\\tanh(q_{jc} + k_{kc})' : 'S = QK^{\\top},\\quad S_{jk} = q_j \\cdot k_k',
    blocks: [
      ...(additive ? [{
        ...block('va'), rowLabels: ['v_a'], colLabels: dims(z.dk), editable: true, field: 'va', vector: true,
      }] : []),
      ...perHead('scores'),
    ],
  });
  out.push({
    id: 'scaled', steps: ['scaled'], title: T.scaled.title,
    text: scaleKind === 'none' ? T.scaled.textNone : scaleKind === 'custom' ? T.scaled.textCustom : T.scaled.text,
    tex: scaleKind === 'none' ? '\\hat S = S' : scaleKind === 'custom' ? `\\hat S = ${trace.scale.toPrecision(4)}\\cdot S` : `\\hat S = \\frac{S}{\\sqrt{d_k}} = \\frac{S}{\\sqrt{${trace.dk}}}`,
    blocks: perHead('scaled'),
  });
  out.push({
    id: 'masked', steps: ['masked'], title: T.masked.title,
    text: maskKind === 'none' ? T.masked.textNone : maskKind === 'causal' ? T.masked.textCausal : T.masked.textCustom,
    tex: '\\hat S^{\\text{mask}}_{jk} = \\begin{cases} \\hat S_{jk} & M_{jk} = 1 \\\\ -\\infty & M_{jk} = 0 \\end{cases}',
    blocks: perHead('masked', { toggle: maskKind === 'custom' }),
  });
  out.push({
    id: 'weights', steps: ['weights'], title: T.weights.title, text: T.weights.text,
    tex: '\\begin{gathered} A_{jk} = \\frac{\\exp(\\hat S_{jk} - m_j)}{\\sum_{k\'} \\exp(\\hat S_{jk\'} - m_j)} \\\\ m_j = \\max_{k\'} \\hat S_{jk\'} \\end{gathered}',
    blocks: perHead('weights', { pictures: true, stats: true }),
  });
  out.push({
    id: 'output', steps: ['output'], title: T.output.title, text: T.output.text,
    tex: 'O = AV,\\quad o_j = \\sum_k A_{jk}\\, v_k',
    blocks: perHead('output'),
  });
  if (z.heads > 1 || config.wo) {
    out.push({
      id: 'concat', steps: ['concat', 'wo'], title: T.concat.title, text: config.wo ? `${T.concat.text} ${T.wo.text}` : T.concat.text,
      tex: `\\mathrm{Concat}(O_1, \\dots, O_{${z.heads}})`,
      blocks: [
        { ...block('concat'), rowLabels: queries, colLabels: headColumns(z.heads, z.dv, S) },
        ...(config.wo ? [{
          ...block('wo'), rowLabels: headColumns(z.heads, z.dv, S), colLabels: dims(z.dOut), editable: true, tools: ['identity', 'random'],
        }] : []),
      ],
    });
  }
  out.push({
    id: 'final', steps: ['final'], title: T.final.title, text: config.wo ? T.final.text : `${T.final.text} ${T.final.textNoWo}`,
    tex: config.wo ? 'Y = \\mathrm{Concat}(O_1, \\dots, O_h)\\,W_O' : 'Y = \\mathrm{Concat}(O_1, \\dots, O_h)',
    blocks: [{ ...block('final'), rowLabels: queries, colLabels: dims(trace.final.cols) }],
  });
  return out;
}
