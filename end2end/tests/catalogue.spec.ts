// Catalogue: a member opens a shop (through the fake Stripe's hosted Connect onboarding), lists a
// product with two photos whose upload progress shows, and puts it on sale; a visitor finds it
// with a misspelled word from the header search, narrows by category and opens it; a reader
// without JavaScript can browse it too. Stripe is the integration tests' fake
// (tests/it/fake_stripe/), started by scripts/test.
import { deflateSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real RGB PNG, `width` × `height`, shaded from `rgb` with noise (so it stays a few
 *  hundred kilobytes and its upload takes a moment). */
function png(width: number, height: number, rgb: [number, number, number]) {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = Math.min(255, Math.floor(rgb[c] * (0.6 + (0.4 * y) / height) + Math.random() * 40));
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function scan(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  await noSeriousViolations(page);
}

test('a member opens a shop, lists a product with photos, and a visitor finds it despite a typo', async ({ page, browser }, info) => {
  test.setTimeout(120_000);
  const project = info.project.name;
  const email = uniqueEmail('seller', project);
  // A rare word, so a search finds this listing (and the other project's) among few.
  const title = `Zephyrine wool scarf ${project} ${Date.now() % 100000}`;
  await signUpAndConfirm(page, email, 'Sally Seller');

  // Start selling: a shop name, then Stripe's hosted onboarding (the fake's), then back.
  await page.goto('/sell');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Sell on Threadr' })).toBeVisible();
  await noSeriousViolations(page);
  const handle = `sally-${project}-${Date.now() % 1000000}`;
  await page.getByLabel('Shop name').fill(handle);
  await page.getByRole('button', { name: 'Start selling' }).click();
  await expect(page.getByRole('heading', { name: 'Set up payouts for your shop' })).toBeVisible();
  await page.getByRole('link', { name: 'Finish onboarding' }).click();
  await expect(page).toHaveURL(/\/sell/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Your shop is open' })).toBeVisible();
  await expect(page.getByText('No listings yet.')).toBeVisible();
  await noSeriousViolations(page);

  // A new listing: a bad price is explained beside its field, then the draft is saved.
  await page.getByRole('link', { name: 'New listing' }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'New listing' })).toBeVisible();
  await noSeriousViolations(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description', { exact: true }).fill('Hand-woven merino, 180 × 30 cm, in deep autumn red. Washed once, never worn.');
  await page.getByLabel('Price').fill('24.505');
  await page.getByLabel('In stock').fill('3');
  await page.getByLabel('Condition').selectOption({ label: 'Like new' });
  await page.getByLabel('Category').selectOption({ label: 'Bags & accessories' });
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByLabel('Price')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Prices have at most two decimal places (cents).')).toBeVisible();
  await page.getByLabel('Price').fill('24.50');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByText('Draft saved. Add photos below, then put it on sale.')).toBeVisible();
  await expect(page).toHaveURL(/\/sell\/products\/[0-9a-f-]{36}/);

  // Two photos. The first upload is held at the server's door so the progress of both shows:
  // the first is sent (or being resized), the second waits its turn at 0%.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const uploadUrl = /\/sell\/products\/[^/]+\/images\?name=/;
  await page.route(uploadUrl, async (route) => {
    if (first) {
      first = false;
      await held;
    }
    await route.continue();
  });
  await page.getByLabel('Add photos').setInputFiles([
    { name: 'scarf-front.png', mimeType: 'image/png', buffer: png(900, 700, [190, 60, 50]) },
    { name: 'scarf-folded.png', mimeType: 'image/png', buffer: png(700, 900, [120, 40, 40]) },
  ]);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await expect(uploads.getByRole('listitem')).toHaveCount(2);
  await expect(uploads.getByRole('progressbar', { name: 'scarf-folded.png' })).toBeVisible();
  await expect(uploads.getByRole('listitem').filter({ hasText: 'scarf-folded.png' })).toContainText('Uploading… 0%');
  release();
  await expect(uploads.getByRole('listitem').filter({ hasText: 'Added.' })).toHaveCount(2, { timeout: 30_000 });
  await page.unroute(uploadUrl);
  const photos = page.getByRole('list', { name: 'Photos in order' }).getByRole('listitem');
  await expect(photos).toHaveCount(2);
  await expect(photos.first()).toContainText('Photo 1 of 2');
  // The second photo first: the order is kept by the server.
  await page.getByRole('button', { name: 'Move photo 2 earlier' }).click();
  await expect(page.getByText('Photo moved to position 1.')).toBeVisible();
  await noSeriousViolations(page);

  await page.getByRole('button', { name: 'Put on sale' }).click();
  await expect(page.getByRole('button', { name: 'Pause listing' })).toBeVisible();
  await page.goto('/sell');
  await hydrated(page);
  await expect(page.getByRole('list', { name: 'Your listings' })).toContainText(title);

  // A visitor, in a browser of their own.
  const visitor = await browser.newContext();
  const v = await visitor.newPage();
  await v.goto('/');
  await hydrated(v);
  await noSeriousViolations(v);
  const header = v.getByRole('search', { name: 'Marketplace' });
  // "Zephyrin" for "Zephyrine", "scraf" for "scarf": search forgives both.
  await expect(async () => {
    await header.getByLabel('Search the marketplace').fill('zephyrin scraf');
    await header.getByRole('button', { name: 'Search' }).click();
    await expect(v).toHaveURL(/\/search\?q=zephyrin/);
    await expect(v.getByRole('list', { name: 'Search results' }).getByRole('link', { name: title, exact: true })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(v);
  await noSeriousViolations(v);

  const narrow = v.getByRole('navigation', { name: 'Narrow by category' });
  // Top-level categories first; narrowing to one lists its sub-categories.
  await narrow.getByRole('link', { name: /^Clothing \(\d+\)$/ }).click();
  await expect(v).toHaveURL(/category=clothing/);
  await narrow.getByRole('link', { name: /^Bags & accessories \(\d+\)$/ }).click();
  await expect(v).toHaveURL(/category=bags-accessories/);
  await expect(narrow.getByRole('link', { name: /^Bags & accessories/ })).toHaveAttribute('aria-current', 'true');
  await v.getByRole('list', { name: 'Search results' }).getByRole('link', { name: title, exact: true }).click();

  await expect(v.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await hydrated(v);
  await expect(v.getByText('$24.50')).toBeVisible();
  await expect(v.getByRole('heading', { name: 'Sold by Sally Seller' })).toBeVisible();
  const hero = v.getByRole('region', { name: 'Photos' }).locator('img').first();
  // Three sizes, each with its real width (a 700 px photo is never upscaled).
  await expect(hero).toHaveAttribute('srcset', /thumb\.jpg \d+w, .*card\.jpg \d+w, .*full\.jpg 700w/);
  await expect(hero).toHaveAttribute('width', /\d+/);
  const heroSrc = (await hero.getAttribute('src'))!;
  const image = await v.request.get(heroSrc);
  expect(image.status()).toBe(200);
  expect(image.headers()['cache-control']).toContain('immutable');
  expect(image.headers()['x-content-type-options']).toBe('nosniff');
  await noSeriousViolations(v);

  // The category page and the shop page list it.
  await scan(v, '/c/bags-accessories');
  await expect(v.getByRole('link', { name: title, exact: true })).toBeVisible();
  await scan(v, `/sellers/${handle}`);
  await expect(v.getByRole('link', { name: title, exact: true })).toBeVisible();
  await visitor.close();

  // Reading needs no JavaScript: the category page links to the product page, server-rendered.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const p = await plain.newPage();
  await p.goto('/c/clothing');
  await p.getByRole('link', { name: title, exact: true }).click();
  await expect(p.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(p.getByText('$24.50')).toBeVisible();
  await plain.close();
});
