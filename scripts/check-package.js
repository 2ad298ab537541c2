// Runs before `npm pack` / `npm publish` (the "prepack" script): refuses to pack unless
// every file package.json's `files` names exists. npm itself silently leaves a missing
// file out, and a package without its .wasm passes every in-repo test and fails every
// user. The engine and the widget bundle are build outputs: `npm run build` makes them.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const { files } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const WASM_MAGIC = '0061736d';

const problems = [];
for (const file of files) {
  const size = statSync(`${root}${file}`, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) problems.push(`${file} is missing or empty`);
  else if (file.endsWith('.wasm') && readFileSync(`${root}${file}`).subarray(0, 4).toString('hex') !== WASM_MAGIC) {
    problems.push(`${file} is not a WebAssembly module`);
  }
}
if (problems.length) {
  console.error(`check-package: not packing:\n  ${problems.join('\n  ')}\nRun \`npm run build\` first.`);
  process.exit(1);
}
