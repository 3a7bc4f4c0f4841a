// The assistant: a member asks something and watches the reply stream in (the e2e server runs
// the offline provider, paced by AI_OFFLINE_PACE_MS), renames the conversation, finds it again
// after a reload and sends the reply to the thread editor, where it is prefilled.
import { test, expect, type Page } from '@playwright/test';
import { hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

/** On phones the conversation list is folded away behind a button. */
async function showList(page: Page) {
  const toggle = page.getByRole('button', { name: 'Show list' });
  if (await toggle.isVisible()) await toggle.click();
}

/** Records, at every change of the page, whether a reply is streaming with some text shown and
 *  Stop offered: proof that the reply appears before it is finished. */
async function watchStreaming(page: Page) {
  await page.evaluate(() => {
    const seen: { partial: boolean; stop: boolean }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      const bubble = document.querySelector('[aria-busy="true"]');
      const stop = [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Stop');
      seen.push({ partial: !!bubble && (bubble.textContent ?? '').includes('No AI service'), stop });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

test('a member asks the assistant, renames the conversation and sends the reply to the thread editor', async ({ page }, testInfo) => {
  await signUpAndConfirm(page, uniqueEmail('asker', testInfo.project.name));
  await page.goto('/assistant');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Assistant' })).toBeVisible();
  await expect(page.getByText('Ask for help with a thread, a listing or a letter.')).toBeVisible();
  await noSeriousViolations(page);

  const box = page.getByRole('textbox', { name: 'Message' });
  // Shift+Enter starts a new line instead of sending.
  await box.fill('Help me write a thread');
  await box.press('Shift+Enter');
  await box.pressSequentially('about our product launch');
  await expect(box).toHaveValue('Help me write a thread\nabout our product launch');

  await watchStreaming(page);
  await box.press('Enter');
  await expect(page).toHaveURL(/\/assistant\/[0-9a-f-]{36}$/);
  const log = page.getByRole('log', { name: 'Messages' });
  await expect(log.getByText('about our product launch')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'The reply is complete.' })).toBeVisible({ timeout: 15_000 });
  await expect(log.getByText('No AI service is configured')).toBeVisible();
  // The links of the reply are real links (rendered Markdown).
  await expect(log.getByRole('link', { name: 'Thread writer' })).toHaveAttribute('href', '/threads/new');
  const seen = await page.evaluate(() => (window as unknown as { seen: { partial: boolean; stop: boolean }[] }).seen);
  expect(seen.some((s) => s.partial && s.stop), 'part of the reply showed while Stop was offered').toBe(true);
  await expect(box).toHaveValue('');
  await noSeriousViolations(page);

  await showList(page);
  await page.getByRole('button', { name: /^Rename “Help me write a thread/ }).click();
  await page.getByLabel('Title').fill('Launch thread');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Launch thread' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Launch thread' })).toBeVisible();

  // Stored: after a reload the conversation and its title are back.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 2, name: 'Launch thread' })).toBeVisible();
  await expect(log.getByText('No AI service is configured')).toBeVisible();

  await log.getByRole('link', { name: 'Send to thread editor' }).last().click();
  await expect(page).toHaveURL(/\/threads\/new\?text=/);
  await expect(page.getByRole('heading', { level: 1, name: 'Write a thread' })).toBeVisible();
  await expect(page.getByLabel('Text or link')).toHaveValue(/^No AI service is configured/);
});

test('visitors are asked to sign in, and the page passes axe', async ({ page }) => {
  await page.goto('/assistant');
  await hydrated(page);
  await expect(page.getByText('The assistant is for members')).toBeVisible();
  await expect(page.getByRole('main').getByRole('link', { name: 'Sign in' })).toBeVisible();
  await noSeriousViolations(page);
});
