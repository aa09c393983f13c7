// The HTML report of `switchboard test --html` in real headless Chromium: one shipped scenario
// that passes (with speech, so the call has latencies and a histogram) and one that must fail
// (a phone number read back as a grouped number). The page must stand alone — no request
// leaves the file — show the failed run open with its reasons and the passed run folded, and
// draw the latency histogram.
//
// Usage: node tests/browser/report.test.mjs
//   SWITCHBOARD_BIN  the binary (default target/release/switchboard)
//   CHROMIUM         the browser (default /usr/bin/chromium)
// The report and its screenshot are kept in target/browser/.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.SWITCHBOARD_BIN || join(root, 'target/release/switchboard');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = join(root, 'target/browser');
const report = join(artifacts, 'report.html');

const PASSING = 'examples/agents/northloop/scenarios/unclear-audio.yaml';
const FAILING = 'crates/scenario/tests/data/assertions/readback-grouped.yaml';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function runScenarios() {
  mkdirSync(artifacts, { recursive: true });
  const run = spawnSync(binary, ['test', PASSING, FAILING, '--html', report], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  // 1: a scenario failed, which is what this run is for; anything else is a broken run.
  check(
    run.status === 1,
    `switchboard test exited ${run.status}, not 1\n${run.stdout}\n${run.stderr}`,
  );
}

async function main() {
  runScenarios();
  const browser = await chromium.launch({ executablePath: browserPath, headless: true });
  try {
    const page = await browser.newPage();
    const fetched = [];
    page.on('request', (request) => fetched.push(request.url()));
    await page.goto(pathToFileURL(report).href);

    const own = pathToFileURL(report).href;
    const elsewhere = fetched.filter((url) => url !== own && !url.startsWith('data:'));
    check(elsewhere.length === 0, `the report fetched ${elsewhere.join(', ')}`);

    const sections = page.locator('section.scenario');
    check((await sections.count()) === 2, `${await sections.count()} scenarios shown, not 2`);

    const failed = page.locator('section.scenario.fail');
    check((await failed.count()) === 1, 'the failing scenario is not marked failed');
    const failedRun = failed.locator('details').first();
    check(
      (await failedRun.getAttribute('open')) !== null,
      "the failed run is not open",
    );
    const reasons = await failed.locator('ul.failures').innerText();
    check(/readback/.test(reasons), `the failure does not name the readback: ${reasons}`);
    check(
      await failed.locator('table.timeline').isVisible(),
      "the failed call's timeline is not visible",
    );

    const passed = page.locator('section.scenario.pass');
    check((await passed.count()) === 1, 'the passing scenario is not marked passed');
    const passedRun = passed.locator('details').first();
    check((await passedRun.getAttribute('open')) === null, 'the passed run is not folded');
    check(
      !(await passed.locator('table.timeline').isVisible()),
      "the passed call's timeline shows while folded",
    );
    // Unfolding it shows its timeline and the histogram of its turns' latencies.
    await passedRun.locator('summary').click();
    check(
      await passed.locator('table.timeline').isVisible(),
      'the passed call does not unfold',
    );
    const histogram = passed.locator('svg.histogram');
    check(await histogram.isVisible(), 'no latency histogram is drawn');
    const box = await histogram.boundingBox();
    check(box && box.width > 50 && box.height > 20, `the histogram is ${JSON.stringify(box)}`);
    const bars = await histogram.locator('rect.bar').count();
    check(bars > 0, 'the histogram has no bars');

    const screenshot = join(artifacts, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`report: failed run open, passed run folded, ${bars} histogram bar(s); ${screenshot}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
