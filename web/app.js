// The page: loads the engine, restores the state (share link, then the last visit, then
// the default example), mounts the playground, and keeps the URL hash and localStorage
// in step with every change.
import { loadEngine, relaxedSupported } from './engine.js';
import { Playground } from './ui/playground.js';
import { h } from './ui/dom.js';
import { PRESETS, PRESET_CHECKS, DEFAULT_PRESET, presetConfig } from './lib/presets.js';
import { decodeShare, encodeShare, cleanStored, DEFAULT_DECIMALS } from './lib/state.js';
import { LANGUAGES, pickLanguage, strings } from './i18n/index.js';
import { openEmbedDialog } from './ui/embed-dialog.js';
import { openWriteOutDialog } from './ui/write-out-dialog.js';
import { costSection } from './ui/cost.js';
import { learnSection } from './ui/learn.js';
import { modelSection } from './ui/model-section.js';
import { followTheme } from './lib/theme.js';
import { redrawCanvases } from './ui/heatmap-canvas.js';
import katex from './vendor/katex/katex.mjs';

const STORAGE_KEY = 'attention-playground:state';
const PENDING_KEY = 'attention-playground:pending'; // in sessionStorage: this tab only
const THEME_KEY = 'attention-playground:theme';

// light, dark, or auto (the system's preference). A reader's choice, kept in
// localStorage; not part of share links.
let stopFollowingTheme = () => {};
function applyTheme(theme) {
  stopFollowingTheme();
  stopFollowingTheme = followTheme(theme, (resolved) => {
    document.documentElement.dataset.theme = resolved;
    redrawCanvases(document);
  });
}
function storedTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'auto';
  } catch {
    return 'auto';
  }
}
applyTheme(storedTheme());
const app = document.getElementById('app');
const header = document.getElementById('header-tools');
const query = new URLSearchParams(location.search);

// The view: ?view=flow|article, else the reader's last choice, else the flow.
const VIEW_KEY = 'attention-playground:view';
function initialView() {
  const asked = query.get('view');
  if (asked === 'flow' || asked === 'article' || asked === 'tiles') return asked;
  try {
    return localStorage.getItem(VIEW_KEY) === 'article' ? 'article' : 'flow';
  } catch {
    return 'flow';
  }
}
function saveView(view) {
  try {
    localStorage.setItem(VIEW_KEY, view);
  } catch {
    // storage off: the choice lasts for this visit
  }
}

let playground = null;
let lang = pickLanguage(query.get('lang'), readStored()?.lang, ...(navigator.languages ?? [navigator.language]));

// The last visit's state, each field checked (cleanStored): a bad one, say a decimals that
// makes toFixed throw, is dropped on its own instead of failing every load.
function readStored() {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? cleanStored(JSON.parse(raw)) : null;
  } catch {
    return null; // not JSON, or storage disabled
  }
}

function store(state) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ config: state.config, decimals: state.decimals, lang: state.lang, checks: state.checks }));
  } catch {
    // storage full or disabled: the URL still holds the state
  }
}

function renderMath(el, tex) {
  katex.render(tex, el, { throwOnError: false, displayMode: true, output: 'htmlAndMathml' });
}

function presetState(name) {
  const known = Object.hasOwn(PRESETS, name) ? name : DEFAULT_PRESET;
  return { config: presetConfig(known), decimals: DEFAULT_DECIMALS, lang, preset: known, checks: PRESET_CHECKS[known] };
}

// The state a hash asks for, or the fallback with a message saying why not.
function stateFromHash() {
  const shared = decodeShare(location.hash);
  const S = strings(lang);
  if (!shared) return { state: null };
  if (shared.error) return { state: presetState(DEFAULT_PRESET), error: S.badLink(S.linkErrors[shared.error]) };
  if (shared.preset !== undefined) {
    if (!Object.hasOwn(PRESETS, shared.preset)) {
      return { state: presetState(DEFAULT_PRESET), error: S.badLink(S.linkErrors.preset(shared.preset.slice(0, 40))) };
    }
    return { state: presetState(shared.preset) };
  }
  if (shared.lang) lang = pickLanguage(query.get('lang'), shared.lang);
  // The engine checks the config once, when the playground runs it (against the page's limits).
  return { state: { config: shared.config, decimals: shared.decimals ?? DEFAULT_DECIMALS, lang, preset: null, checks: shared.checks } };
}

function writeHash(state) {
  const hash = state.preset ? `#preset=${state.preset}` : encodeShare(state);
  if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  return hash;
}

function renderHeader() {
  const S = strings(lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : lang;
  document.title = `${S.title}`;
  document.getElementById('title').textContent = S.title;
  document.getElementById('tagline').textContent = S.tagline;
  document.getElementById('footer').textContent = S.footer;
  if (!playground) return;
  const current = playground.state.preset ?? 'custom';
  const presetSelect = h('select', { id: 'preset' },
    [...Object.keys(PRESETS), ...(current === 'custom' ? ['custom'] : [])].map((name) => h('option', { value: name, selected: name === current }, S.presets[name])));
  presetSelect.value = current;
  presetSelect.addEventListener('change', () => {
    if (!Object.hasOwn(PRESETS, presetSelect.value)) return;
    playground.setState({ ...presetState(presetSelect.value), decimals: playground.state.decimals }, null, { record: true });
    learn?.presetChanged();
    onChange(playground.state);
  });
  const langSelect = h('select', { id: 'lang' },
    Object.entries(LANGUAGES).map(([code, L]) => h('option', { value: code, selected: code === lang }, L.langName)));
  langSelect.value = lang;
  langSelect.addEventListener('change', () => {
    lang = langSelect.value;
    playground.setView({ lang });
    renderHeader();
  });
  const note = h('span', { className: 'copy-note', role: 'status' });
  const share = h('button', { type: 'button', id: 'share' }, S.share);
  share.addEventListener('click', async () => {
    writeHash(playground.state);
    try {
      await navigator.clipboard.writeText(location.href);
      note.textContent = S.copied;
    } catch {
      note.textContent = S.copyFailed;
    }
  });
  const themeSelect = h('select', { id: 'theme' }, ['auto', 'light', 'dark'].map((t) => h('option', { value: t, selected: t === storedTheme() }, S.themes[t])));
  themeSelect.addEventListener('change', () => {
    applyTheme(themeSelect.value);
    try {
      localStorage.setItem(THEME_KEY, themeSelect.value);
    } catch {
      // storage disabled: the choice lasts for this visit
    }
  });
  const embed = h('button', { type: 'button', id: 'embed' }, S.embed.button);
  embed.addEventListener('click', () => openEmbedDialog({ state: playground.state, S, baseUrl: location.href }));
  const pair = (id, label, control) => h('span', { className: 'pair' }, h('label', { for: id }, label), control);
  header.replaceChildren(
    pair('preset', S.preset, presetSelect),
    pair('lang', S.language, langSelect),
    pair('theme', S.theme, themeSelect),
    share, embed, note);
}

// The URL and storage follow the state a moment after the last change: writing them on
// every keystroke would cost more than recomputing the attention.
let saving = 0;
let headerKey = '';
let costHost = null;
let costLang = null;
let learnHost = null;
let learn = null;
let modelHost = null;
let model = null;
// Attention that learned, Learn and Cost are built for a language; a new language rebuilds
// them (Learn and a training in progress start over; weights trained already stay).
function renderLearnAndCost() {
  if (!costHost || costLang === lang) return;
  costLang = lang;
  model?.dispose();
  model = modelSection(strings(lang), lang);
  modelHost.replaceChildren(model.el);
  costHost.replaceChildren(costSection(strings(lang), {
    engine: playground.engine,
    // The page runs the SIMD build; its timings, like the Cost worker's, the fastest one.
    timingEngine: () => (relaxedSupported() ? loadEngine() : playground.engine),
    current: () => ({ config: playground.state.config, trace: playground.trace }),
  }));
  learn = learnSection(playground, strings(lang), onChange);
  learnHost.replaceChildren(learn.el);
}

// Writes the URL and storage now if a change is waiting for its pause. A reload or a
// return that started just before (the browser fixes its URL when it starts) goes to the
// hash this replaces, and that hash would win over localStorage on load; so the state also
// goes to this tab's sessionStorage with the hash it replaces (see takePending).
function flushSave() {
  if (!saving) return;
  clearTimeout(saving);
  saving = 0;
  const stale = location.hash;
  const hash = writeHash(playground.state);
  store(playground.state);
  if (hash === stale) return;
  try {
    const { config, decimals, lang: language, checks } = playground.state;
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ stale, state: { config, decimals, lang: language, checks } }));
  } catch {
    // storage full or disabled: localStorage still has it for a visit without a hash
  }
}

// The state flushSave left for this tab, when this load reloads or returns to the very URL
// it replaced; read once, and checked like localStorage.
function takePending() {
  try {
    const raw = sessionStorage.getItem(PENDING_KEY);
    if (raw === null) return null;
    sessionStorage.removeItem(PENDING_KEY);
    const type = performance.getEntriesByType('navigation')[0]?.type;
    const { stale, state } = JSON.parse(raw);
    return (type === 'reload' || type === 'back_forward') && stale === location.hash ? cleanStored(state) : null;
  } catch {
    return null;
  }
}

function onChange(state) {
  lang = state.lang;
  clearTimeout(saving);
  // Saved after a pause in the edits, when the page is idle: at big sizes the link is tens
  // of kilobytes (writing it into the URL takes tens of milliseconds), so there the pause
  // is longer and typing does not wait for it.
  const cells = state.config.x.length * (state.config.x[0]?.length ?? 0);
  const idle = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 0));
  saving = setTimeout(() => idle(flushSave, { timeout: 1000 }), cells > 1024 ? 1000 : 120);
  learn?.refresh();
  const key = `${state.lang}/${state.preset}`;
  if (key !== headerKey) {
    headerKey = key;
    renderHeader();
    renderLearnAndCost();
  }
}

async function start() {
  const S = strings(lang);
  renderHeader();
  app.replaceChildren(h('p', { className: 'loading', role: 'status' }, S.loading));
  let engine;
  try {
    // The SIMD build, as the widget's: the numbers on the page are the widget's, bit for bit,
    // and the .wasm is the one index.html preloads. The Cost section's timing worker takes the
    // fastest build this browser runs (relaxed SIMD where it can).
    engine = await loadEngine({ relaxed: false });
  } catch (err) {
    const retry = h('button', { type: 'button', onclick: () => start() }, S.retry);
    app.replaceChildren(h('div', { className: 'alert', role: 'alert' }, S.loadFailed(err.message ?? String(err)), ' ', retry));
    return;
  }
  const pending = takePending();
  const fromHash = pending ? { state: null } : stateFromHash();
  let error = fromHash.error;
  const state = fromHash.state;
  let stored = null;
  const saved = state ? null : pending ?? readStored();
  if (saved) {
    if (saved.config) {
      stored = { config: saved.config, decimals: saved.decimals ?? DEFAULT_DECIMALS, lang, preset: null, checks: saved.checks };
    }
  }
  // The first state the engine accepts: the link's, the stored one, the default preset
  // (keeping the stored view settings when only the stored config was refused).
  const fallback = { ...presetState(DEFAULT_PRESET), decimals: saved?.decimals ?? DEFAULT_DECIMALS };
  // The playground has a box of its own inside the page's <main>: its sticky bar (toolbar,
  // story, selection) stays on screen while the reader works in it and scrolls away with
  // it, so it never covers "Attention that learned" and the sections after it.
  const stage = h('div', { className: 'playground playground-stage' });
  app.replaceChildren(stage);
  playground = null;
  for (const candidate of [state, stored, fallback]) {
    if (!candidate || playground) continue;
    try {
      playground = new Playground(stage, {
        engine, state: { ...candidate, lang }, renderMath, onChange,
        view: initialView(), toolbar: true, keys: document, onView: saveView, tiles: true,
        // The article section and the scripts, for the state, selection and head shown now.
        onWriteOut: (shown) => openWriteOutDialog({ ...shown, S: strings(shown.state.lang) }),
      });
    } catch (err) {
      if (candidate === state) error = strings(lang).badLink(err.message);
    }
  }
  modelHost = h('div', { className: 'model-host' });
  learnHost = h('div', { className: 'learn-host' });
  costHost = h('div', { className: 'cost-host' });
  app.append(modelHost, learnHost, costHost);
  // The sections below the playground are built once its first tables are painted.
  requestAnimationFrame(() => setTimeout(renderLearnAndCost, 0));
  if (error) playground.showError(error);
  renderHeader();
  writeHash(playground.state);

  // A reload, a closed tab or a link followed within the pause would lose the last edit:
  // save it as the page is hidden or left (pagehide also covers the back/forward cache).
  window.addEventListener('pagehide', flushSave);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushSave();
  });

  window.addEventListener('hashchange', () => {
    // A link followed in the page: a reload should show it, even if it is the hash an
    // earlier save replaced, so the record takePending would restore goes.
    try {
      sessionStorage.removeItem(PENDING_KEY);
    } catch {
      // storage disabled: nothing was recorded
    }
    const next = stateFromHash();
    if (!next.state) return;
    // A config the engine refuses keeps the current state and says why.
    const refused = playground.setState({ ...next.state, lang });
    learn?.presetChanged();
    const message = next.error ?? (refused ? strings(lang).badLink(refused.message) : null);
    if (message) playground.showError(message);
    renderHeader();
  });
}

start();
