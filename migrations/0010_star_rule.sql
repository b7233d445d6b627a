-- Issue 14: the star rule once. The rating (group-rating) and the settlement of a day both ask it
-- here; `GroupSettings::stars` is the same rule for the figures shown before a rating, and a test
-- holds the two equal on generated inputs.

-- The stars a day with `sessions` sessions earns: 1, and one more for each of the thresholds
-- (groups.star_thresholds: the sessions needed for 2★, 3★, 4★ and 5★) it reaches. bigint, so that
-- every u32 threshold keeps its value. One expression with no subquery: PostgreSQL inlines it
-- into the statement that calls it, which costs settlement nothing over writing it out.
CREATE FUNCTION group_stars(sessions bigint, thresholds bigint[]) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT (1 + (sessions >= thresholds[1])::int + (sessions >= thresholds[2])::int
                  + (sessions >= thresholds[3])::int + (sessions >= thresholds[4])::int)::smallint
    $$;
