/**
 * Test support: the real services (catalog, library, jobs) over a fresh library under `root`, the dispatcher the
 * hosts use in front of them, and the job progress they report collected in `progress`. Not imported by
 * production code.
 */
import path from 'node:path';
import type { JobProgress } from '../../shared/contract';
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
