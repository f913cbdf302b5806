/**
 * Transport-independent dispatch: both hosts hand every incoming call to `dispatch`, which checks the channel
 * against the contract, validates the payload, runs the handler and answers an envelope. A person only ever sees
 * `{code, message}`; stacks go to the host's log.
 */
import { z } from 'zod';
import { calls, type CallName, type CallOutput, type Envelope, type Calls } from '../shared/contract';
import { AppError } from '../shared/errors';

export type Handlers = {
  [C in CallName]: (input: z.infer<Calls[C]['input']>) => Promise<CallOutput<C>> | CallOutput<C>;
};

export function describeZodError(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return `${where}${issue.message}`;
  });
  return parts.join(' ');
}

export type Dispatch = (channel: string, payload: unknown) => Promise<Envelope<unknown>>;

export function createDispatcher(handlers: Handlers, log: (message: string) => void = console.error): Dispatch {
  return async (channel, payload) => {
    if (!Object.hasOwn(calls, channel)) {
      return { ok: false, error: { code: 'unknown-call', message: `Lucida has no call named “${String(channel).slice(0, 80)}”.` } };
    }
    const name = channel as CallName;
    const parsed = calls[name].input.safeParse(payload);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-input', message: describeZodError(parsed.error) } };
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: error.toShape() };
      log(`[lucida] ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return {
        ok: false,
        error: { code: 'internal', message: 'Something went wrong inside Lucida; the action was not completed. Details are in the log.' },
      };
    }
  };
}
