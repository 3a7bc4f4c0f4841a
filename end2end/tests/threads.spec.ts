// Threads: a visitor writes and edits a thread; a member's thread is saved, survives a reload
// and is managed in history; the visitor's hourly limit. Each journey sends its own client
// address (the e2e server trusts one X-Forwarded-For hop), so their limits do not collide.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { alert, hydrated, menu, noSeriousViolations, openMenu, signUpAndConfirm, uniqueEmail } from './support';

const ARTICLE = [
  'Rust is a systems programming language that runs fast, prevents segfaults and guarantees thread safety.',
  'It achieves memory safety without a garbage collector. The borrow checker tracks who owns each value and for how long it may be borrowed.',
  'Ownership rules are checked at compile time, so they cost nothing when the program runs.',
  'Cargo, the package manager and build tool, makes it easy to share code. Crates.io hosts more than a hundred thousand libraries.',
  'The compiler is strict, but its error messages explain what went wrong and often suggest the fix.',
  'Many companies now use Rust for browsers, operating systems, databases, command line tools and web services.',
  'Learning it takes time, yet most people who try it find that their programs have fewer bugs and run faster.',
].join(' ');

const OTHER_ARTICLE = [
  'Sourdough bread needs only flour, water and salt, plus patience.',
  'A starter of wild yeast and bacteria makes the dough rise slowly and gives the bread its sour taste.',
  'Feed the starter daily, mix the dough, fold it a few times and let it rest overnight in the fridge.',
  'Bake it hot in a covered pot, then uncover it so the crust turns dark and crisp.',
].join(' ');

/** A client address of its own for each journey (198.18.0.0/15 is reserved for tests). */
async function ownAddress(page: Page) {
  const byte = () => Math.floor(Math.random() * 256);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.${18 + (byte() % 2)}.${byte()}.${byte()}` });
}

function progress(page: Page) {
  return page.getByRole('status').filter({ hasText: /^(Reading the page|Writing post|Done|Stopped)/ });
}

function saveStatus(page: Page) {
  return page.getByRole('status').filter({ hasText: /^(Saved|Saving…|Not saved)/ });
}

function usagePanel(page: Page) {
  return page.getByRole('region', { name: 'What you have left' });
}

function post(page: Page, n: number) {
  return page.getByRole('textbox', { name: `Post ${n}`, exact: true });
}

async function postValues(page: Page) {
  const editor = page.getByRole('region', { name: /^Your thread/ });
  return editor.getByRole('textbox', { name: /^Post \d+$/ }).evaluateAll((boxes) => boxes.map((b) => (b as HTMLTextAreaElement).value));
}

/** Records, at every change of the page, how many posts are shown while generating and
 *  whether Cancel is still offered: proof that posts appear before the thread is finished. */
async function watchStreaming(page: Page) {
  await page.evaluate(() => {
    const seen: { posts: number; cancel: boolean }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      const list = document.querySelector('[aria-label="Posts written so far"]');
      const cancel = [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Cancel');
      seen.push({ posts: list ? list.querySelectorAll('li').length : 0, cancel });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

async function generate(page: Page, text: string) {
  await page.getByLabel('Text or link').fill(text);
  await page.getByRole('button', { name: 'Generate thread' }).click();
}

test('a visitor watches a thread stream in, edits, reorders, copies and exports it', async ({ page, context }) => {
  await ownAddress(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('main').getByRole('link', { name: 'Write a thread' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Write a thread' })).toBeVisible();
  await hydrated(page);
  await expect(usagePanel(page)).toContainText('5 of 5 AI requests left this hour');
  await noSeriousViolations(page);

  await page.getByLabel('Text or link').fill(ARTICLE);
  await expect(page.getByText(`${ARTICLE.length.toLocaleString('en-US')} of 50,000 characters`)).toBeVisible();
  await page.getByLabel('Numbering').selectOption('1/7');
  await watchStreaming(page);
  await page.getByRole('button', { name: 'Generate thread' }).click();
  await expect(progress(page)).toHaveText(/^Done: \d+ posts\.$/);
  const posts = await postValues(page);
  expect(posts.length).toBeGreaterThan(1);
  const seen: { posts: number; cancel: boolean }[] = await page.evaluate(() => (window as unknown as { seen: [] }).seen);
  expect(seen.some((s) => s.cancel && s.posts >= 1 && s.posts < posts.length), JSON.stringify(seen)).toBe(true);
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(usagePanel(page)).toContainText('4 of 5 AI requests left this hour');
  await expect(page.getByRole('link', { name: 'Sign up to save this thread' })).toHaveAttribute('href', '/sign-up');

  // Past 280 the count turns red and says so; undo takes the edit back.
  const total = posts.length;
  const long = 'word '.repeat(60).trim();
  await post(page, 1).fill(long);
  const count = `${long.length + `1/${total} `.length}/280`;
  await expect(page.getByText(count)).toHaveClass(/text-red/);
  await expect(post(page, 1)).toHaveAttribute('aria-invalid', 'true');
  await expect(alert(page)).toHaveText("Post 1 is over X's 280-character limit. Shorten or split it.");
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(post(page, 1)).toHaveValue(posts[0]);
  await expect(post(page, 1)).toHaveAttribute('aria-invalid', 'false');

  // Alt+ArrowUp moves the post being typed in, which keeps the focus.
  await post(page, 2).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(post(page, 1)).toHaveValue(posts[1]);
  await expect(post(page, 2)).toHaveValue(posts[0]);
  await expect(post(page, 1)).toBeFocused();
  const reordered = [posts[1], posts[0], ...posts.slice(2)];
  const numbered = reordered.map((p, i) => `${i + 1}/${total} ${p.trim()}`);

  await page.getByRole('button', { name: 'Copy thread' }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText('Thread copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(numbered.join('\n\n'));

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as Markdown' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('thread.md');
  const markdown = readFileSync(await file.path(), 'utf8');
  expect(markdown).toMatch(/^# \S/);
  expect(markdown.endsWith(`\n\n${numbered.join('\n\n---\n\n')}\n`)).toBe(true);

  // The thread lives in the browser: a reload brings it back.
  await page.reload();
  await hydrated(page);
  await expect(post(page, 1)).toHaveValue(posts[1]);
  await noSeriousViolations(page);

  // Cancel stops the stream and keeps what was written (the e2e server paces the offline
  // provider, so 25 posts take seconds).
  await page.getByLabel('Number of posts').selectOption('25');
  await generate(page, Array(8).fill(ARTICLE).join('\n\n'));
  await expect(page.getByRole('list', { name: 'Posts written so far' }).getByRole('listitem').first()).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(progress(page)).toHaveText(/^Stopped\. The (post|\d+ posts) written so far (is|are) kept\.$/);
  const kept = await postValues(page);
  expect(kept.length).toBeGreaterThanOrEqual(1);
  expect(kept.length).toBeLessThan(25);
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
});

test("a member's thread is saved, survives a reload and is managed in history", async ({ page }, testInfo) => {
  await ownAddress(page);
  // Written as a visitor, kept while they sign up, then saved to their history.
  await page.goto('/threads/new');
  await hydrated(page);
  await generate(page, ARTICLE);
  await expect(progress(page)).toHaveText(/^Done: /);
  const [first] = await postValues(page);
  await signUpAndConfirm(page, uniqueEmail('writer', testInfo.project.name));
  await page.goto('/threads/new');
  await hydrated(page);
  await page.getByRole('button', { name: 'Save this thread to your history' }).click();
  await expect(page).toHaveURL(/\/threads\/[0-9a-f-]{36}$/);
  await expect(post(page, 1)).toHaveValue(first);
  await noSeriousViolations(page);

  const edited = 'A first post, edited by hand.';
  await post(page, 1).fill(edited);
  await expect(saveStatus(page)).toHaveText('Saving…');
  await expect(saveStatus(page)).toHaveText('Saved');
  await page.reload();
  await hydrated(page);
  await expect(post(page, 1)).toHaveValue(edited);

  // A post over X's limit is not saved, and the status says why.
  await post(page, 1).fill('y'.repeat(300));
  await expect(saveStatus(page)).toHaveText(/^Not saved: Post 1 is \d+ characters long; X allows 280\./);
  await page.reload();
  await hydrated(page);
  await expect(post(page, 1)).toHaveValue(edited);

  await page.getByRole('button', { name: 'Rename this thread' }).click();
  await page.getByLabel('Title').fill('Why Rust, edited');
  await page.getByRole('button', { name: 'Save title' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Why Rust, edited' })).toBeVisible();

  // A member's generation is saved by the server and opens at its own address.
  await page.goto('/threads/new');
  await hydrated(page);
  await generate(page, OTHER_ARTICLE);
  await expect(page).toHaveURL(/\/threads\/[0-9a-f-]{36}$/);
  await expect(post(page, 1)).toBeVisible();

  await openMenu(page);
  await menu(page).getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your history' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText('2 items')).toBeVisible();
  await noSeriousViolations(page);

  // The kind filter keeps the search; threads are the only kind this member has.
  await page.getByRole('navigation', { name: 'Kinds' }).getByRole('link', { name: 'Threads' }).click();
  await expect(page).toHaveURL(/\/history\?kind=thread$/);
  await expect(page.getByText('2 items')).toBeVisible();
  await page.getByRole('navigation', { name: 'Kinds' }).getByRole('link', { name: 'Letters' }).click();
  await expect(page.getByText('No letters yet.')).toBeVisible();
  await page.getByRole('navigation', { name: 'Kinds' }).getByRole('link', { name: 'Everything' }).click();
  await expect(page.getByText('2 items')).toBeVisible();

  await page.getByLabel('Search your history').fill('edited');
  await expect(page).toHaveURL(/\/history\?q=edited$/);
  await expect(page.getByText('1 item matching “edited”')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Why Rust, edited' })).toBeVisible();

  await page.getByRole('button', { name: 'Delete “Why Rust, edited”' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'was deleted' })).toHaveText(/“Why Rust, edited” was deleted\./);
  await expect(page.getByText('Nothing matches “edited”.')).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('link', { name: 'Why Rust, edited' })).toBeVisible();
  await page.getByRole('link', { name: 'Why Rust, edited' }).click();
  await expect(post(page, 1)).toHaveValue(edited);
});

test('a visitor who used the hour’s AI requests is told when more come and offered an upgrade', async ({ page }) => {
  await ownAddress(page);
  await page.goto('/threads/new');
  await hydrated(page);
  for (let left = 4; left >= 0; left--) {
    await generate(page, OTHER_ARTICLE);
    await expect(usagePanel(page)).toContainText(`${left} of 5 AI requests left this hour`);
  }
  await page.getByRole('button', { name: 'Generate thread' }).click();
  await expect(alert(page)).toContainText(/Visitors can make 5 AI requests an hour.* at \d\d:\d\d UTC \(in \d+ min\)/);
  await expect(alert(page).getByRole('link', { name: 'Upgrade' })).toHaveAttribute('href', '/pricing');
  await expect(usagePanel(page)).toContainText(/0 of 5 AI requests left this hour · resets \d\d:\d\d UTC/);
  await noSeriousViolations(page);
});
