import type { ErrorCode } from '../../../shared/contract';
import { AppError, isAppErrorShape } from '../../../shared/errors';

/** The sentence to show a person for anything thrown by the API or the window itself. */
export function messageOf(error: unknown): string {
  if (error instanceof AppError || isAppErrorShape(error)) return error.message;
  console.error('[lucida] unexpected error', error);
  return 'Something went wrong in this window; the action was not completed. Details are in the developer console.';
}

export function codeOf(error: unknown): ErrorCode | null {
  if (error instanceof AppError || isAppErrorShape(error)) return error.code;
  return null;
}
