import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-search';
import type { Migration } from './types';

export type { Migration } from './types';

/** In order; a version is never reused or edited once released — add a new file instead. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
