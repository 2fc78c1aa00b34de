-- Japanese eras (元号). Data, not code: a new era is one INSERT.
CREATE TABLE era (
    name      TEXT PRIMARY KEY CHECK (name <> ''),
    starts_on DATE NOT NULL UNIQUE
);

INSERT INTO era (name, starts_on) VALUES
    ('明治', '1868-10-23'),
    ('大正', '1912-07-30'),
    ('昭和', '1926-12-25'),
    ('平成', '1989-01-08'),
    ('令和', '2019-05-01');
