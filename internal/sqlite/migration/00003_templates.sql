-- +goose Up
-- What the template lifecycle keeps besides the definition: the quality score,
-- the category before a re-categorisation, whether review may re-categorise,
-- when the template last changed, and when it was edited (a JSON array of unix
-- nanoseconds, for the edit limits).
ALTER TABLE templates ADD COLUMN quality_score TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN previous_category TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN allow_category_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE templates ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE templates ADD COLUMN edits TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE templates DROP COLUMN edits;
ALTER TABLE templates DROP COLUMN updated_at;
ALTER TABLE templates DROP COLUMN allow_category_change;
ALTER TABLE templates DROP COLUMN previous_category;
ALTER TABLE templates DROP COLUMN quality_score;
