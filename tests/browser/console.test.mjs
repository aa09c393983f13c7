// The web console in real headless Chromium: Debian's `chromium`, driven by playwright-core,
// with Chromium's fake microphone playing espeak-ng speech into the page. The gateway serves
// the NorthLoop agent in rehearsal mode, so the emulator plays the model: its script supplies
// the caller transcripts, the agent's replies and the tool calls. A second call reaches a copy
// of the dynamic-flow example with a rehearsal script, for a state transition (NorthLoop's flow
// is static, so it never moves state).
//
// Usage: node tests/browser/console.test.mjs
//   SWITCHBOARD_BIN  the binary to serve with (default target/release/switchboard)
//   CHROMIUM         the browser (default /usr/bin/chromium)
// The screenshot is kept at target/browser/console.png.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.SWITCHBOARD_BIN || join(root, 'target/release/switchboard');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = join(root, 'target/browser');
const work = mkdtempSync(join(tmpdir(), 'switchboard-console-'));

// What the caller says. The emulator cannot recognise speech, so the words only need to be
// speech for its VAD; each phrase is followed by silence so it ends a turn.
const PHRASES = [
  'My internet keeps dropping.',
  "It's four one five, five five five, zero one two three.",
  "Yes, that's right.",
];
const RATE = 48000;
const SILENCE_SECONDS = 1.5;
// Long enough for the greeting and three caller turns up to the account lookup.
const WAIT_MS = 120_000;

// The dynamic-flow example's model side (from its scenario), as a rehearsal script.
const DYNAMIC_REHEARSAL = `responses:
  - say: Thanks for calling NorthLoop. What's the email or phone number on your account?
  - heard: It's 415 555 0123.
    say: Thanks. I have 4-1-5-5-5-5-0-1-2-3. Is that correct?
  - heard: "Yes."
    calls:
      - name: lookup_account
        arguments: {email_or_phone: "4155550123"}
  - calls:
      - name: set_conversation_state
        arguments: {next_state: resolve}
  - say: Found your account. I can send a technician tomorrow, 10 to 12 or 2 to 4 Eastern.
`;

function dynamicAgent() {
  const dir = join(work, 'dynamic-verify-resolve');
  mkdirSync(dir);
  copyFileSync(join(root, 'examples/agents/dynamic-verify-resolve/agent.yaml'), join(dir, 'agent.yaml'));
  writeFileSync(join(dir, 'rehearsal.yaml'), DYNAMIC_REHEARSAL);
  return dir;
}

function fail(message) {
  throw new Error(message);
}

// The samples of a 16-bit mono PCM WAV file, and its rate.
function readWav(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    fail(`${path} is not a WAV file`);
  }
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    // espeak-ng writes a data size of 0x7ffff000 when it streams; the rest of the file is data.
    const size = Math.min(bytes.readUInt32LE(offset + 4), bytes.length - offset - 8);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = bytes.readUInt16LE(body);
      const channels = bytes.readUInt16LE(body + 2);
      const bits = bytes.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16) fail(`${path}: not 16-bit mono PCM`);
      rate = bytes.readUInt32LE(body + 4);
    } else if (id === 'data') {
      const samples = new Int16Array(size >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + 2 * i);
      return { rate, samples };
    }
    offset = body + size + (size & 1);
  }
  fail(`${path} has no data chunk`);
}

function resample(samples, from, to) {
  const out = new Int16Array(Math.floor((samples.length * to) / from));
  for (let i = 0; i < out.length; i++) {
    const position = (i * from) / to;
    const index = Math.floor(position);
    const next = Math.min(index + 1, samples.length - 1);
    out[i] = Math.round(samples[index] + (samples[next] - samples[index]) * (position - index));
  }
  return out;
}

function writeWav(path, samples, rate) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length * 2, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length * 2, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(samples.buffer)]));
}

// espeak-ng speech, each phrase followed by silence, as one 48 kHz WAV the fake mic loops.
function callerSpeech() {
  const parts = [];
  PHRASES.forEach((phrase, n) => {
    const raw = join(work, `phrase-${n}.wav`);
    execFileSync('espeak-ng', ['-w', raw, phrase]);
    const { rate, samples } = readWav(raw);
    parts.push(resample(samples, rate, RATE), new Int16Array(Math.round(RATE * SILENCE_SECONDS)));
  });
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Int16Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const path = join(work, 'caller.wav');
  writeWav(path, all, RATE);
  return path;
}

function freePort() {
  return new Promise((done, error) => {
    const server = createServer();
    server.once('error', error);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function startGateway(port) {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY; // rehearsal mode
  const gateway = spawn(
    binary,
    ['serve', join(root, 'examples/agents/northloop'), dynamicAgent(), '--listen', `127.0.0.1:${port}`, '--data', join(work, 'data')],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  gateway.stdout.on('data', (chunk) => (log += chunk));
  gateway.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((done) => gateway.once('exit', (code) => done(code)));
  for (let attempt = 0; attempt < 100; attempt++) {
    const code = await Promise.race([exited, new Promise((done) => setTimeout(() => done(undefined), 100))]);
    if (code !== undefined) fail(`the gateway exited with ${code}:\n${log}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return { gateway, log: () => log };
    } catch (_) {
      // Not listening yet.
    }
  }
  gateway.kill();
  fail(`the gateway did not start:\n${log}`);
}

// One call from the console to `agent`, until the page shows what `complete` wants; then a
// screenshot (target/browser/console-AGENT.png) and a click on Stop. Returns what was shown.
async function call(browser, port, log, agent, complete) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));

  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#agent', agent);
  await page.click('#start');

  // What the page shows, read in one go so a failure says which
  // parts were missing.
  const shown = () => {
    const text = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.textContent.trim());
    return {
      callerLines: text('#transcript li.caller .text').filter((t) => t.length > 0),
      agentLines: text('#transcript li.agent .text').filter((t) => t.length > 0),
      tools: text('#tools li.tool'),
      transitions: text('#tools li.transition'),
      guards: text('#tools li.guard'),
      state: document.getElementById('state').textContent.trim(),
      latency: text('#latency li'),
      sentChunks: Number(document.getElementById('sent-chunks').textContent),
      audioChunks: Number(document.getElementById('audio-chunks').textContent),
    };
  };
  try {
    await page.waitForFunction(
      `(${complete.toString()})((${shown.toString()})())`,
      null,
      { timeout: WAIT_MS, polling: 250 },
    );
  } catch (error) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `console-${agent}-failed.png`), fullPage: true });
    const seen = await page.evaluate(shown);
    fail(
      `the page did not show everything: ${JSON.stringify(seen, null, 2)}\n` +
        `browser console:\n${consoleLines.join('\n')}\ngateway log:\n${log()}\n${error.message}`,
    );
  }
  const seen = await page.evaluate(shown);

  mkdirSync(artifacts, { recursive: true });
  const screenshot = join(artifacts, `console-${agent}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });

  await page.click('#start'); // stop
  await page.waitForFunction(() => document.getElementById('status').textContent === 'idle');
  await page.close();
  console.log(
    `ok ${agent}: ${seen.callerLines.length} caller and ${seen.agentLines.length} agent transcript lines, ` +
      `${seen.tools.length} tool calls, state ${seen.state}, ${seen.guards.length} guard decisions, ` +
      `${seen.latency.length} latency entries, ${seen.sentChunks} chunks sent, ${seen.audioChunks} received; ` +
      `screenshot ${screenshot}`,
  );
  return seen;
}

async function main() {
  const wav = callerSpeech();
  const port = await freePort();
  const { gateway, log } = await startGateway(port);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: browserPath,
      headless: true,
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    const northloop = await call(browser, port, log, 'northloop', (s) =>
      s.callerLines.length > 0 &&
      s.agentLines.length > 0 &&
      s.tools.some((t) => t.startsWith('lookup_account(')) &&
      s.guards.length > 0 &&
      s.latency.length > 0 &&
      s.sentChunks > 0 &&
      s.audioChunks > 0,
    );
    const lookup = northloop.tools.find((t) => t.startsWith('lookup_account('));
    if (!lookup.includes('4155550123') || !lookup.includes('ok')) fail(`unexpected tool line: ${lookup}`);
    const dynamic = await call(browser, port, log, 'dynamic-verify-resolve', (s) =>
      s.state === 'resolve' && s.transitions.length > 0 && s.tools.some((t) => t.startsWith('set_conversation_state(')),
    );
    if (!dynamic.transitions.includes('state verify → resolve')) fail(`unexpected transitions: ${dynamic.transitions}`);
  } finally {
    if (browser) await browser.close();
    gateway.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`FAIL: ${error.message}`);
  process.exitCode = 1;
});
