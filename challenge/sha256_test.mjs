// Tests the JavaScript in challenge.html as shipped: its SHA-256, its leading-zero-bits count and
// the worker's nonce search, against node's own crypto. Run: node challenge/sha256_test.mjs
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const page = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'challenge.html'), 'utf8');

// The text between two marker comments; each marker must appear exactly once.
function between(begin, end) {
  const a = page.split(begin), b = page.split(end);
  assert.equal(a.length, 2, `${begin} must appear once in challenge.html`);
  assert.equal(b.length, 2, `${end} must appear once in challenge.html`);
  const start = a[0].length + begin.length, stop = b[0].length;
  assert.ok(start < stop, `${begin} must come before ${end}`);
  return page.slice(start, stop);
}

const { sha256, leadingZeroBits } = new Function(
  between('/* sha256:begin */', '/* sha256:end */') + '\nreturn { sha256, leadingZeroBits };')();
const solverSource = between('/* solver:begin */', '/* solver:end */');

const utf8 = (s) => new TextEncoder().encode(s);
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const reference = (bytes) => createHash('sha256').update(bytes).digest('hex');
let passed = 0;
function test(name, fn) {
  return Promise.resolve().then(fn).then(
    () => { passed++; },
    (e) => { console.error(`FAIL ${name}\n${e.stack}`); process.exitCode = 1; });
}

// Known answers (FIPS 180-4 examples and the usual long-message vector).
await test('known vectors', () => {
  assert.equal(hex(sha256(utf8(''))),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(sha256(utf8('abc'))),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assert.equal(hex(sha256(new Uint8Array(1000000).fill(0x61))),
    'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

// Every length around the padding edges: 55 bytes is the last to fit in one block, 56 needs two,
// 64 is exactly one full block, and so on up to three blocks.
await test('block boundaries', () => {
  for (let n = 0; n <= 200; n++) {
    const m = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
    assert.equal(hex(sha256(m)), reference(m), `length ${n}`);
  }
});

await test('utf-8 text', () => {
  for (const s of ['é', 'Grüße aus Köln', '日本語のテキスト', '🦀 emoji 👍🏽', 'x'.repeat(63) + 'ß']) {
    assert.equal(hex(sha256(utf8(s))), reference(Buffer.from(s, 'utf8')), s);
  }
});

await test('leading zero bits', () => {
  const d = (...bytes) => Uint8Array.from([...bytes, ...new Array(32 - bytes.length).fill(0xff)]);
  assert.equal(leadingZeroBits(d(0x80)), 0);
  assert.equal(leadingZeroBits(d(0x7f)), 1);
  assert.equal(leadingZeroBits(d(0x01)), 7);
  assert.equal(leadingZeroBits(d(0x00, 0x80)), 8);
  assert.equal(leadingZeroBits(d(0x00, 0x0f)), 12);
  assert.equal(leadingZeroBits(d(0, 0, 0, 0x01)), 31);
  assert.equal(leadingZeroBits(d(0, 0, 0, 0, 0x40)), 33);
  assert.equal(leadingZeroBits(new Uint8Array(32)), 256);
  assert.equal(leadingZeroBits(new Uint8Array(31).fill(0).map((_, i) => i === 30 ? 1 : 0)), 247);
  // Against a bit string count, over real digests.
  for (let i = 0; i < 2000; i++) {
    const digest = createHash('sha256').update(`x${i}`).digest();
    digest.fill(0, 0, i % 5); // force some leading zero bytes
    const bits = [...digest].map((b) => b.toString(2).padStart(8, '0')).join('');
    assert.equal(leadingZeroBits(digest), bits.length - bits.replace(/^0+/, '').length);
  }
});

// Runs the worker code in node: `self` records what the worker posts, and a fake clock that
// moves 50 ms per reading makes the progress reports deterministic.
function solve(challenge, difficulty) {
  const progress = [];
  let answer, clock = 0;
  const self = {
    postMessage(m) {
      if (m.tried !== undefined) progress.push(m.tried);
      else answer = m.nonce;
    },
  };
  const performance = { now: () => (clock += 50) };
  new Function('self', 'performance', solverSource + '\nsolver();')(self, performance);
  self.onmessage({ data: { challenge, difficulty } }); // the search is synchronous
  assert.ok(Number.isInteger(answer), 'no answer posted');
  return { nonce: answer, progress };
}

const bitsOf = (challenge, nonce) => leadingZeroBits(createHash('sha256').update(challenge + nonce).digest());

// The answer must be the first nonce that meets the difficulty, whatever the challenge's length
// (0..200 bytes covers one- and two-block tails after 0..3 precomputed whole blocks).
await test('search', () => {
  for (let len = 0; len <= 200; len++) {
    const challenge = 'Az09._-'.repeat(30).slice(0, len);
    const difficulty = len % 11;
    const { nonce } = solve(challenge, difficulty);
    assert.ok(bitsOf(challenge, nonce) >= difficulty, `length ${len}: nonce ${nonce}`);
    for (let n = 0; n < nonce; n++) assert.ok(bitsOf(challenge, n) < difficulty, `length ${len}: ${n} < ${nonce}`);
  }
});

await test('difficulty 0 and growing nonces', () => {
  assert.equal(solve('tok', 0).nonce, 0);
  // Difficulty 16 walks through 1- to 5-digit nonces; 50 + digits crosses the 55/56 edge.
  const challenge = 'c'.repeat(50);
  const { nonce } = solve(challenge, 16);
  assert.ok(bitsOf(challenge, nonce) >= 16);
});

await test('progress reports', () => {
  const { nonce, progress } = solve('progress-token', 18);
  assert.ok(bitsOf('progress-token', nonce) >= 18);
  assert.ok(nonce > 3 * 8192, `nonce ${nonce}: pick a token that needs longer`);
  // The clock is read every 4096 nonces and passes the 100 ms mark every second reading.
  assert.deepEqual(progress, Array.from({ length: Math.floor((nonce + 1) / 8192) }, (_, i) => (i + 1) * 8192));
});

await test('placeholders', () => {
  for (const name of ['challenge', 'difficulty', 'verify_path', 'method', 'nojs_url', 'nojs_delay', 'site']) {
    assert.ok(page.includes(`{{${name}}}`), `{{${name}}} missing`);
  }
  const unknown = [...page.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1])
    .filter((n) => !['challenge', 'difficulty', 'verify_path', 'method', 'nojs_url', 'nojs_delay', 'site'].includes(n));
  assert.deepEqual(unknown, []);
  // Self-contained: nothing loaded from elsewhere.
  assert.ok(!/\b(src|href|action)\s*=\s*["']?(https?:)?\/\//i.test(page), 'absolute URL in the page');
  assert.ok(!/<(img|iframe|link|object|embed)\b|<script[^>]*\ssrc/i.test(page), 'external resource');
  assert.ok(!/@import|@font-face|url\(/i.test(between('<style>', '</style>')), 'CSS loads something');
  // Light: under 12 KB as served, with typical values filled in.
  const token = 'x'.repeat(43);
  const served = page.replaceAll('{{challenge}}', token).replaceAll('{{difficulty}}', '16')
    .replaceAll('{{verify_path}}', '/.rampart/challenge').replaceAll('{{method}}', 'GET')
    .replaceAll('{{nojs_url}}', `/.rampart/challenge/nojs?t=${token}&amp;return=%2Fshop%2Fcart%3Fid%3D12345`)
    .replaceAll('{{nojs_delay}}', '10').replaceAll('{{site}}', 'www.example-shop.com');
  assert.ok(Buffer.byteLength(served) < 12 * 1024, `page is ${Buffer.byteLength(served)} bytes as served`);
});

console.log(`${passed} test groups passed${process.exitCode ? ', some FAILED' : ''}`);
