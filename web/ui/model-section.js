// The page's "Attention that learned" section (docs/model.md): type a sentence, see the
// trained tiny transformer's attention in every layer and head (canvas heatmaps, every cell
// read out on pointing and explained on a click, the numbers in a table), its answer and
// confidence; the learned W_Q / W_K beside it, unchanged while the attention changes with
// the sentence; the held-out figures; retraining from scratch in a worker
// (web/model-worker.js) with progress, Pause/Resume and a loss curve. The logic is in
// web/lib/model-view.js; this file draws it with h() only. The widget's sentence="…"
// (web/ui/widget-element.js) shows the same sentence, answer and heatmaps: modelFigure().
import { h, s } from './dom.js';
import { heatmapCanvas, selectOnCanvas } from './heatmap-canvas.js';
import { loadModel, tokenize } from '../model.js';
import {
  modelView, explainCell, snapshotWeights, compareWeights, compareAttention, examplePairs, contrastOf,
  displaySentence, replaceWord, accuracyFigures, percent, lossCurve,
} from '../lib/model-view.js';
import { fmt } from '../lib/format.js';
import { sentenceSnippet } from '../lib/embed.js';
import { copyArea } from './clipboard.js';

// Kept across rebuilds (a change of language rebuilds the section): the shipped model and
// the held-out set load once; weights trained here stay until the page is left.
const shared = { shipped: null, heldout: null, retrained: null, retrainedInfo: null, using: 'shipped' };

function loadShared() {
  shared.shipped ??= loadModel({ relaxed: false }); // the page's build (the .wasm it preloads)
  shared.heldout ??= fetch(new URL('../data/pronouns-heldout.json', import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  });
  return Promise.all([shared.shipped, shared.heldout]);
}

const EPOCHS = [1, 2, 3, 6];
const CHUNK = 10; // batches per progress message, and per point of the loss curve
const MAX_CELL = 22; // px a cell at most: a sentence's heatmap reads at a glance
const HEAT_SIZE = 264; // px of the longer side of an attention heatmap (22 px cells at 12 words)
const WEIGHT_SIZE = 168;
const MIN_CELL = 8; // px: smaller cells stack the heads of a layer instead
const HEADS_GAP = 16; // px between two heads (.model-heads in web/style.css)

/** S: the page's strings; lang: the page's language (the sentence's language follows it). */
export function modelSection(S, lang) {
  const T = S.model;
  const el = h('section', { className: 'step model-section', dataset: { section: 'model' }, 'aria-labelledby': 'step-model' });
  const status = h('p', { className: 'model-loading', role: 'status' }, T.loading);
  el.append(h('h2', { id: 'step-model' }, T.title), h('p', { className: 'explanation' }, T.intro), status);
  let built = null;
  let disposed = false;
  const start = () => loadShared().then(([shipped, heldout]) => {
    if (disposed) return;
    status.remove();
    built = build(el, S, lang, shipped, heldout);
  }, (err) => {
    status.className = 'alert';
    status.setAttribute('role', 'alert');
    status.textContent = T.loadFailed(err.message ?? String(err));
  });
  // The model (its weights, a second engine, the held-out set) loads when the section comes
  // near the screen, or at once when it did before: a reader who never scrolls here pays nothing.
  let observer = null;
  if (shared.shipped || typeof IntersectionObserver !== 'function') {
    start();
  } else {
    observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      start();
    }, { rootMargin: '800px 0px' });
    observer.observe(el);
  }
  return {
    el,
    dispose: () => {
      disposed = true;
      observer?.disconnect();
      built?.dispose();
    },
  };
}

/**
 * The sentence part of the section alone, for the widget: the form (read-only: the sentence
 * as text), the unknown-word message, the answer and every layer's and head's heatmap with
 * the explained cell. options: { sentence, readonly, onShow(result) (after a reader's
 * sentence) }; the widget draws the heatmaps again when its theme changes. Returns
 * { el, result() (the shown run() result, or null), sentence() (the text in the input),
 * dispose() }.
 */
export function modelFigure(S, lang, model, options = {}) {
  const el = h('div', { className: 'model-section model-figure', dataset: { section: 'model' } });
  const built = build(el, S, lang, model, null, { figure: true, ...options });
  return { el, ...built };
}

// opts.figure: the widget's figure (no examples, comparison, learned weights, figures or
// retraining; the sentence given, and only shown when read-only).
function build(el, S, pageLang, shipped, heldout, opts = {}) {
  const T = S.model;
  const figure = Boolean(opts.figure);
  const readonly = figure && Boolean(opts.readonly);
  const model = () => (!figure && shared.using === 'retrained' && shared.retrained ? shared.retrained : shipped);

  // ---- honest numbers
  const figures = h('div', { className: 'model-figures' });
  const renderFigures = () => {
    const retrained = shared.using === 'retrained' && shared.retrained;
    const f = accuracyFigures(retrained ? shared.retrainedInfo.accuracy : shipped.accuracy);
    if (!f) return figures.replaceChildren();
    const { heldout: a, pairs } = f;
    figures.replaceChildren(
      h('h3', null, T.figuresTitle),
      h('p', null, retrained ? T.figuresRetrained(shared.retrainedInfo.epochs, shared.retrainedInfo.seconds.toFixed(1)) : T.figuresShipped),
      h('ul', { className: 'model-figure-list' },
        h('li', { dataset: { figure: 'readout' } }, T.readout(a.readout, a.sentences, percent(a.readout, a.sentences))),
        h('li', { dataset: { figure: 'attention' } }, T.attention(a.attention, a.sentences, percent(a.attention, a.sentences))),
        h('li', { dataset: { figure: 'pairs' } }, T.pairs(pairs.both, pairs.total, percent(pairs.both, pairs.total))),
        h('li', { dataset: { figure: 'wrong' } }, T.wrong(a.wrong.length))),
      h('p', { className: 'model-supervised' }, T.supervised),
      h('p', { className: 'hint model-limits' }, T.limits));
  };

  // ---- the sentence
  const langSelect = h('select', { id: 'model-lang' }, shipped.languages.map((l) => h('option', { value: l }, T.langNames[l] ?? l)));
  langSelect.value = shipped.languages.includes(pageLang) ? pageLang : shipped.languages[0];
  const input = h('input', { id: 'model-sentence', type: 'text', autocomplete: 'off', spellcheck: 'false', className: 'model-input' });
  const runButton = h('button', { type: 'submit', id: 'model-run' }, T.run);
  const form = h('form', { className: 'model-form' },
    h('label', { for: 'model-sentence' }, T.sentence), input,
    h('span', { className: 'pair' }, h('label', { for: 'model-lang' }, T.language), langSelect),
    runButton);
  const examples = h('div', { className: 'model-examples' });
  const message = h('div', { className: 'model-message', role: 'alert', hidden: true });
  // Read-only, the sentence is text: what the author wrote, never HTML.
  const shownSentence = h('p', { className: 'model-sentence-text' });
  const answer = h('div', { className: 'model-answer', 'aria-live': 'polite' });
  const compare = h('div', { className: 'model-compare', 'aria-live': 'polite' });
  // The page only: the widget's snippet for the sentence shown (sentence="…").
  const embed = figure ? null : embedPanel(S, pageLang);
  const layersBox = h('div', { className: 'model-layers' });
  // In the widget, only once there are heatmaps to point at (a first sentence may fail).
  const cellNote = h('p', { className: 'model-cell', role: 'status', hidden: figure }, T.cellHint);
  const learned = h('div', { className: 'model-learned' });

  let view = null; // the sentence shown
  let previous = null; // { view, snapshot, model } of the sentence shown before it
  let snapshot = null; // a copy of the learned weights the shown sentence ran through
  let usedModel = null;
  const canvases = new Map(); // `${layer}|${head}` -> heatmap element
  // The two heads of a layer side by side wherever two heatmaps with cells of at least
  // MIN_CELL px fit the column (a phone's too); drawn again when the column's width changes
  // the size.
  let heatSize = HEAT_SIZE;
  const fitHeatSize = () => {
    const width = layersBox.clientWidth;
    if (!view || !width) return heatSize;
    const n = Math.max(1, view.tokens.length);
    const full = Math.min(MAX_CELL, Math.floor(HEAT_SIZE / n)); // px a cell, heads stacked
    // The row labels' width as the heatmaps drew them (web/ui/heatmap-canvas.js measures
    // them and says its cell size), or 6 px a character before the first is drawn.
    const heatmap = layersBox.querySelector('.model-head .heatmap-canvas');
    const drawnWidth = heatmap?.querySelector('canvas').offsetWidth;
    const labels = drawnWidth
      ? drawnWidth - n * Number(heatmap.dataset.cell)
      : 12 + 6 * Math.max(...view.tokens.map((t) => Array.from(t).length + 2));
    const fit = Math.floor(((width - HEADS_GAP) / 2 - labels) / n);
    return (fit >= MIN_CELL ? Math.min(full, fit) : full) * n;
  };
  const resized = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    if (view && fitHeatSize() !== heatSize) renderLayers();
  }) : null;
  resized?.observe(layersBox);

  let examplesLang = null;
  const renderExamples = () => {
    // Built again only for another language, so a clicked example keeps its focus.
    if (!heldout || examplesLang === langSelect.value) return;
    examplesLang = langSelect.value;
    const pairs = examplePairs(heldout, langSelect.value, 3);
    examples.replaceChildren(h('span', { className: 'hint' }, T.examples),
      ...pairs.flatMap(({ sentences }) => sentences.map((e) => h('button', {
        type: 'button',
        className: 'model-example',
        dataset: { pair: e.pair },
        onclick: () => {
          input.value = displaySentence(e);
          langSelect.value = e.lang;
          show();
        },
      }, displaySentence(e)))));
  };

  const showError = (err, text) => {
    message.hidden = false;
    // The model's own checks, read again to say which one in the page's language.
    const lang = langSelect.value;
    const tokens = tokenize(text, lang, shipped.words[lang] ?? []);
    if (err.word !== undefined && readonly) {
      // Nothing to click in a read-only figure: the nearest words, as text.
      message.replaceChildren(h('p', null, T.unknownWord(err.word)),
        h('p', { className: 'model-nearest' }, T.nearest(err.nearest ?? [])));
    } else if (err.word !== undefined) {
      message.replaceChildren(h('p', null, T.unknownWord(err.word)), h('p', { className: 'hint' }, T.suggest),
        h('div', { className: 'model-suggestions' }, (err.nearest ?? []).map((w) => h('button', {
          type: 'button',
          className: 'model-suggestion',
          onclick: () => {
            input.value = replaceWord(text, err.word, w);
            show();
            input.focus();
          },
        }, w))));
    } else if (tokens.length === 0) {
      message.replaceChildren(h('p', null, T.noWords));
    } else if (tokens.length > shipped.shape.maxTokens) {
      message.replaceChildren(h('p', null, T.tooLong(tokens.length, shipped.shape.maxTokens)));
    } else if (!tokens.includes(shipped.pronouns[lang])) {
      message.replaceChildren(h('p', null, T.noPronoun(shipped.pronouns[lang])));
    } else {
      message.replaceChildren(h('p', null, T.otherError(err.message ?? String(err))));
    }
    input.setAttribute('aria-invalid', 'true');
  };

  let result = null; // the run() result shown
  function show({ quiet = false } = {}) {
    const text = input.value;
    shownSentence.textContent = text;
    // Chinese characters typed with English chosen (or the reverse) switch the language.
    const han = /\p{Script=Han}/u.test(text);
    if (han && langSelect.value !== 'zh') langSelect.value = 'zh';
    else if (!han && /\p{L}/u.test(text) && langSelect.value === 'zh') langSelect.value = 'en';
    renderExamples();
    let next;
    try {
      next = model().run(text, { lang: langSelect.value });
    } catch (err) {
      showError(err, text); // what was typed stays; the last sentence's pictures stay too
      return;
    }
    message.hidden = true;
    message.replaceChildren();
    input.removeAttribute('aria-invalid');
    result = next;
    cellNote.hidden = false;
    if (view) previous = { view, snapshot, model: usedModel };
    view = modelView(result);
    usedModel = model();
    renderAnswer();
    renderLayers();
    if (!figure) {
      embed.update(text);
      snapshot = snapshotWeights(usedModel.weights);
      renderCompare();
      renderLearned();
    }
    if (!quiet) opts.onShow?.(result);
  }

  const renderAnswer = () => {
    const p = view.tokens[view.pronoun];
    const agree = view.referent === view.attention;
    answer.dataset.referent = String(view.referent);
    answer.dataset.word = view.tokens[view.referent];
    answer.replaceChildren(
      h('p', { className: 'model-answer-main' }, T.answer(p, view.tokens[view.referent])),
      h('p', { className: 'model-answer-detail' }, T.confidence(percent(Math.round(view.confidence * 1000), 1000))),
      h('p', { className: 'model-answer-detail' }, T.attends(p, view.tokens[view.attention], fmt(view.attentionWeight, 3))),
      ...(agree ? [] : [h('p', { className: 'model-answer-detail warn' }, T.disagree)]));
  };

  const explain = (layer, head, r, c) => {
    const e = explainCell(view, layer, head, r, c);
    cellNote.dataset.layer = String(layer);
    cellNote.dataset.head = String(head);
    cellNote.dataset.row = String(r);
    cellNote.dataset.col = String(c);
    cellNote.textContent = `${T.cell(layer + 1, head + 1, e.query, e.key, fmt(e.weight, 4))}${e.pronounRow ? ` ${T.cellPronoun}` : ''}`;
    for (const [key, canvas] of canvases) selectOnCanvas(canvas, key === `${layer}|${head}` ? { r, c } : null);
  };

  const numbersTable = (m, labels) => h('details', { className: 'model-numbers' },
    h('summary', null, T.numbers),
    h('div', { className: 'table-scroll' },
      h('table', { className: 'model-weights-table', dataset: { layer: m.layer, head: m.head } },
        h('thead', null, h('tr', null, h('th', null), labels.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, Array.from({ length: m.rows }, (_, r) => h('tr', { className: r === view.pronoun ? 'pronoun-row' : null },
          h('th', { scope: 'row' }, labels[r]),
          Array.from({ length: m.cols }, (_, c) => {
            const v = m.data[r * m.cols + c];
            return h('td', { dataset: { row: r, col: c, value: String(v) } }, fmt(v, 2));
          })))))));

  const renderLayers = () => {
    heatSize = fitHeatSize();
    const labels = view.tokens;
    const rowLabels = labels.map((t, i) => (i === view.pronoun ? `▸ ${t}` : t));
    layersBox.replaceChildren(...view.layers.map((layer) => h('div', { className: 'model-layer', dataset: { layer: layer.layer } },
      h('h3', null, T.layer(layer.layer + 1)),
      h('p', { className: 'hint' }, T.layerText(layer.layer + 1)),
      h('div', { className: 'model-heads' }, layer.heads.map((m) => {
        const key = `${m.layer}|${m.head}`;
        const value = (r, c) => m.data[r * m.cols + c];
        const spec = {
          step: 'weights',
          head: m.head,
          caption: T.heatCaption(m.layer + 1, m.head + 1),
          rows: m.rows,
          cols: m.cols,
          value,
          shade: (r, c) => value(r, c),
          ramp: 'seq',
          rowLabels,
          colLabels: labels,
          size: heatSize,
          maxCell: MAX_CELL,
          readout: (r, c) => ({ title: T.readoutTitle(m.layer + 1, m.head + 1, labels[r], labels[c]), lines: [T.weightLine(fmt(value(r, c), 4))] }),
          onPick: (r, c) => explain(m.layer, m.head, r, c),
        };
        const canvas = heatmapCanvas(spec, canvases.get(key));
        canvases.set(key, canvas);
        canvas.dataset.layer = String(m.layer);
        canvas.dataset.head = String(m.head);
        // The pronoun's row, at the word it attends to most: marked until a cell is picked.
        selectOnCanvas(canvas, { r: view.pronoun, c: view.attention });
        return h('figure', { className: 'model-head', dataset: { layer: m.layer, head: m.head } },
          h('figcaption', null, T.head(m.head + 1)), canvas, numbersTable(m, labels));
      })))));
    cellNote.textContent = T.cellHint;
  };

  const renderCompare = () => {
    const lines = [];
    const pair = contrastOf(heldout, view.lang, view.tokens);
    if (pair) {
      const other = pair.other.sentence.split(' ');
      const at = other.findIndex((w, i) => w !== view.tokens[i]);
      lines.push(h('button', {
        type: 'button',
        id: 'model-contrast',
        onclick: () => {
          input.value = displaySentence(pair.other);
          langSelect.value = pair.other.lang;
          show();
        },
      }, T.contrast(view.tokens[at] ?? '', other[at] ?? '')));
    }
    if (!previous) {
      lines.push(h('p', { className: 'hint' }, T.firstSentence));
    } else {
      const w = previous.model === usedModel ? compareWeights(previous.snapshot, usedModel.weights) : null;
      lines.push(h('p', { className: 'model-compare-weights', dataset: w ? { equal: w.equal, total: w.total } : {} },
        w ? T.weightsSame(w.equal, w.total) : T.weightsOther));
      const a = compareAttention(previous.view, view);
      if (!a) {
        lines.push(h('p', { className: 'model-compare-attention' }, T.notComparable));
      } else {
        const big = a.largest;
        lines.push(h('p', { className: 'model-compare-attention', dataset: { changed: a.changed, total: a.total } },
          T.attentionChanged(a.changed, a.total), ' ',
          big ? T.largest(big.layer + 1, big.head + 1, view.tokens[big.row], view.tokens[big.col], fmt(big.from, 3), fmt(big.to, 3)) : ''));
      }
    }
    compare.replaceChildren(...lines);
  };

  const matrixHeat = (name, layer, matrix) => {
    let max = 0;
    for (const v of matrix.data) max = Math.max(max, Math.abs(v));
    const value = (r, c) => matrix.data[r * matrix.cols + c];
    const dims = Array.from({ length: Math.max(matrix.rows, matrix.cols) }, (_, i) => String(i + 1));
    const spec = {
      step: name,
      caption: T.matrixCaption(name, layer + 1),
      rows: matrix.rows,
      cols: matrix.cols,
      value,
      shade: (r, c) => value(r, c) / (max || 1),
      ramp: 'pos',
      rowLabels: dims,
      colLabels: dims,
      size: WEIGHT_SIZE,
      readout: (r, c) => ({ title: T.matrixCaption(name, layer + 1), lines: [T.matrixReadout(name, r + 1, c + 1, fmt(value(r, c), 4))] }),
    };
    const canvas = heatmapCanvas(spec);
    canvas.dataset.matrix = `${name}:${layer}`;
    return h('figure', { className: 'model-matrix' }, h('figcaption', null, T.matrixCaption(name, layer + 1)), canvas);
  };

  let learnedFor = null;
  const renderLearned = () => {
    const m = model();
    if (learnedFor === m) return;
    learnedFor = m;
    const last = m.weights.layers.length - 1;
    const layer = m.weights.layers[last];
    learned.replaceChildren(h('h3', null, T.learnedTitle), h('p', { className: 'hint' }, T.learnedText),
      h('div', { className: 'model-matrices' }, matrixHeat('W_Q', last, layer.wq), matrixHeat('W_K', last, layer.wk)));
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    show();
  });
  langSelect.addEventListener('change', () => {
    renderExamples();
    const first = examplePairs(heldout, langSelect.value, 1)[0]?.sentences[0];
    if (first) input.value = displaySentence(first);
    show();
  });

  if (figure) {
    // The widget: the author's sentence; its language follows its script (show(): Chinese
    // characters are zh), so the figure has no language choice.
    input.value = String(opts.sentence ?? '');
    form.replaceChildren(h('label', { for: 'model-sentence' }, T.sentence), input, runButton);
    el.append(
      h('p', { className: 'hint model-figure-intro' }, T.figureIntro),
      ...(readonly ? [] : [h('p', { className: 'hint model-figure-edit' }, T.figureEdit)]),
      h('div', { className: 'model-body' },
        h('div', { className: 'model-try' }, readonly ? shownSentence : form, message, answer),
        layersBox, cellNote));
    show({ quiet: true });
    return {
      result: () => result,
      sentence: () => input.value,
      dispose: () => {
        resized?.disconnect();
      },
    };
  }

  // ---- retraining
  const retrain = retrainPanel(T, {
    done: async (info) => {
      const file = {
        vocabulary: shipped.vocabulary, languages: shipped.languages, words: shipped.words, pronouns: shipped.pronouns,
        shape: shipped.shape, training: { ...shipped.training, epochs: info.epochs, seconds: info.seconds }, accuracy: info.accuracy,
        weights: info.weights,
      };
      shared.retrained = await loadModel({ model: file, relaxed: false });
      shared.retrainedInfo = info;
      use('retrained');
    },
  });
  const use = (which) => {
    shared.using = which;
    retrain.using(which, !!shared.retrained);
    renderFigures();
    if (view) show();
  };
  retrain.onUse = use;

  // The first sentence: the language's first example.
  const first = examplePairs(heldout, langSelect.value, 1)[0]?.sentences[0];
  input.value = first ? displaySentence(first) : '';
  renderFigures();
  retrain.using(shared.using, !!shared.retrained);
  el.append(
    h('div', { className: 'model-body' },
      h('div', { className: 'model-try' }, form, examples, message, answer, compare, embed.el),
      layersBox, cellNote, learned, figures, retrain.el));
  show();
  return {
    dispose: () => {
      resized?.disconnect();
      retrain.dispose();
    },
  };
}

// "Embed this sentence": the <attention-playground sentence="…"> snippet, and Copy.
function embedPanel(S, lang) {
  const T = S.model;
  const scriptSrc = new URL('../attention-playground.js', import.meta.url).href;
  const code = h('textarea', { id: 'model-embed-code', readonly: true, rows: 3, spellcheck: 'false', 'aria-label': T.embedTitle });
  const status = h('p', { className: 'hint', role: 'status' });
  const copy = h('button', {
    type: 'button',
    id: 'model-embed-copy',
    onclick: () => copyArea(code, status, S),
  }, S.embed.copy);
  return {
    el: h('details', { className: 'model-embed' }, h('summary', null, T.embedTitle), h('p', { className: 'hint' }, T.embedText), code, copy, status),
    update(sentence) {
      code.value = sentenceSnippet({ sentence, lang, scriptSrc });
      status.textContent = '';
    },
  };
}

function curveSvg(T, losses) {
  const W = 360;
  const H = 150;
  const c = lossCurve(losses, W, H);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, className: 'loss-curve model-loss', role: 'img', 'aria-label': T.curve });
  svg.dataset.points = String(c.count);
  svg.dataset.first = String(losses[0] ?? '');
  svg.dataset.last = String(losses.at(-1) ?? '');
  if (c.count < 2) return svg;
  svg.append(
    s('line', { x1: 44, x2: W - 8, y1: H - 20, y2: H - 20, className: 'grid' }),
    s('text', { x: 40, y: c.y(c.max) + 4, 'text-anchor': 'end', className: 'axis' }, fmt(c.max, 2)),
    s('text', { x: 40, y: c.y(c.log ? c.min : 0) + 4, 'text-anchor': 'end', className: 'axis' }, c.log ? c.min.toExponential(0) : '0'),
    s('text', { x: W - 8, y: H - 4, 'text-anchor': 'end', className: 'axis' }, `${losses.length * CHUNK} ${T.curveAxis}`),
    s('polyline', { points: c.points, className: 'loss-line' }));
  return svg;
}

function retrainPanel(T, { done }) {
  const epochs = h('select', { id: 'model-epochs' }, EPOCHS.map((n) => h('option', { value: n }, String(n))));
  epochs.value = '6';
  const train = h('button', { type: 'button', id: 'model-train' }, T.train);
  const pause = h('button', { type: 'button', id: 'model-pause', disabled: true }, T.pause);
  const resume = h('button', { type: 'button', id: 'model-resume', disabled: true }, T.resume);
  const progress = h('progress', { id: 'model-progress', max: 1, value: 0, 'aria-label': T.progress });
  const status = h('p', { className: 'model-train-status', role: 'status' });
  const curve = h('div', { className: 'model-curve' });
  const using = h('p', { className: 'model-using' });
  const useShipped = h('button', { type: 'button', id: 'model-use-shipped' }, T.useShipped);
  const useRetrained = h('button', { type: 'button', id: 'model-use-retrained' }, T.useRetrained);
  let worker = null;
  let losses = [];
  let last = null;
  const panel = {
    onUse: null,
    el: h('div', { className: 'model-retrain' },
      h('h3', null, T.retrainTitle),
      h('p', { className: 'hint' }, T.retrainText),
      h('div', { className: 'model-train-row' },
        h('span', { className: 'pair' }, h('label', { for: 'model-epochs' }, T.epochs), epochs),
        train, pause, resume, progress),
      status, curve,
      h('div', { className: 'model-train-row' }, using, useShipped, useRetrained)),
    using(which, has) {
      using.textContent = which === 'retrained' ? T.usingRetrained : T.usingShipped;
      using.dataset.using = which;
      useShipped.disabled = which === 'shipped';
      useRetrained.disabled = which === 'retrained' || !has;
      useRetrained.hidden = !has;
      useShipped.hidden = !has;
    },
    dispose() {
      worker?.terminate();
      worker = null;
    },
  };
  const stop = (text) => {
    panel.dispose();
    train.disabled = false;
    epochs.disabled = false;
    pause.disabled = true;
    resume.disabled = true;
    if (text) status.textContent = text;
  };
  train.addEventListener('click', () => {
    stop();
    losses = [];
    curve.replaceChildren();
    train.disabled = true;
    epochs.disabled = true;
    pause.disabled = false;
    progress.value = 0;
    status.textContent = T.starting;
    const count = Number(epochs.value);
    worker = new Worker(new URL('../model-worker.js', import.meta.url), { type: 'module' });
    worker.onerror = (e) => stop(T.failed(e.message ?? 'worker error'));
    worker.onmessage = async ({ data }) => {
      if (data.type === 'ready') {
        progress.max = data.total;
      } else if (data.type === 'progress') {
        last = data;
        losses.push(data.loss);
        progress.value = data.steps;
        if (!resume.disabled) { // paused: the chunk in flight lands, then nothing until Resume
          status.textContent = T.paused(data.steps, data.total);
          return;
        }
        status.textContent = T.status(Math.min(count, Math.floor(data.epoch) + 1), count, data.steps, data.total, data.loss.toPrecision(3));
        curve.replaceChildren(curveSvg(T, losses));
        if (data.steps === data.total) status.textContent = T.measuring;
      } else if (data.type === 'done') {
        stop();
        curve.replaceChildren(curveSvg(T, losses));
        const a = data.accuracy.heldout;
        try {
          await done({ ...data, epochs: count });
        } catch (err) {
          status.textContent = T.failed(err.message ?? String(err));
          return;
        }
        status.textContent = T.done(data.seconds.toFixed(1), a.both, a.sentences, percent(a.both, a.sentences));
      } else if (data.type === 'error') {
        stop(T.failed(data.message));
      }
    };
    worker.postMessage({ type: 'start', epochs: count, chunk: CHUNK });
  });
  pause.addEventListener('click', () => {
    worker?.postMessage({ type: 'pause' });
    pause.disabled = true;
    resume.disabled = false;
    curve.replaceChildren(curveSvg(T, losses));
    status.textContent = T.paused(last?.steps ?? 0, last?.total ?? 0);
  });
  resume.addEventListener('click', () => {
    worker?.postMessage({ type: 'resume' });
    pause.disabled = false;
    resume.disabled = true;
  });
  useShipped.addEventListener('click', () => panel.onUse?.('shipped'));
  useRetrained.addEventListener('click', () => panel.onUse?.('retrained'));
  return panel;
}
