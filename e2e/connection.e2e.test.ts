/**
 * The browser bridge's life with its host: a second window sees changes as they happen (catalog.changed
 * events), the page shows that it lost the host and recovers by itself when the host comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { createSpecimen } from './steps';

describe('connection to the browser host', () => {
  let app: Lucida;

  beforeAll(async () => {
    app = await startLucida('connection');
    await app.open();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('updates a second window live when the first one changes the catalog', async () => {
    const second = await app.context.newPage();
    await second.goto(app.host.url);
    await second.getByText('No specimens yet').waitFor();
    await createSpecimen(app.page, { accessionId: 'LIVE-0001', tissue: 'kidney' });
    await second.getByRole('list', { name: 'Specimens' }).getByRole('button', { name: 'LIVE-0001' }).waitFor({ timeout: 5_000 });
    await second.close();
  });

  it('shows a banner while the host is gone and recovers when it returns', async () => {
    const { page } = app;
    const banner = page.getByTestId('connection-banner');
    await expect(banner.count()).resolves.toBe(0);
    await app.stopHost();
    await banner.getByText('Lost the connection to the Lucida host').waitFor({ timeout: 10_000 });
    await app.screenshot('connection-lost');

    // A call made while the host is away waits for it instead of failing at once.
    const pending = page.evaluate(() => window.lucida!.specimens.list({}));
    await app.resumeHost();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    const listed = await pending;
    expect(listed.ok && listed.value.map((s) => s.accessionId)).toEqual(['LIVE-0001']);

    // The views reload after the reconnect and keep working.
    await createSpecimen(page, { accessionId: 'LIVE-0002' });
    await page.getByRole('list', { name: 'Specimens' }).getByRole('button', { name: 'LIVE-0002' }).waitFor();
  });

  it('logged nothing unexpected', () => {
    expect(unexpectedProblems(app.problems, [/WebSocket connection to .*\/rpc' failed/])).toEqual([]);
  });
});
