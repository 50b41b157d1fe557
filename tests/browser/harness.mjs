// Shared by the browser tests (*.test.mjs here): where the server binary and Chromium are,
// starting the real server in a fresh data dir on a free loopback port (and always stopping
// it), launching Chromium headless, and the accessibility check every page test repeats.
// Not a test file itself: its name does not end in .test.mjs, so `node --test` skips it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const targetDir = path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target');
export const serverBin = process.env.BADGECOMMONS_BIN
  ? path.resolve(repoRoot, process.env.BADGECOMMONS_BIN)
  : path.join(targetDir, 'debug', 'badgecommons');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// As the machine notes say: without the background-networking flags Chromium
// keeps trying to reach Google's hosts, which this closed network refuses.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function requireServerBin() {
  if (!existsSync(serverBin)) {
    throw new Error(
      `server binary not found at ${serverBin}: run \`cargo build -p badgecommons --bin badgecommons\` ` +
        'or set BADGECOMMONS_BIN',
    );
  }
}

/** The environment the server and the CLI run in: always the default SQLite store of the data dir. */
function serverEnv() {
  const env = { ...process.env };
  delete env.BADGECOMMONS_DATABASE_URL;
  return env;
}

/**
 * Starts `badgecommons serve` in a fresh data dir on a free loopback port; resolves once
 * /healthz answers 200. `extraArgs(base)` adds arguments that need the address (e.g.
 * `--public-url`). The returned `stop()` kills the server (SIGKILL after 5 s) and removes the
 * data dir; an exit hook kills it too if the runner dies first.
 */
export async function startServer({ extraArgs = () => [] } = {}) {
  requireServerBin();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'badgecommons-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    serverBin,
    ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs(base)],
    { cwd: dataDir, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  // Last line of defence: never leave a server behind, even if the runner dies.
  const reaper = () => {
    if (exited === null) child.kill('SIGKILL');
  };
  process.on('exit', reaper);

  const server = {
    base,
    dataDir,
    child,
    log: () => log,
    /** Runs the CLI against this server's data dir; resolves with its output, rejects on failure. */
    cli(args, { stdin = '', timeoutMs = 30_000 } = {}) {
      return runCli(['--data-dir', dataDir, ...args], stdin, timeoutMs);
    },
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        const timedOut = await Promise.race([exitPromise.then(() => false), sleep(5000).then(() => true)]);
        if (timedOut) {
          child.kill('SIGKILL');
          await exitPromise;
        }
      }
      process.off('exit', reaper);
      await rm(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      await server.stop();
      throw new Error(`server exited early (${JSON.stringify(exited)}):\n${log}`);
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`server did not answer /healthz within 30 s:\n${log}`);
    }
    await sleep(100);
  }
}

function runCli(args, stdin, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(serverBin, args, { env: serverEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`badgecommons ${args.join(' ')} failed (${code ?? signal}):\n${out}`));
    });
    child.stdin.end(stdin);
  });
}

/** Debian's Chromium, headless; never a downloaded browser. */
export async function launchChromium() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no browser at ${chromiumPath}: install Debian's chromium (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * The visible form controls of the page that have no label: no <label> (wrapping or `for`)
 * with text, no aria-label, no aria-labelledby pointing at text. Buttons count as labelled
 * by their own text. Returns a description of each offender (empty when all is well).
 */
export async function unlabelledControls(page) {
  return page.evaluate(() => {
    const text = (el) => (el ? (el.textContent || '').trim() : '');
    const visible = (el) => {
      const style = getComputedStyle(el);
      return style.visibility !== 'hidden' && style.display !== 'none' && el.getClientRects().length > 0;
    };
    const offenders = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (el.tagName === 'INPUT' && type === 'hidden') continue;
      if (!visible(el)) continue;
      const named =
        (el.tagName === 'BUTTON' || ['submit', 'button', 'reset'].includes(type)
          ? text(el) || el.getAttribute('value')
          : '') ||
        [...(el.labels || [])].some((label) => text(label)) ||
        (el.getAttribute('aria-label') || '').trim() ||
        (el.getAttribute('aria-labelledby') || '')
          .split(/\s+/)
          .some((id) => text(document.getElementById(id)));
      if (!named) offenders.push(`<${el.tagName.toLowerCase()} name="${el.getAttribute('name') || ''}" id="${el.id}">`);
    }
    return offenders;
  });
}

/**
 * Signs `username` in through the /signin form and waits until the page header names them.
 * (The form's button is "Sign in" exactly: the page also has "Sign in with your domain".)
 */
export async function signIn(page, username, password) {
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/signin')),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.locator('header.site').getByRole('link', { name: username, exact: true }).waitFor();
}
