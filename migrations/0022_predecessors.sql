-- Last year beside this year: a year created from the last remembers, for each carried
-- department, goal, initiative and criterion, the row it was carried from (so a renamed
-- department still links to its previous year).
ALTER TABLE department ADD COLUMN predecessor_id BIGINT;
ALTER TABLE department ADD CONSTRAINT department_predecessor_fk
    FOREIGN KEY (municipality_id, predecessor_id) REFERENCES department (municipality_id, id)
    ON DELETE SET NULL (predecessor_id);
CREATE INDEX department_predecessor_idx ON department (predecessor_id) WHERE predecessor_id IS NOT NULL;
ALTER TABLE goal ADD COLUMN predecessor_id BIGINT;
ALTER TABLE goal ADD CONSTRAINT goal_predecessor_fk
    FOREIGN KEY (municipality_id, predecessor_id) REFERENCES goal (municipality_id, id)
    ON DELETE SET NULL (predecessor_id);
ALTER TABLE initiative ADD COLUMN predecessor_id BIGINT;
ALTER TABLE initiative ADD CONSTRAINT initiative_predecessor_fk
    FOREIGN KEY (municipality_id, predecessor_id) REFERENCES initiative (municipality_id, id)
    ON DELETE SET NULL (predecessor_id);
ALTER TABLE criterion ADD COLUMN predecessor_id BIGINT;
ALTER TABLE criterion ADD CONSTRAINT criterion_predecessor_fk
    FOREIGN KEY (municipality_id, predecessor_id) REFERENCES criterion (municipality_id, id)
    ON DELETE SET NULL (predecessor_id);
