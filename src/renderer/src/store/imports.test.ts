import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

type Listener = (payload: JobProgress) => void;
const listeners: Listener[] = [];
const api = {
  on: vi.fn((_event: string, listener: Listener) => {
    listeners.push(listener);
    return () => undefined;
  }),
  captures: { import: vi.fn() },
  jobs: { cancel: vi.fn() },
};
const upload = vi.fn();

vi.mock('../bridge', () => ({ lucida: () => api, upload: (...args: unknown[]) => upload(...args) }));

const { useImports, failuresOf } = await import('./imports');

const file = (name: string, size = 10) => new File([new Uint8Array(size)], name);
const emit = (progress: Partial<JobProgress>) =>
  listeners.forEach((l) =>
    l({ jobId: 'job-1', kind: 'import', done: 0, total: 2, current: null, state: 'running', failures: [], message: null, ...progress }),
  );

describe('import runs', () => {
  beforeEach(() => {
    useImports.setState({ runs: {} });
    upload.mockReset();
    api.captures.import.mockReset();
    api.jobs.cancel.mockReset();
  });

  it('uploads each file, starts the job and finishes with the host summary and per-file failures', async () => {
    upload.mockResolvedValueOnce('11111111-1111-1111-1111-111111111111').mockRejectedValueOnce(new AppError('invalid-input', 'b.png is empty.'));
    api.captures.import.mockImplementation(async () => {
      // The job's first event can beat the call's answer; it must not be lost.
      emit({ done: 0, total: 1, current: 'a.png' });
      return { jobId: 'job-1' };
    });
    await useImports.getState().start(7, [file('a.png'), file('b.png')]);
    expect(api.captures.import).toHaveBeenCalledWith({
      sessionId: 7,
      sources: [{ kind: 'upload', uploadId: '11111111-1111-1111-1111-111111111111', name: 'a.png' }],
    });
    expect(useImports.getState().runs[7]?.progress?.current).toBe('a.png');
    emit({ done: 1, total: 1, state: 'done', message: 'Imported 1 file.' });
    const run = useImports.getState().runs[7]!;
    expect(run.phase).toBe('finished');
    expect(run.outcome).toBe('Imported 1 file. 1 file could not be uploaded.');
    expect(failuresOf(run)).toEqual([{ name: 'b.png', message: 'b.png is empty.' }]);
  });

  it('does not start a job when no file could be uploaded', async () => {
    upload.mockRejectedValue(new AppError('internal', 'Could not send “x.tif” to the Lucida host.'));
    await useImports.getState().start(3, [file('x.tif')]);
    expect(api.captures.import).not.toHaveBeenCalled();
    expect(useImports.getState().runs[3]?.outcome).toBe('Nothing was imported: 1 file could not be uploaded.');
  });

  it('cancels a running job through the host', async () => {
    upload.mockResolvedValue('22222222-2222-2222-2222-222222222222');
    api.captures.import.mockResolvedValue({ jobId: 'job-1' });
    api.jobs.cancel.mockResolvedValue({ cancelled: true });
    await useImports.getState().start(5, [file('a.png'), file('b.png')]);
    await useImports.getState().cancel(5);
    expect(api.jobs.cancel).toHaveBeenCalledWith({ jobId: 'job-1' });
    emit({ done: 1, total: 2, state: 'cancelled', message: 'Import cancelled after 1 of 2 files; 1 imported.' });
    expect(useImports.getState().runs[5]?.outcome).toBe('Import cancelled after 1 of 2 files; 1 imported.');
    useImports.getState().dismiss(5);
    expect(useImports.getState().runs[5]).toBeUndefined();
  });
});
