/**
 * Test support: the real services (catalog, library, jobs) over a fresh library under `root`, the dispatcher the
 * hosts use in front of them, and the job progress they report collected in `progress`. Not imported by
 * production code.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { calls, type CallName, type CallOutput, type Envelope, type JobProgress } from '../../shared/contract';
import { createDispatcher, type Dispatch } from '../rpc';
import { createServices, type Services, type ServicesOptions } from '.';

export function servicesForTest(
  root: string,
  options: Partial<Omit<ServicesOptions, 'emit'>> & { progress?: JobProgress[] } = {},
): { services: Services; dispatch: Dispatch; progress: JobProgress[] } {
  const { progress = [], ...overrides } = options;
  const services = createServices({
    libraryDir: path.join(root, 'library'),
    resourcesDir: path.join(root, 'resources'),
    host: 'browser',
    appVersion: '0.0.0-test',
    log: () => undefined,
    ...overrides,
    emit: (event, payload) => {
      if (event === 'job.progress') progress.push(payload as JobProgress);
    },
  });
  return { services, dispatch: createDispatcher(services.handlers, () => undefined), progress };
}

/**
 * One call through the dispatcher, as a host makes it: the answer must match the contract's output schema (a test
 * assertion); an error envelope is thrown as an Error carrying its `code`, its message prefixed with the call name.
 */
export async function callChecked<C extends CallName>(dispatch: Dispatch, channel: C, payload: unknown): Promise<CallOutput<C>> {
  const envelope = (await dispatch(channel, payload)) as Envelope<CallOutput<C>>;
  if (!envelope.ok) throw Object.assign(new Error(`${channel}: ${envelope.error.code} ${envelope.error.message}`), { code: envelope.error.code });
  const checked = calls[channel].output.safeParse(envelope.value);
  expect(checked.success, `${channel} output matches the contract`).toBe(true);
  return envelope.value;
}
