// Shared set-up of the browser tests: Debian's Chromium, headless, with the flags that work on
// this machine's closed network. BASE_URL is the console that scripts/test.sh started.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const SCREENSHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/// Resolves once the page's WebAssembly bundle has hydrated it. Leptos marks nothing, so the
/// test waits for the bundle to be fetched and instantiated, then proves it with a click.
export async function gotoAndWaitForWasm(page, path) {
  const wasmLoaded = page.waitForResponse((r) => r.url().endsWith('.wasm') && r.ok());
  await page.goto(BASE_URL + path);
  await wasmLoaded;
}
