import type { Migration } from './types';

/**
 * Full-text search. One FTS5 table holds a row per specimen, session and capture; the catalog code rewrites an
 * entity's row in the same transaction as every write to it (tags live in link tables, so triggers on the base
 * tables alone could not keep the text complete). The rowid encodes (id, kind) so that rewrite is a rowid lookup,
 * not a scan of the UNINDEXED columns. The content is stored, not external, so `snippet()` works
 * without joining back. unicode61 with diacritics removed lets "hematoxylin" find "hématoxyline"-style spellings
 * by prefix; the prefix index keeps two- and three-letter prefix queries ("BR", "BRE") cheap.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE search_index USING fts5(
        kind UNINDEXED,
        ref_id UNINDEXED,
        session_id UNINDEXED,
        title,
        body,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );
    `);
  },
};
