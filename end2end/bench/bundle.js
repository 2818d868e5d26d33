// What a browser downloads to open each console page on a fresh visit: the main module, the
// chunks the page needs (app/src/routes.rs; scripts/build-site.sh splits them) and the scripts,
// as sent over the wire (gzip for a release site). A benchmark: it prints figures, asserts none.
//
//   BASE_URL=http://127.0.0.1:3000 E2E_ADMIN=admin E2E_PASSWORD=... node end2end/bench/bundle.js
//
// Against a server serving the release site (`scripts/build-site.sh release`); BENCHMARKS.md
// "The console's browser bundle" has the figures and the commands that start such a server.
import { launch, signedInContext, BASE_URL } from '../tests/browser.js';

const PAGES = ['/', '/jobs', '/jobs/no-such-job', '/submit', '/definitions', '/queues', '/environments', '/policies', '/users', '/audit'];

const browser = await launch();
const rows = [];
for (const path of PAGES) {
  // A context of its own per page: nothing cached from the page before.
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(BASE_URL + path);
  await page.waitForSelector('body[data-hydrated]', { timeout: 120000 });
  // From the start of navigation to the page's handlers attached (polled every ~16 ms).
  const hydratedMs = await page.evaluate(() => performance.now());
  const sizes = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((entry) => /\.(wasm|js)$/.test(new URL(entry.name).pathname))
    .map((entry) => ({ name: new URL(entry.name).pathname.split('/').pop(), wire: entry.encodedBodySize, body: entry.decodedBodySize })));
  const sum = (pick) => sizes.filter(pick).reduce((total, entry) => total + entry.wire, 0);
  rows.push({
    path,
    main: sum((entry) => entry.name === 'batch_bg.wasm'),
    chunks: sum((entry) => entry.name.endsWith('.wasm') && entry.name !== 'batch_bg.wasm'),
    chunkCount: sizes.filter((entry) => entry.name.endsWith('.wasm') && entry.name !== 'batch_bg.wasm').length,
    scripts: sum((entry) => entry.name.endsWith('.js')),
    hydratedMs,
  });
  await context.close();
}
await browser.close();

const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
console.log('| page | main module | its chunks | scripts | total | hydrated after |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| \`${row.path}\` | ${kb(row.main)} | ${kb(row.chunks)} (${row.chunkCount}) | ${kb(row.scripts)} | ${kb(row.main + row.chunks + row.scripts)} | ${Math.round(row.hydratedMs)} ms |`);
}
