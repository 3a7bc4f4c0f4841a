// No secret reaches the browser: every file the site ships under pkg/ and the HTML of every
// public page are searched for Stripe key shapes and for the configured secrets' values.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

const PATTERNS = [/sk_(live|test)_[A-Za-z0-9]{6,}/, /\brk_(live|test)_[A-Za-z0-9]{6,}/, /whsec_[A-Za-z0-9]{6,}/];
const CONFIGURED = [process.env.E2E_STRIPE_SECRET_KEY, process.env.E2E_STRIPE_WEBHOOK_SECRET, process.env.E2E_ADMIN_PORTAL_KEY, 'sk-e2e'].filter(
  (v): v is string => !!v,
);
const PUBLIC_PAGES = ['/', '/pricing', '/threads/new', '/sign-in', '/sign-up', '/forgot-password', '/status', '/tools/description', '/tools/transcribe', '/history', '/letters'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function leaks(text: string): string[] {
  return [...PATTERNS.filter((p) => p.test(text)).map(String), ...CONFIGURED.filter((v) => text.includes(v))];
}

test('no secret is in the shipped files or the public pages', async ({ request }, info) => {
  test.skip(info.project.name !== 'desktop', 'the files and pages are the same for every viewport');
  expect(CONFIGURED.length, 'scripts/test passes the configured secrets').toBeGreaterThanOrEqual(3);
  const pkg = process.env.E2E_SITE_PKG ?? 'target/site/pkg';
  const shipped = files(pkg);
  expect(shipped.some((f) => f.endsWith('.wasm'))).toBe(true);
  for (const file of shipped) {
    expect(leaks(readFileSync(file).toString('latin1')), file).toEqual([]);
  }
  for (const path of PUBLIC_PAGES) {
    const res = await request.get(path);
    expect(res.status(), path).toBeLessThan(500);
    expect(leaks(await res.text()), path).toEqual([]);
  }
  // The check itself finds what it looks for.
  expect(leaks('const k = "sk_test_abcdef123456"')).not.toEqual([]);
});
