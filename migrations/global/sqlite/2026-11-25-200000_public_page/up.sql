-- The public label page: the global service's signing identity (one row) and the cache of
-- public views fetched from instances (view NULL: the instance has nothing public).
CREATE TABLE global_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret_seed TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE public_views (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    object_id TEXT NOT NULL,
    view TEXT,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, object_id)
);

CREATE INDEX public_views_by_fetched ON public_views (fetched_at);
