/**
 * The npm-shipped Chromium (what a machine without Debian's chromium runs the browser suites on) is
 * tested here even where Debian's is installed: it launches from what `npm ci` put in node_modules,
 * runs a page's script and dials a loopback WebSocket. A wrong CRAFT_SYNC_CHROMIUM says so.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Browser } from 'playwright-core';
import { chromiumExecutable, launchChromium } from './chromium.ts';

let browser: Browser;
let wss: WebSocketServer;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => socket.on('message', (m) => socket.send(`echo:${String(m)}`)));
  await new Promise((resolve) => wss.once('listening', resolve));
  browser = await launchChromium({ bundled: true });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => wss?.close(resolve));
});

describe('npm-shipped Chromium', () => {
  it('is the @sparticuz/chromium build, unpacked outside the system paths', () => {
    const { version } = JSON.parse(readFileSync(join(pkgRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(browser.version().split('.')[0]).toBe(version.split('.')[0]);
    const chosen = chromiumExecutable(true);
    expect(chosen.source).toBe('bundled');
    expect(chosen.executablePath).not.toMatch(/^\/usr\//);
  });

  it('runs a page script that round-trips a message over a loopback WebSocket', async () => {
    const { port } = wss.address() as AddressInfo;
    const page = await browser.newPage();
    await page.setContent('<p id="out">waiting</p>');
    const reply = await page.evaluate(
      (url) =>
        new Promise<string>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onopen = () => ws.send('ping');
          ws.onmessage = (e) => resolve(String(e.data));
          ws.onerror = () => reject(new Error('WebSocket failed'));
        }),
      `ws://127.0.0.1:${port}/`,
    );
    expect(reply).toBe('echo:ping');
    await page.close();
  });

  it('a CRAFT_SYNC_CHROMIUM that does not exist is refused with what to do', () => {
    const before = process.env.CRAFT_SYNC_CHROMIUM;
    process.env.CRAFT_SYNC_CHROMIUM = join(dirname(pkgRoot()), 'no-such-chromium');
    try {
      expect(() => chromiumExecutable()).toThrow(/does not exist: unset it/);
    } finally {
      if (before === undefined) delete process.env.CRAFT_SYNC_CHROMIUM;
      else process.env.CRAFT_SYNC_CHROMIUM = before;
    }
  });
});

function pkgRoot(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
}
