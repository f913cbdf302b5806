import { describe, expect, it } from 'vitest';
import { LifoScheduler, isTileCancelled } from './scheduler';

/** A job that finishes only when the test says so, recording when it started. */
function gate(started: string[], key: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    run: async () => {
      started.push(key);
      await opened;
      return key;
    },
    open: () => open(),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LIFO tile scheduler', () => {
  it('runs the newest queued job first', async () => {
    const started: string[] = [];
    const scheduler = new LifoScheduler<string>(1, 10);
    const gates = ['a', 'b', 'c', 'd'].map((k) => gate(started, k));
    const results = gates.map((g, i) => scheduler.schedule('abcd'[i], g.run));
    await tick();
    expect(started).toEqual(['a']);
    gates[0].open();
    await tick();
    expect(started).toEqual(['a', 'd']);
    gates[3].open();
    await tick();
    expect(started).toEqual(['a', 'd', 'c']);
    gates[2].open();
    gates[1].open();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs a key once however many ask, and moves a re-asked key to the top', async () => {
    const started: string[] = [];
    const scheduler = new LifoScheduler<string>(1, 10);
    const busy = gate(started, 'busy');
    const x = gate(started, 'x');
    const y = gate(started, 'y');
    void scheduler.schedule('busy', busy.run);
    const first = scheduler.schedule('x', x.run);
    void scheduler.schedule('y', y.run);
    const second = scheduler.schedule('x', async () => 'never');
    busy.open();
    await tick();
    expect(started).toEqual(['busy', 'x']);
    x.open();
    y.open();
    expect(await first).toBe('x');
    expect(await second).toBe('x');
    await scheduler.idle();
    expect(started).toEqual(['busy', 'x', 'y']);
  });

  it('drops the oldest queued jobs past its bound', async () => {
    const started: string[] = [];
    const scheduler = new LifoScheduler<string>(1, 2);
    const busy = gate(started, 'busy');
    void scheduler.schedule('busy', busy.run);
    const old = scheduler.schedule('old', async () => 'old');
    void scheduler.schedule('mid', async () => 'mid');
    void scheduler.schedule('new', async () => 'new');
    await expect(old).rejects.toSatisfy(isTileCancelled);
    expect(scheduler.stats().dropped).toBe(1);
    busy.open();
    await scheduler.idle();
  });

  it('drops a queued job when its only caller gives up, but not while another still waits', async () => {
    const started: string[] = [];
    const scheduler = new LifoScheduler<string>(1, 10);
    const busy = gate(started, 'busy');
    void scheduler.schedule('busy', busy.run);
    const alone = new AbortController();
    const shared = new AbortController();
    const gone = scheduler.schedule('gone', async () => 'gone', alone.signal);
    const kept = scheduler.schedule('kept', async () => 'kept', shared.signal);
    const keptToo = scheduler.schedule('kept', async () => 'kept');
    alone.abort();
    shared.abort();
    await expect(gone).rejects.toSatisfy(isTileCancelled);
    await expect(kept).rejects.toSatisfy(isTileCancelled);
    busy.open();
    expect(await keptToo).toBe('kept');
    await scheduler.idle();
    expect(started).toEqual(['busy']);
    expect(scheduler.stats().dropped).toBe(1);
  });

  it('passes a failing job’s error to every waiter and keeps going', async () => {
    const scheduler = new LifoScheduler<string>(2, 10);
    const failing = scheduler.schedule('f', () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    expect(await scheduler.schedule('ok', async () => 'ok')).toBe('ok');
  });
});
