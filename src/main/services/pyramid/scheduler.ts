/**
 * Runs tile jobs a few at a time, newest first. A viewer asks for the tiles it sees now; when the user pans on,
 * the tiles asked for earlier are worth less than the new ones, so the queue is a stack (LIFO), it has a bound
 * (the oldest waiting jobs are dropped past it), and a job nobody waits for any more is dropped before it starts.
 * The same key asked twice is one job with two waiters.
 */

export class TileCancelledError extends Error {
  constructor(message = 'The tile was no longer wanted.') {
    super(message);
    this.name = 'TileCancelledError';
  }
}

export const isTileCancelled = (error: unknown): error is TileCancelledError => error instanceof TileCancelledError;

interface Job<T> {
  key: string;
  run: () => Promise<T>;
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  waiters: number;
  state: 'queued' | 'running';
}

export interface SchedulerStats {
  queued: number;
  running: number;
  dropped: number;
}

export class LifoScheduler<T> {
  private readonly jobs = new Map<string, Job<T>>();
  /** Queued keys, newest last. */
  private stack: string[] = [];
  private running = 0;
  private dropped = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueued: number;

  constructor(concurrency: number, maxQueued: number) {
    this.concurrency = concurrency;
    this.maxQueued = maxQueued;
    if (!(concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  }

  /**
   * Runs `run` under `key`, or joins the job already queued or running under it. `signal` withdraws this caller;
   * a queued job with no caller left is dropped (a running one finishes, and its result is cached by the caller).
   */
  schedule(key: string, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new TileCancelledError());
    let job = this.jobs.get(key);
    if (job) {
      job.waiters++;
      if (job.state === 'queued') this.moveToTop(key);
    } else {
      let resolve!: (value: T) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A dropped job's promise may have no listener left; that is not an unhandled rejection.
      promise.catch(() => undefined);
      job = { key, run, promise, resolve, reject, waiters: 1, state: 'queued' };
      this.jobs.set(key, job);
      this.stack.push(key);
      this.trim();
    }
    const thisJob = job;
    this.pump();
    if (!signal) return thisJob.promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.withdraw(thisJob);
        reject(new TileCancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      thisJob.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  stats(): SchedulerStats {
    return { queued: this.stack.length, running: this.running, dropped: this.dropped };
  }

  /** Resolves when nothing is queued or running — for tests and benchmarks. */
  idle(): Promise<void> {
    if (this.running === 0 && this.stack.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private withdraw(job: Job<T>): void {
    job.waiters--;
    if (job.waiters <= 0 && job.state === 'queued') this.drop(job.key);
  }

  private moveToTop(key: string): void {
    const at = this.stack.indexOf(key);
    if (at >= 0) this.stack.splice(at, 1);
    this.stack.push(key);
  }

  private trim(): void {
    while (this.stack.length > this.maxQueued) {
      const oldest = this.stack[0];
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const job = this.jobs.get(key);
    if (!job || job.state !== 'queued') return;
    this.stack = this.stack.filter((k) => k !== key);
    this.jobs.delete(key);
    this.dropped++;
    job.reject(new TileCancelledError());
    this.checkIdle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.stack.length > 0) {
      const key = this.stack.pop() as string;
      const job = this.jobs.get(key);
      if (!job) continue;
      job.state = 'running';
      this.running++;
      // Started from a resolved promise so a job that throws synchronously still rejects its waiters.
      Promise.resolve()
        .then(job.run)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.running--;
          this.jobs.delete(key);
          this.pump();
          this.checkIdle();
        });
    }
  }

  private checkIdle(): void {
    if (this.running === 0 && this.stack.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
