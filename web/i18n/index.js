// The languages the page and the widget speak. Adding one is adding a file beside
// these with the same keys, and a line here.
import en from './en.js';
import zh from './zh.js';

export const LANGUAGES = { en, zh };

// "zh-CN", "zh-Hans-TW" -> "zh"; anything unknown -> "en".
export function pickLanguage(...candidates) {
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const base = c.toLowerCase().split('-')[0];
    if (Object.hasOwn(LANGUAGES, base)) return base;
  }
  return 'en';
}

export function strings(lang) {
  return LANGUAGES[pickLanguage(lang)];
}
