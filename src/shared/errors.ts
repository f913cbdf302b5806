import type { AppErrorShape, ErrorCode } from './contract';

/** An error meant for a person: its message is shown as is, so it must say what happened and what to do. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
  toShape(): AppErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isAppErrorShape(value: unknown): value is AppErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
