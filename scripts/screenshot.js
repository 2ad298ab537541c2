// Takes a screenshot of the built page in Debian's Chromium, to look at what a visitor sees.
//   node scripts/screenshot.js [hash-or-query] [width] [out.png] [locale] [full]
// e.g. node scripts/screenshot.js '?lang=zh#preset=it-animal' 375 /tmp/zh.png zh-CN full
import { launch, openPage } from '../tests/browser/browser.js';

const [path = '', width = '1280', out = 'test-results/screenshot.png', locale = 'en-US', full] = process.argv.slice(2);
const w = Number(width);
const env = await launch();
try {
  const { page, problems } = await openPage(env, path, { width: w, height: 800, locale });
  await page.waitForSelector('[data-step="final"] td', { timeout: 15000 });
  if (full === 'full') {
    // Off-screen steps are not rendered (content-visibility): make the whole page visible.
    await page.setViewportSize({ width: w, height: await page.evaluate(() => document.documentElement.scrollHeight) });
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: out, fullPage: full === 'full' });
  console.log(`${out}${problems.length ? `\n${problems.join('\n')}` : ''}`);
} finally {
  await env.close();
}
