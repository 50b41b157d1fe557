// Browser test of recognition, end to end: Debian's Chromium, driven headless by
// playwright-core, against the real `badgecommons` binary in a fresh data dir. An admin signs
// in, creates a badge through the form (uploading a PNG), awards it to an email address,
// downloads the baked PNG, verifies it on /verify (valid, signature checked against the
// instance's own did:web document fetched over loopback), revokes it and verifies the same
// PNG again (revoked). Also: every visible form control has a label, and the pages read
// without JavaScript.
//
//   node --test tests/browser/          (after `npm ci` in tests/browser and
//                                        `cargo build -p badgecommons --bin badgecommons`)
//
// Environment: as forum.test.mjs (BADGECOMMONS_BIN, CHROMIUM_PATH; always SQLite).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { launchChromium, startServer, unlabelledControls, signIn } from './harness.mjs';

const ADMIN = 'ada';
const PASSWORD = 'browser-test-password-1';
const RECIPIENT = 'grace@example.org';
// Every step is bounded: Playwright's own waits stop at ACTION_MS, each step at STEP_MS.
const ACTION_MS = 15_000;
const STEP_MS = 60_000;

/** A small, valid PNG made here (so the test needs no binary fixture): 64×64, one colour. */
function makePng(side = 64, rgba = [0x2a, 0x6f, 0xdb, 0xff]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: side }, () => rgba).flat())]);
  const pixels = Buffer.concat(Array.from({ length: side }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The text chunks of a PNG: their type and keyword (enough to see a baked credential). */
function pngTextChunks(bytes) {
  const found = [];
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (type === 'iTXt' || type === 'tEXt' || type === 'zTXt') {
      const data = bytes.subarray(offset + 8, offset + 8 + length);
      found.push({ type, keyword: data.toString('latin1', 0, Math.max(0, data.indexOf(0))) });
    }
    offset += 12 + length;
  }
  return found;
}

describe('recognition in a real browser: award, bake, verify, revoke', () => {
  let server;
  let browser;
  /** @type {import('playwright-core').BrowserContext} */
  let admin;
  /** @type {import('playwright-core').Page} */
  let page;
  let tmp; // downloads and the uploaded image
  const serverErrors = []; // any 5xx response seen by any page
  let failed = false; // print the server's log at the end when a step failed
  const step = (name, fn) =>
    test(name, { timeout: STEP_MS }, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const badgeName = `Browser Badge ${stamp}`;
  let badgePath = null; // /badges/{id}
  let credentialPath = null; // /credentials/{id}
  let bakedPng = null; // where the download was saved
  let issuerName = null; // as the credential page names it

  function watch(p) {
    p.setDefaultTimeout(ACTION_MS);
    p.setDefaultNavigationTimeout(ACTION_MS);
    p.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
  }

  /** Submits the form of `button` and waits for the page it leads to. */
  async function submit(p, button, urlPredicate) {
    await Promise.all([p.waitForURL(urlPredicate), button.click()]);
  }

  /** Focuses `start`, presses Tab `count` times and names what each press reached (id, else text). */
  async function tabOrder(p, start, count) {
    await start.focus();
    const reached = [];
    for (let i = 0; i < count; i++) {
      await p.keyboard.press('Tab');
      reached.push(await p.evaluate(() => document.activeElement.id || document.activeElement.name || document.activeElement.textContent.trim()));
    }
    return reached;
  }

  /** Uploads `file` on /verify and returns the result section. */
  async function verifyImage(p, file) {
    await p.goto('/verify');
    await p.getByLabel(/upload a baked badge image/).setInputFiles(file);
    await Promise.all([
      p.waitForResponse((res) => res.url().endsWith('/verify') && res.request().method() === 'POST'),
      p.getByRole('button', { name: 'Verify', exact: true }).click(),
    ]);
    const result = p.locator('section[aria-labelledby="result"]');
    await result.waitFor();
    return result;
  }

  /** The status cell of the check with this id in the checks table. */
  async function checkStatus(result, id) {
    const row = result.locator('table tbody tr', { has: result.page().locator('td code', { hasText: new RegExp(`^${id}$`) }) });
    assert.equal(await row.count(), 1, `the checks table has one "${id}" row`);
    return (await row.locator('td').first().innerText()).trim();
  }

  before(async () => {
    try {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'badgecommons-recognition-'));
      // The public URL is the loopback address itself, so the credentials' did:web issuer and
      // status list are this server, which /verify may fetch because loopback is allowed.
      server = await startServer({
        extraArgs: (base) => ['--public-url', base, '--fetch-allow', '127.0.0.0/8'],
      });
      await server.cli(
        ['admin', 'create-user', '--username', ADMIN, '--email', 'ada@example.org', '--role', 'admin', '--password-stdin'],
        { stdin: `${PASSWORD}\n` },
      );
      browser = await launchChromium();
      admin = await browser.newContext({ baseURL: server.base, acceptDownloads: true });
      page = await admin.newPage();
      watch(page);
    } catch (err) {
      failed = true;
      throw err;
    }
  });

  after(async () => {
    // Each step is guarded so that a failure in one never leaves the server running.
    try {
      if (browser) await browser.close();
    } finally {
      try {
        if (server) {
          if (failed) console.error(`--- server log ---\n${server.log()}`);
          await server.stop();
        }
      } finally {
        if (tmp) await rm(tmp, { recursive: true, force: true });
      }
    }
  });

  step('the admin signs in through the form', async () => {
    await signIn(page, ADMIN, PASSWORD);
  });

  step('the badge form labels every control and creates a badge with an uploaded PNG', async () => {
    await page.goto('/badges/new');
    assert.deepEqual(await unlabelledControls(page), [], 'every visible control of /badges/new has a label');
    // Keyboard: every field, the file input and the checkbox included, is reached by Tab, in order.
    assert.deepEqual(
      await tabOrder(page, page.getByLabel('Name', { exact: true }), 8),
      ['description', 'criteria', 'criteria_url', 'image', 'tags', 'alignments', 'peer_awardable', 'Create badge'],
      'Tab order through the badge form',
    );
    const image = path.join(tmp, 'badge.png');
    await writeFile(image, makePng());
    await page.getByLabel('Name', { exact: true }).fill(badgeName);
    await page.getByLabel(/^Description/).fill('Given in a browser test, for checking the whole path of a badge.');
    await page.getByLabel(/^Criteria: what earning it takes/).fill('Run the **browser test**.');
    await page.getByLabel(/^Image/).setInputFiles(image);
    await page.getByLabel(/^Tags/).fill('test, browser');
    await submit(page, page.getByRole('button', { name: 'Create badge' }), (url) => /^\/badges\/\d+$/.test(url.pathname));
    badgePath = new URL(page.url()).pathname;
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), badgeName);
    const img = await page.request.get(`${badgePath}/image`);
    assert.equal(img.status(), 200, 'the uploaded image is served');
    assert.match(img.headers()['content-type'] || '', /^image\/png/);
  });

  step('the award form on the badge page awards it to an email address', async () => {
    assert.ok(badgePath, 'a badge was created');
    await page.goto(badgePath);
    assert.deepEqual(await unlabelledControls(page), [], 'every visible control of the badge page has a label');
    const form = page.locator('section[aria-labelledby="award-heading"]');
    await form.getByLabel('Username or email address').fill(RECIPIENT);
    await form.getByLabel(/^Recipient's name/).fill('Grace Hopper');
    await form.getByLabel(/^Why/).fill('For finding the first bug.');
    await submit(page, form.getByRole('button', { name: 'Award', exact: true }), (url) => /^\/credentials\/[^/.]+$/.test(url.pathname));
    credentialPath = new URL(page.url()).pathname;
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), badgeName);
    const issuerCell = page.locator('dt', { hasText: /^Issuer$/ }).locator('xpath=following-sibling::dd[1]');
    issuerName = (await issuerCell.innerText()).trim();
    assert.ok(issuerName, 'the credential page names the issuer');
    assert.equal(await page.getByRole('alert').count(), 0, 'not revoked');
  });

  step('the baked PNG downloads from the credential page', async () => {
    assert.ok(credentialPath, 'an award was made');
    await page.goto(credentialPath);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Baked PNG', exact: true }).click(),
    ]);
    bakedPng = path.join(tmp, 'baked.png');
    await download.saveAs(bakedPng);
    assert.equal(download.failure ? await download.failure() : null, null, 'the download completed');
    const bytes = await readFile(bakedPng);
    assert.ok((await stat(bakedPng)).size > 100, 'the PNG is not empty');
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'it is a PNG');
    const chunks = pngTextChunks(bytes);
    assert.ok(
      chunks.some((c) => c.type === 'iTXt' && c.keyword === 'openbadgecredential'),
      `a credential is baked into it (OB 3.0: an iTXt openbadgecredential chunk; found ${JSON.stringify(chunks)})`,
    );
  });

  step('/verify labels every control and says the baked PNG is valid', async () => {
    assert.ok(bakedPng, 'the PNG was downloaded');
    await page.goto('/verify');
    assert.deepEqual(await unlabelledControls(page), [], 'every visible control of /verify has a label');
    // Keyboard: from the URL field, Tab walks the form's fields in order to the Verify button.
    assert.deepEqual(
      await tabOrder(page, page.getByLabel(/^The badge's URL/), 3),
      ['credential', 'image', 'Verify'],
      'Tab order through the verify form',
    );

    const result = await verifyImage(page, bakedPng);
    assert.equal(await result.getByRole('heading', { level: 2 }).innerText(), 'Result: Valid');
    const verdict = await result.getByText(/^Overall verdict:/).innerText();
    assert.match(verdict, /Overall verdict: valid\b/);
    const facts = result.locator('dl');
    assert.ok((await facts.innerText()).includes(badgeName), 'the result names the badge');
    const issuer = (await facts.locator('dt', { hasText: /^Issuer$/ }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
    assert.ok(issuer.includes(issuerName), `the result names the issuer "${issuerName}" (found "${issuer}")`);
    assert.equal(await checkStatus(result, 'proof'), 'pass', 'the signature check passed');
    // The status list was fetched from this server over loopback, or the standing would be
    // "Revocation could not be checked" rather than "Valid".
    assert.equal(await checkStatus(result, 'revocation'), 'pass', 'the revocation check passed');
  });

  step('the admin revokes the award with a reason', async () => {
    assert.ok(credentialPath, 'an award was made');
    await page.goto(credentialPath);
    await page.getByLabel(/^Reason/).fill('Awarded by a browser test');
    await submit(page, page.getByRole('button', { name: 'Revoke this badge' }), (url) => url.pathname === credentialPath);
    // The redirect lands back on the credential page, now saying it is revoked.
    await page.getByRole('alert').filter({ hasText: 'Revoked' }).waitFor();
    assert.ok((await page.getByRole('alert').innerText()).includes('Awarded by a browser test'));
  });

  step('/verify now says the same PNG is revoked', async () => {
    assert.ok(bakedPng, 'the PNG was downloaded');
    const result = await verifyImage(page, bakedPng);
    assert.equal(await result.getByRole('heading', { level: 2 }).innerText(), 'Result: Revoked');
    assert.match(await result.getByText(/^Overall verdict:/).innerText(), /Overall verdict: not valid\b/);
    assert.equal(await checkStatus(result, 'proof'), 'pass', 'the signature itself is still good');
    assert.equal(await checkStatus(result, 'revocation'), 'fail', 'the revocation check failed');
  });

  describe('a visitor with JavaScript off', () => {
    /** @type {import('playwright-core').BrowserContext} */
    let visitor;
    /** @type {import('playwright-core').Page} */
    let reader;

    before(async () => {
      visitor = await browser.newContext({ baseURL: server.base, javaScriptEnabled: false });
      reader = await visitor.newPage();
      watch(reader);
    });

    after(async () => {
      if (visitor) await visitor.close();
    });

    step('reads the badge list and the badge page', async () => {
      assert.ok(badgePath, 'a badge was created');
      const res = await reader.goto('/badges');
      assert.equal(res.status(), 200);
      await reader.getByRole('link', { name: badgeName }).first().waitFor();
      assert.equal((await reader.goto(badgePath)).status(), 200);
      assert.equal(await reader.getByRole('heading', { level: 1 }).innerText(), badgeName);
      assert.equal(await reader.getByRole('button', { name: 'Award', exact: true }).count(), 0, 'no award form when signed out');
    });

    step('reads the credential page, revoked, with its downloads', async () => {
      assert.ok(credentialPath, 'an award was made');
      const res = await reader.goto(credentialPath);
      assert.equal(res.status(), 200);
      assert.equal(await reader.getByRole('heading', { level: 1 }).innerText(), badgeName);
      assert.ok(await reader.getByRole('alert').filter({ hasText: 'Revoked' }).isVisible(), 'the revocation is shown');
      assert.ok(await reader.getByRole('link', { name: 'Baked PNG', exact: true }).isVisible());
      assert.equal(await reader.getByRole('button', { name: 'Revoke this badge' }).count(), 0, 'no revoke form when signed out');
    });

    step('verifies the PNG on /verify without JavaScript, every control labelled', async () => {
      assert.ok(bakedPng, 'the PNG was downloaded');
      assert.equal((await reader.goto('/verify')).status(), 200);
      assert.deepEqual(await unlabelledControls(reader), []);
      // A plain multipart form post: no script needed to check a badge.
      const result = await verifyImage(reader, bakedPng);
      assert.equal(await result.getByRole('heading', { level: 2 }).innerText(), 'Result: Revoked');
      assert.ok((await result.locator('dl').innerText()).includes(badgeName), 'the result names the badge');
    });
  });

  step('no page answered with a server error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
