#!/usr/bin/env node
// Turns the relaxed WebAssembly build into standard relaxed SIMD (CMakeLists.txt runs this
// after linking attention-core-relaxed). Debian's Emscripten 3.1.6 (clang 14) compiles
// __builtin_wasm_fma_f32x4 to the pre-standard opcode 0xfd 0xaf 0x01, which no engine
// accepts any more; the standard f32x4.relaxed_madd is 0xfd 0x85 0x02, the same length, so
// each one is rewritten in place. The code section is decoded instruction by instruction:
// only real instructions are rewritten, never bytes inside an immediate, and an opcode this
// decoder does not know stops the build. The result must then validate with relaxed SIMD on.
//
//   node scripts/relax-wasm.js <file.wasm>     rewrites the file, prints what it did
import { readFileSync, writeFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';

export const OLD_FMA = 0xaf; // f32x4.fma of the relaxed-SIMD prototype (clang 14)
export const RELAXED_MADD = 0x105; // f32x4.relaxed_madd of the standard

class Reader {
  constructor(bytes, at = 0) {
    this.bytes = bytes;
    this.at = at;
  }

  byte() {
    if (this.at >= this.bytes.length) throw new Error(`unexpected end of the module at byte ${this.at}`);
    return this.bytes[this.at++];
  }

  u32() {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      if (shift >= 28) throw new Error(`over-long LEB128 at byte ${this.at}`);
    }
  }

  sleb(maxBytes) {
    for (let i = 0; i < maxBytes; ++i) if (!(this.byte() & 0x80)) return;
    throw new Error(`over-long signed LEB128 at byte ${this.at}`);
  }

  skip(n) {
    this.at += n;
  }

  memarg() {
    this.u32();
    this.u32();
  }
}

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

// Reads one instruction; returns the offset and number of a 0xfd instruction, else null.
function instruction(r) {
  const op = r.byte();
  if (op === 0x02 || op === 0x03 || op === 0x04) { // block, loop, if: a block type
    const t = r.bytes[r.at];
    if (t === 0x40 || VALTYPES.has(t)) r.skip(1);
    else r.sleb(5);
  } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
    r.u32(); // br, br_if, call, local.*, global.*, table.get/set, ref.func
  } else if (op === 0x0e) { // br_table
    const n = r.u32();
    for (let i = 0; i <= n; ++i) r.u32();
  } else if (op === 0x11) { // call_indirect: type, table
    r.u32();
    r.u32();
  } else if (op === 0x1c) { // select with types
    const n = r.u32();
    r.skip(n);
  } else if (op >= 0x28 && op <= 0x3e) {
    r.memarg(); // loads and stores
  } else if (op === 0x3f || op === 0x40) {
    r.u32(); // memory.size, memory.grow
  } else if (op === 0x41) {
    r.sleb(5);
  } else if (op === 0x42) {
    r.sleb(10);
  } else if (op === 0x43) {
    r.skip(4);
  } else if (op === 0x44) {
    r.skip(8);
  } else if (op === 0xd0) {
    r.skip(1); // ref.null t
  } else if (op === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) return null; // saturating truncations
    const immediates = { '8': 2, '9': 1, '10': 2, '11': 1, '12': 2, '13': 1, '14': 2, '15': 1, '16': 1, '17': 1 }[sub];
    if (immediates === undefined) throw new Error(`unknown instruction 0xfc ${sub} at byte ${r.at}`);
    for (let i = 0; i < immediates; ++i) r.u32();
  } else if (op === 0xfd) {
    const at = r.at;
    const sub = r.u32();
    if (sub <= 11 || sub === 92 || sub === 93) r.memarg(); // v128 loads and stores
    else if (sub === 12 || sub === 13) r.skip(16); // v128.const, i8x16.shuffle
    else if (sub >= 21 && sub <= 34) r.skip(1); // extract and replace lane
    else if (sub >= 84 && sub <= 91) {
      r.memarg(); // load and store lane
      r.skip(1);
    } else if (sub > 0x113) throw new Error(`unknown instruction 0xfd ${sub} at byte ${at}`);
    return { at, sub };
  } else if (!((op <= 0x01) || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b
    || (op >= 0x45 && op <= 0xc4) || op === 0xd1)) {
    throw new Error(`unknown instruction 0x${op.toString(16)} at byte ${r.at - 1}`);
  }
  return null;
}

// Every 0xfd (SIMD) instruction of the module's code: { at, sub }, where `at` is the offset
// of its opcode number `sub`.
export function simdInstructions(bytes) {
  const r = new Reader(bytes, 8);
  const found = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 10) {
      const functions = r.u32();
      for (let f = 0; f < functions; ++f) {
        const bodyEnd = r.u32() + r.at;
        const groups = r.u32();
        for (let g = 0; g < groups; ++g) {
          r.u32();
          r.skip(1);
        }
        while (r.at < bodyEnd) {
          const simd = instruction(r);
          if (simd) found.push(simd);
        }
        if (r.at !== bodyEnd || bytes[bodyEnd - 1] !== 0x0b) throw new Error(`function ${f} does not end where its size says`);
      }
      if (r.at !== end) throw new Error('the code section does not end where its size says');
    }
    r.at = end;
  }
  return found;
}

// Run as a script (not imported by a test): compared as real paths, so a checkout whose path
// has spaces or other characters a file: URL escapes, or that is reached by a symlink, still
// runs it (a rewrite skipped silently would ship a module no engine accepts).
const isMain = process.argv[1] !== undefined && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1]);
if (isMain) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/relax-wasm.js <file.wasm>');
    process.exit(2);
  }
  const bytes = new Uint8Array(readFileSync(file));
  const simd = simdInstructions(bytes);
  const relaxed = simd.find((i) => i.sub >= 0x100);
  if (relaxed) {
    throw new Error(relaxed.sub === RELAXED_MADD
      ? `${file}: already holds f32x4.relaxed_madd (rewritten before?); relink it to rewrite it again`
      : `${file}: relaxed instruction 0xfd ${relaxed.sub} at byte ${relaxed.at} was not expected from clang 14`);
  }
  const found = simd.filter((i) => i.sub === OLD_FMA).map((i) => i.at);
  if (found.length === 0) throw new Error(`${file}: no f32x4 multiply-add found (was it built with -mrelaxed-simd?)`);
  // A second, independent decoder must see the same instructions: binaryen's wasm-dis (which
  // Emscripten brings) names the prototype opcode f32x4.relaxed_fma.
  const dis = spawnSync('wasm-dis', [file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (dis.status !== 0) throw new Error(`${file}: wasm-dis failed (${dis.error?.message ?? dis.stderr})`);
  const listed = (dis.stdout.match(/\bf32x4\.relaxed_fma\b/g) ?? []).length;
  const others = dis.stdout.match(/\b[fi]\d+x\d+\.relaxed_\w+/g)?.filter((op) => op !== 'f32x4.relaxed_fma') ?? [];
  if (listed !== found.length || others.length > 0) {
    throw new Error(`${file}: this decoder found ${found.length} f32x4.fma, wasm-dis lists ${listed}${others.length ? ` and ${others[0]}` : ''}`);
  }
  for (const at of found) {
    if (bytes[at] !== 0xaf || bytes[at + 1] !== 0x01) throw new Error(`byte ${at} is not an old f32x4.fma`);
    bytes[at] = 0x80 | (RELAXED_MADD & 0x7f);
    bytes[at + 1] = RELAXED_MADD >> 7;
  }
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20; later Node has it on
  if (!WebAssembly.validate(bytes)) throw new Error(`${file}: the rewritten module does not validate`);
  writeFileSync(file, bytes);
  console.log(`${file}: ${found.length} f32x4.relaxed_madd`);
}
