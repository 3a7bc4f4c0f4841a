// Tools: a visitor writes a product description (the offline provider, paced, so the parts
// visibly fill in), copies its parts and tries another tone; a member's description opens again
// from the history; the transcription page offers the upgrade to a free member, and a paid one
// uploads a WAV (made here) to the fake transcription server (examples/fake_transcribe.rs) and
// downloads its subtitles.
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

/** A client address of its own for each journey (198.18.0.0/15 is reserved for tests). */
async function ownAddress(page: Page) {
  const byte = () => Math.floor(Math.random() * 256);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.${18 + (byte() % 2)}.${byte()}.${byte()}` });
}

function progress(page: Page) {
  return page.getByRole('status').filter({ hasText: /^(Writing|Done)/ });
}

async function clipboard(page: Page) {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Paid access the way an operator grants it: `threadr grant-premium` on the e2e database. */
function grantPremium(email: string) {
  const binary = `${process.env.CARGO_TARGET_DIR ?? 'target'}/debug/threadr`;
  execFileSync(binary, ['grant-premium', '--email', email, '--days', '30'], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? process.env.DATABASE_URL },
    stdio: 'pipe',
  });
}

test('a visitor writes a product description, watches it fill in, copies it and tries another tone', async ({ page, context }) => {
  await ownAddress(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/tools/description');
  await expect(page.getByRole('heading', { level: 1, name: 'Product descriptions' })).toBeVisible();
  await hydrated(page);
  await noSeriousViolations(page);

  // Nothing filled in: the server says what is missing.
  await page.getByRole('button', { name: 'Write description' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText("Enter the product's name.");

  await page.getByLabel('Product name').fill('Blue Mug');
  await page.getByLabel('Category').fill('Mugs');
  await page.getByLabel('Key facts').fill('Holds 350 ml\nDishwasher safe\nHand-glazed stoneware\nMade in Portugal');
  await page.getByLabel('Audience').fill('coffee lovers');
  await page.getByLabel('Tone', { exact: true }).selectOption('friendly');
  // Records whether the title was shown while the rest was still being written.
  await page.evaluate(() => {
    const seen: boolean[] = [];
    (window as unknown as { seen: boolean[] }).seen = seen;
    new MutationObserver(() => {
      const title = document.body.textContent?.includes('Blue Mug – Mugs') ?? false;
      const done = [...document.querySelectorAll('[role=status]')].some((s) => s.textContent?.startsWith('Done'));
      seen.push(title && !done);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Write description' }).click();
  await expect(progress(page)).toHaveText('Done. Sign up to keep your descriptions in a history.');
  expect(await page.evaluate(() => (window as unknown as { seen: boolean[] }).seen.some(Boolean))).toBe(true);

  const result = page.getByRole('region', { name: 'Your description' });
  await expect(result.getByText('Blue Mug – Mugs')).toBeVisible();
  await expect(result.getByRole('listitem')).toHaveText(['Holds 350 ml', 'Dishwasher safe', 'Hand-glazed stoneware', 'Made in Portugal']);
  await expect(result).toContainText('Meet Blue Mug');

  await result.getByRole('button', { name: 'Copy title' }).click();
  await expect.poll(() => clipboard(page)).toBe('Blue Mug – Mugs');
  await result.getByRole('button', { name: 'Copy bullet points' }).click();
  await expect.poll(() => clipboard(page)).toBe('- Holds 350 ml\n- Dishwasher safe\n- Hand-glazed stoneware\n- Made in Portugal');
  await noSeriousViolations(page);

  await result.getByLabel('Another tone').selectOption('luxurious');
  await result.getByRole('button', { name: 'Regenerate with a different tone' }).click();
  await expect(progress(page)).toHaveText(/^Done/);
  await expect(result).toContainText('Discover Blue Mug');
  await expect(page.getByLabel('Tone', { exact: true })).toHaveValue('luxurious');
  await result.getByRole('button', { name: 'Copy description' }).click();
  await expect.poll(() => clipboard(page)).toMatch(/^Discover Blue Mug/);
});

/** A mono 16-bit PCM WAV of `seconds` of a quiet tone, made here (a real file, not a stub). */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

test('transcription: a free member sees the upgrade offer; once paid, a recording uploads with progress and becomes a transcript', async ({ page }, testInfo) => {
  await ownAddress(page);
  const email = uniqueEmail('transcribe', testInfo.project.name);
  await signUpAndConfirm(page, email);

  await page.goto('/tools/transcribe');
  await expect(page.getByRole('heading', { level: 1, name: 'Transcribe audio' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Upgrade to transcribe audio' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'See plans and upgrade' })).toHaveAttribute('href', '/pricing');
  await expect(page.getByLabel('Audio file')).toHaveCount(0);
  await noSeriousViolations(page);

  grantPremium(email);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Your recording' })).toBeVisible();
  await noSeriousViolations(page);

  // A file that only pretends to be audio is refused by its content, before anything is charged.
  await page.getByLabel('Audio file').setInputFiles({ name: 'talk.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('<html><body>not audio</body></html>') });
  await page.getByRole('button', { name: 'Transcribe' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toContainText('mp3, m4a, wav, webm or ogg');

  // Records the progress bar's labels while the real recording goes up.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const label = document.querySelector('label[for=upload-progress]')?.textContent;
      if (label && seen[seen.length - 1] !== label) seen.push(label);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByLabel('Audio file').setInputFiles({ name: 'My talk.wav', mimeType: 'audio/wav', buffer: wav(3) });
  await page.getByRole('button', { name: 'Transcribe' }).click();
  const result = page.getByRole('region', { name: 'Transcript of My talk.wav' });
  await expect(result).toContainText('Hello there. General Kenobi.');
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  expect(seen.some((label) => /^Uploading… \d+%$|^Uploaded\. Transcribing…$/.test(label))).toBe(true);
  await expect(result.getByRole('button', { name: 'Download .srt' })).toBeEnabled();
  const download = page.waitForEvent('download');
  await result.getByRole('button', { name: 'Download .srt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('My talk.srt');
  expect(readFileSync(await file.path(), 'utf8')).toContain('00:00:00,000 --> 00:00:01,500\nHello there.');
  await noSeriousViolations(page);

  // It is in the history and opens again there.
  await page.goto('/history?kind=transcript');
  await hydrated(page);
  await page.getByRole('link', { name: 'My talk.wav' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Saved transcript' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Transcript of My talk.wav' })).toContainText('General Kenobi.');
  await noSeriousViolations(page);
});

test("a member's description is saved and opens again from the history", async ({ page }, testInfo) => {
  await ownAddress(page);
  await signUpAndConfirm(page, uniqueEmail('describer', testInfo.project.name));
  await page.goto('/tools/description');
  await hydrated(page);
  await page.getByLabel('Product name').fill('Oak Stool');
  await page.getByLabel('Key facts').fill('Solid oak\nHand finished with oil\n45 cm tall');
  await page.getByRole('button', { name: 'Write description' }).click();
  await expect(progress(page)).toHaveText('Done. Saved to your history.');

  await page.getByRole('link', { name: 'Open your history' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your history' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('link', { name: /^Oak Stool/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Oak Stool/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Bullet points' }).getByRole('listitem')).toHaveText([
    'Solid oak',
    'Hand finished with oil',
    '45 cm tall',
  ]);
  await expect(page.getByRole('region', { name: 'What you asked for' })).toContainText('Hand finished with oil');
  await noSeriousViolations(page);
  await page.getByRole('link', { name: 'Back to your history' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your history' })).toBeVisible();
});
