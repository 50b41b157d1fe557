// Browser test: Debian's Chromium, driven headless by playwright-core, against
// the real `badgecommons` binary with a demo community in a fresh data dir.
//
//   node --test tests/browser/          (after `npm ci` in tests/browser and
//                                        `cargo build -p badgecommons --bin badgecommons`)
//
// Environment:
//   BADGECOMMONS_BIN        the server binary (default: $CARGO_TARGET_DIR or
//                           <repo>/target, then debug/badgecommons)
//   CHROMIUM_PATH           the browser (default /usr/bin/chromium); never downloaded
//   BADGECOMMONS_SCREENSHOT_DIR  where the phone-sized screenshot goes (default: a new temp dir)
//   BADGECOMMONS_TEST_POSTGRES   ignored here: the browser test always uses SQLite

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startServer, signIn } from './harness.mjs';

const PASSWORD = 'demo-password';
const PHONE = { width: 390, height: 844 };

describe('forum in a real browser', () => {
  let server;
  let browser;
  /** @type {import('playwright-core').BrowserContext} */
  let member; // linus, JavaScript on (the default)
  /** @type {import('playwright-core').Page} */
  let page;
  const serverErrors = []; // any 5xx response seen by any page
  let failed = false; // print the server's log at the end when a step failed
  const step = (name, fn) =>
    test(name, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const title = `Browser-made topic ${stamp}`;
  const firstPost = `First post written in Chromium, token alpha-${stamp}.`;
  const reply = `A reply typed into the reply form, token beta-${stamp}.`;
  let topicUrl = null;

  function watch(p) {
    p.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
  }

  before(async () => {
    try {
      server = await startServer({ extraArgs: () => ['--demo'] });
      browser = await launchChromium();
      member = await browser.newContext({ baseURL: server.base });
      page = await member.newPage();
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
      if (server) {
        if (failed) console.error(`--- server log ---\n${server.log()}`);
        await server.stop();
      }
    }
  });

  step('linus signs in through the form', async () => {
    await signIn(page, 'linus', PASSWORD);
    const header = page.locator('header.site');
    assert.equal(await header.getByRole('button', { name: 'Sign out' }).count(), 1);
    assert.equal(await header.getByRole('link', { name: 'Sign in' }).count(), 0);
  });

  step('linus posts a new topic through the form', async () => {
    await page.goto('/new-topic');
    // The first real category, whatever the demo calls it.
    const firstCategory = await page.locator('select#category option:not([value=""])').first().getAttribute('value');
    assert.ok(firstCategory, 'the compose form offers at least one category');
    await page.getByLabel('Category').selectOption(firstCategory);
    await page.getByLabel('Title').fill(title);
    await page.locator('textarea[name="body"]').fill(`${firstPost}\n\nWith **bold** words.`);
    await Promise.all([page.waitForURL(/\/t\/\d+\/[^/]+/), page.getByRole('button', { name: 'Post', exact: true }).click()]);
    topicUrl = new URL(page.url());
    topicUrl.hash = '';
    assert.equal(await page.locator('h1').innerText(), title);
    await page.locator('article.post', { hasText: firstPost }).waitFor();
    assert.equal(await page.locator('article.post strong', { hasText: 'bold' }).count(), 1, 'Markdown is rendered');
  });

  step('linus replies to it', async () => {
    assert.ok(topicUrl, 'a topic was posted');
    await page.goto(topicUrl.pathname);
    await page.getByLabel('Your reply (Markdown)').fill(reply);
    await Promise.all([
      page.waitForURL((url) => url.pathname === topicUrl.pathname && url.hash.startsWith('#p')),
      page.getByRole('button', { name: 'Post reply' }).click(),
    ]);
    const posts = page.locator('article.post');
    assert.equal(await posts.count(), 2);
    await posts.nth(1).getByText(reply).waitFor();
    assert.equal(await posts.nth(1).locator('.p-author').innerText(), 'linus');
  });

  step('linus signs out', async () => {
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/signout'),
      page.locator('header.site').getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.locator('header.site').getByRole('link', { name: 'Sign in' }).waitFor();
    await page.goto(topicUrl.pathname);
    assert.equal(await page.getByRole('button', { name: 'Post reply' }).count(), 0, 'no reply form when signed out');
    await page.getByRole('link', { name: 'Sign in to reply' }).waitFor();
  });

  describe('a visitor with JavaScript off, on a phone-sized screen', () => {
    /** @type {import('playwright-core').BrowserContext} */
    let visitor;
    /** @type {import('playwright-core').Page} */
    let reader;

    before(async () => {
      visitor = await browser.newContext({
        baseURL: server.base,
        javaScriptEnabled: false,
        viewport: PHONE,
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
      reader = await visitor.newPage();
      watch(reader);
    });

    after(async () => {
      if (visitor) await visitor.close();
    });

    step('reads the topic, its first post and the reply', async () => {
      assert.ok(topicUrl, 'a topic was posted');
      const res = await reader.goto(topicUrl.pathname);
      assert.equal(res.status(), 200);
      const heading = reader.getByRole('heading', { level: 1, name: title });
      assert.ok(await heading.isVisible(), 'the topic title is visible');
      assert.ok(await reader.getByText(firstPost).isVisible(), 'the first post is visible');
      assert.ok(await reader.getByText(reply).isVisible(), 'the reply is visible');
      assert.equal(await reader.locator('header.site').getByRole('link', { name: 'Sign in' }).count(), 1, 'signed out');
      // Readable on a phone: nothing forces a horizontal scroll.
      const overflow = await reader.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    });

    step('the skip link is the first thing Tab reaches and it moves focus to the content', async () => {
      await reader.goto(topicUrl.pathname);
      await reader.keyboard.press('Tab');
      const focused = reader.locator(':focus');
      assert.equal((await focused.innerText()).trim(), 'Skip to content');
      assert.equal(await focused.getAttribute('href'), '#main');
      const box = await focused.boundingBox();
      assert.ok(box && box.x >= 0 && box.y >= 0 && box.x < PHONE.width, `the focused skip link is on screen (${JSON.stringify(box)})`);
      await reader.keyboard.press('Enter');
      await reader.waitForURL((url) => url.hash === '#main');
      assert.equal(await reader.locator(':focus').getAttribute('id'), 'main', 'focus moved to <main>');
    });

    step('a phone-sized screenshot of the topic page', async (t) => {
      const dir =
        process.env.BADGECOMMONS_SCREENSHOT_DIR ||
        (await mkdtemp(path.join(os.tmpdir(), 'badgecommons-screens-')));
      const file = path.join(dir, 'topic-phone.png');
      await reader.goto(topicUrl.pathname);
      await reader.screenshot({ path: file, fullPage: true });
      assert.ok(existsSync(file));
      t.diagnostic(`screenshot: ${file}`);
    });
  });

  step('no page answered with a server error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
