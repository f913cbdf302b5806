import type { Migration } from './types';

/**
 * The first catalog schema. Timestamps are ISO-8601 UTC text written by the app (so they sort and read the same
 * everywhere); unknown values are NULL, never 0; file paths are relative to the library folder so a library can
 * be moved or copied as one folder.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE specimens (
        id            INTEGER PRIMARY KEY,
        accession_id  TEXT NOT NULL COLLATE NOCASE UNIQUE,
        tissue        TEXT,
        stain         TEXT,
        preparation   TEXT,
        notes         TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );

      CREATE TABLE sessions (
        id                       INTEGER PRIMARY KEY,
        specimen_id              INTEGER REFERENCES specimens(id) ON DELETE RESTRICT,
        title                    TEXT NOT NULL,
        date                     TEXT NOT NULL,
        operator                 TEXT,
        microscope               TEXT,
        objective_magnification  REAL CHECK (objective_magnification IS NULL OR objective_magnification > 0),
        numerical_aperture       REAL CHECK (numerical_aperture IS NULL OR numerical_aperture > 0),
        camera                   TEXT,
        pixel_size_um            REAL CHECK (pixel_size_um IS NULL OR pixel_size_um > 0),
        modality                 TEXT NOT NULL CHECK (modality IN ('bright-field', 'smartphone', 'hologram')),
        notes                    TEXT,
        created_at               TEXT NOT NULL,
        updated_at               TEXT NOT NULL
      );
      CREATE INDEX sessions_specimen ON sessions(specimen_id);

      CREATE TABLE captures (
        id             INTEGER PRIMARY KEY,
        session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE RESTRICT,
        specimen_id    INTEGER REFERENCES specimens(id) ON DELETE RESTRICT,
        file           TEXT NOT NULL UNIQUE,
        sha256         TEXT NOT NULL,
        byte_size      INTEGER NOT NULL CHECK (byte_size > 0),
        original_name  TEXT NOT NULL,
        format         TEXT NOT NULL,
        width          INTEGER NOT NULL CHECK (width > 0),
        height         INTEGER NOT NULL CHECK (height > 0),
        bit_depth      INTEGER NOT NULL CHECK (bit_depth IN (1, 2, 4, 8, 16, 32, 64)),
        channels       INTEGER NOT NULL CHECK (channels > 0),
        pixel_size_um  REAL CHECK (pixel_size_um IS NULL OR pixel_size_um > 0),
        captured_at    TEXT NOT NULL,
        metadata       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        thumbnail      TEXT NOT NULL UNIQUE,
        created_at     TEXT NOT NULL
      );
      CREATE INDEX captures_session ON captures(session_id, captured_at, id);
      CREATE INDEX captures_specimen ON captures(specimen_id);
      CREATE INDEX captures_sha256 ON captures(sha256);

      CREATE TABLE derivatives (
        id                  INTEGER PRIMARY KEY,
        capture_id          INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        kind                TEXT NOT NULL CHECK (kind IN ('enhanced', 'amplitude', 'phase', 'interpolated', 'other')),
        file                TEXT NOT NULL UNIQUE,
        width               INTEGER NOT NULL CHECK (width > 0),
        height              INTEGER NOT NULL CHECK (height > 0),
        dtype               TEXT NOT NULL,
        channels            INTEGER NOT NULL CHECK (channels > 0),
        pixel_size_um       REAL CHECK (pixel_size_um IS NULL OR pixel_size_um > 0),
        model_id            TEXT,
        model_version       TEXT,
        weights_sha256      TEXT,
        execution_provider  TEXT,
        tile_size           INTEGER,
        tile_halo           INTEGER,
        duration_ms         REAL,
        params              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
        created_at          TEXT NOT NULL
      );
      CREATE INDEX derivatives_capture ON derivatives(capture_id);

      CREATE TABLE annotations (
        id          INTEGER PRIMARY KEY,
        capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('point', 'rectangle', 'polygon', 'text')),
        -- coordinates in micrometres from the image origin, so they survive re-tiling and upscaled derivatives
        geometry_um TEXT NOT NULL CHECK (json_valid(geometry_um)),
        text        TEXT,
        author      TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      CREATE INDEX annotations_capture ON annotations(capture_id);

      CREATE TABLE tags (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL COLLATE NOCASE UNIQUE
      );
      CREATE TABLE specimen_tags (
        specimen_id  INTEGER NOT NULL REFERENCES specimens(id) ON DELETE CASCADE,
        tag_id       INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (specimen_id, tag_id)
      ) WITHOUT ROWID;
      CREATE TABLE session_tags (
        session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (session_id, tag_id)
      ) WITHOUT ROWID;
      CREATE TABLE capture_tags (
        capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (capture_id, tag_id)
      ) WITHOUT ROWID;
      CREATE INDEX specimen_tags_tag ON specimen_tags(tag_id);
      CREATE INDEX session_tags_tag ON session_tags(tag_id);
      CREATE INDEX capture_tags_tag ON capture_tags(tag_id);
    `);
  },
};
