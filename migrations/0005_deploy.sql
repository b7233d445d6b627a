-- Deployability: the deploys that ran the migrator (a CloudFormation rollback re-sends an
-- earlier deploy's id, which must leave the schema alone), and operators who must choose a new
-- password before anything else (the first admin, made from a generated secret).

CREATE TABLE deploys (
    -- The stack's DeployId parameter: new on every `make deploy`.
    id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    -- The newest migration the deploy's code knew.
    schema_version  text NOT NULL,
    migrated_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE operators ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
