-- One row that /readyz's write probe (ProbeWrite) overwrites with a fresh
-- blob as large as a checkout's biggest transaction, so that a probe that
-- commits shows that a real write would fit in the disk and the WAL too.
CREATE TABLE readyz_probe (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    blob BLOB NOT NULL
);
