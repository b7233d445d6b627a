-- Issue 13: who owned a group when. A group row holds only its current membership (a re-join by
-- someone else overwrites owner_id and joined_at), so settlement, which pays a day after it ends,
-- read the owner of today instead of the owner of the day it settles.

-- One row per membership (the robot in the group for an owner): from its join until it ended.
-- Written by the trigger below from the groups row, whatever statement changes it.
CREATE TABLE group_owners (
    group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    since           timestamptz NOT NULL,
    owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL while it lasts.
    until           timestamptz,
    PRIMARY KEY (group_id, since),
    CHECK (until IS NULL OR until >= since)
);
-- Settlement walks owners by id range and asks which of their memberships overlap a day.
CREATE INDEX group_owners_owner ON group_owners (owner_id, since);

-- A refused join was never a membership. A membership is keyed by its join time: the left event
-- that ends it updates the same row; a later join (by anyone) ends whatever was still open.
CREATE FUNCTION groups_record_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> 'refused' AND NEW.owner_id IS NOT NULL THEN
        INSERT INTO group_owners (group_id, since, owner_id, until)
        VALUES (NEW.id, NEW.joined_at, NEW.owner_id, NEW.exited_at)
        ON CONFLICT (group_id, since) DO UPDATE SET owner_id = EXCLUDED.owner_id, until = EXCLUDED.until;
    END IF;
    UPDATE group_owners SET until = NEW.joined_at
    WHERE group_id = NEW.id AND since < NEW.joined_at AND (until IS NULL OR until > NEW.joined_at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER groups_record_owner AFTER INSERT OR UPDATE OF owner_id, state, joined_at, exited_at ON groups
    FOR EACH ROW EXECUTE FUNCTION groups_record_owner();

-- What is known of the groups there are: their current memberships.
INSERT INTO group_owners (group_id, since, owner_id, until)
SELECT id, joined_at, owner_id, exited_at FROM groups WHERE state <> 'refused' AND owner_id IS NOT NULL;
