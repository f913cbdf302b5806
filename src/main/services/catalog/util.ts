import { AppError } from '../../../shared/errors';

export const nowIso = (): string => new Date().toISOString();

/** Optional text from the contract arrives trimmed; an empty string means "clear it", stored as NULL. */
export function textOrNull(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

export function parseJsonObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseJsonStrings(text: string | null): string[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export const notFound = (what: string): AppError =>
  new AppError('not-found', `That ${what} no longer exists; it may have been deleted. Refresh and try again.`);

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
