// Browser test of the planet and Webmention, end to end: Debian's Chromium, driven headless by
// playwright-core, against the real `badgecommons` binary (demo community, fresh data dir) and a
// member's own site served by this test on another loopback port. The member connects the site
// through the forms, its post appears on /planet credited to them and linked to the original;
// then the site publishes a reply to a forum topic and sends a Webmention, and the reply appears
// in that topic's thread, marked as posted from the member's site.
//
//   node --test tests/browser/          (after `npm ci` in tests/browser and
//                                        `cargo build -p badgecommons --bin badgecommons`)
//
// Environment: as forum.test.mjs (BADGECOMMONS_BIN, CHROMIUM_PATH; always SQLite).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePort, launchChromium, sleep, startServer, unlabelledControls, signIn } from './harness.mjs';

const MEMBER = 'linus';
const PASSWORD = 'demo-password';
const ACTION_MS = 15_000;
const STEP_MS = 90_000;

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The member's own site: a home page that links its Atom feed and carries an h-card, the feed,
 * a post, and (once `reply` is set) a reply page whose h-entry is `in-reply-to` a forum topic.
 */
function memberSite(stamp) {
  const state = { base: null, reply: null, requests: [] };
  const postTitle = `Open badges from my own site ${stamp}`;
  const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>Ed's site</title>
<link rel="alternate" type="application/atom+xml" title="Ed's posts" href="/feed.atom">
</head><body>${body}</body></html>`;
  const server = http.createServer((req, res) => {
    state.requests.push(req.url);
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/') {
      send(200, 'text/html; charset=utf-8', page(
        `<div class="h-card"><a class="u-url p-name" rel="me" href="/">Ed on the web</a></div>
<p><a href="/posts/1">${escapeHtml(postTitle)}</a></p>`,
      ));
    } else if (req.url === '/feed.atom') {
      send(200, 'application/atom+xml', `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Ed's posts</title>
  <id>${state.base}/feed.atom</id>
  <link rel="alternate" href="${state.base}/"/>
  <updated>2026-11-29T10:00:00Z</updated>
  <author><name>Ed</name><uri>${state.base}/</uri></author>
  <entry>
    <title>${escapeHtml(postTitle)}</title>
    <id>${state.base}/posts/1</id>
    <link rel="alternate" href="/posts/1"/>
    <published>2026-11-29T10:00:00Z</published>
    <updated>2026-11-29T10:00:00Z</updated>
    <summary type="html">&lt;p&gt;Why I keep my badges on my own domain.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</summary>
  </entry>
</feed>`);
    } else if (req.url === '/posts/1') {
      send(200, 'text/html; charset=utf-8', page(`<article class="h-entry"><h1 class="p-name">${escapeHtml(postTitle)}</h1>
<div class="e-content"><p>Why I keep my badges on my own domain.</p></div></article>`));
    } else if (req.url === '/replies/1' && state.reply) {
      send(200, 'text/html; charset=utf-8', page(`<article class="h-entry">
<a class="p-author h-card" href="${state.base}/">Ed</a>
<p>In reply to <a class="u-in-reply-to" href="${escapeHtml(state.reply.target)}">the forum topic</a></p>
<div class="e-content p-name">${escapeHtml(state.reply.text)}</div>
<time class="dt-published" datetime="2026-11-30T09:00:00Z">30 November 2026</time>
<a class="u-url" href="${state.base}/replies/1">permalink</a>
</article>`));
    } else {
      send(404, 'text/plain', 'not here');
    }
  });
  return { server, state, postTitle };
}

describe('the planet in a real browser: connect a site, see its posts, reply from it', () => {
  let server;
  let site;
  let browser;
  let page;
  const serverErrors = [];
  let failed = false;
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
  const topicTitle = `Where do you keep your badges? ${stamp}`;
  const replyText = `From my own blog: on my own domain, of course. ${stamp}`;
  let topicUrl = null;

  before(async () => {
    try {
      site = memberSite(stamp);
      const sitePort = await freePort();
      await new Promise((resolve) => site.server.listen(sitePort, '127.0.0.1', resolve));
      site.state.base = `http://127.0.0.1:${sitePort}`;
      server = await startServer({
        extraArgs: (base) => ['--demo', '--public-url', base, '--fetch-allow', '127.0.0.0/8'],
      });
      browser = await launchChromium();
      const context = await browser.newContext({ baseURL: server.base });
      page = await context.newPage();
      page.setDefaultTimeout(ACTION_MS);
      page.setDefaultNavigationTimeout(ACTION_MS);
      page.on('response', (res) => {
        if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
      });
    } catch (err) {
      failed = true;
      throw err;
    }
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      try {
        if (site) await new Promise((resolve) => site.server.close(resolve));
      } finally {
        if (server) {
          if (failed) console.error(`--- server log ---\n${server.log()}`);
          await server.stop();
        }
      }
    }
  });

  step('the member signs in', async () => {
    await signIn(page, MEMBER, PASSWORD);
  });

  step('connecting the site finds its feed, and adding it lists the feed with its status', async () => {
    await page.goto('/planet/connect');
    assert.deepEqual(await unlabelledControls(page), [], 'every control of /planet/connect has a label');
    await page.getByLabel(/site’s address/).fill(`${site.state.base}/`);
    await page.getByRole('button', { name: 'Find feeds' }).click();
    const feed = page.getByRole('checkbox', { name: /Ed's posts/ });
    await feed.waitFor();
    assert.equal(await feed.isChecked(), true, 'the site’s feed is offered, checked');
    assert.deepEqual(await unlabelledControls(page), [], 'every control of the feed choice has a label');
    await Promise.all([
      page.waitForURL((url) => url.pathname.startsWith('/planet/feeds')),
      page.getByRole('button', { name: 'Add to the planet' }).click(),
    ]);
    await page.getByText(`${site.state.base}/feed.atom`).first().waitFor();
  });

  step('the site’s post appears on the planet, credited to the member and linked to the original', async () => {
    // The feed is fetched as it is added; allow the page a few reloads in case it is still on its way.
    const entry = page.locator('.h-entry', { hasText: site.postTitle });
    for (let attempt = 0; attempt < 20; attempt++) {
      await page.goto('/planet');
      if ((await entry.count()) > 0) break;
      await sleep(500);
    }
    await entry.first().waitFor();
    const original = entry.first().getByRole('link', { name: site.postTitle });
    assert.equal(await original.getAttribute('href'), `${site.state.base}/posts/1`);
    assert.ok((await entry.first().innerText()).includes(MEMBER), 'the entry credits the member');
    assert.equal(await page.locator('script', { hasText: 'alert(1)' }).count(), 0, 'the feed’s script is not on the page');
    assert.ok(site.state.requests.includes('/feed.atom'), 'the planet fetched the feed from the site');
  });

  step('the member opens a forum topic', async () => {
    await page.goto('/new-topic');
    const firstCategory = await page.locator('select#category option:not([value=""])').first().getAttribute('value');
    await page.getByLabel('Category').selectOption(firstCategory);
    await page.getByLabel('Title').fill(topicTitle);
    await page.locator('textarea[name="body"]').fill('Your own site, a backpack, or both?');
    await Promise.all([page.waitForURL(/\/t\/\d+\/[^/]+/), page.getByRole('button', { name: 'Post', exact: true }).click()]);
    const url = new URL(page.url());
    url.hash = '';
    topicUrl = url.toString();
  });

  step('a reply published on the site and sent as a Webmention appears in the thread', async () => {
    site.state.reply = { target: topicUrl, text: replyText };
    // The page advertises its Webmention endpoint; the site sends to what it finds there.
    const topicPage = await fetch(topicUrl);
    const link = topicPage.headers.get('link') || '';
    assert.match(link, /rel="?webmention"?/, 'the topic page advertises a Webmention endpoint in its Link header');
    const endpoint = new URL(/<([^>]+)>\s*;\s*rel="?webmention"?/.exec(link)[1], topicUrl).toString();
    const sent = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ source: `${site.state.base}/replies/1`, target: topicUrl }).toString(),
      redirect: 'manual',
    });
    assert.equal(sent.status, 202, 'the endpoint accepts the Webmention for verification');
    const status = sent.headers.get('location');
    assert.ok(status, 'with a status URL');

    const reply = page.locator('article', { hasText: replyText });
    for (let attempt = 0; attempt < 40; attempt++) {
      await page.goto(topicUrl);
      if ((await reply.count()) > 0) break;
      await sleep(500);
    }
    await reply.first().waitFor();
    const original = reply.first().locator(`a[href="${site.state.base}/replies/1"]`);
    assert.ok((await original.count()) > 0, 'the reply links to the original on the site');
    assert.match(await reply.first().innerText(), /127\.0\.0\.1/, 'the reply says which site it was posted from');
  });

  step('no page answered with a server error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
