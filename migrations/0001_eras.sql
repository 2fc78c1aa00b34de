-- Japanese eras (元号). Data, not code: a new era is one INSERT.
-- first_fiscal_year: the first fiscal year (April–March, by its starting western year) labelled
-- with the era. It is data because the practice varies: fiscal 2019 is 令和元年度 although 令和
-- began in May, while fiscal 1988 stayed 昭和63年度 and fiscal 1926 大正15年度.
CREATE TABLE era (
    name              TEXT PRIMARY KEY CHECK (name <> ''),
    starts_on         DATE NOT NULL UNIQUE,
    first_fiscal_year INTEGER NOT NULL UNIQUE
        CHECK (first_fiscal_year BETWEEN extract(year FROM starts_on) AND extract(year FROM starts_on) + 1)
);

INSERT INTO era (name, starts_on, first_fiscal_year) VALUES
    ('明治', '1868-10-23', 1868),
    ('大正', '1912-07-30', 1912),
    ('昭和', '1926-12-25', 1927),
    ('平成', '1989-01-08', 1989),
    ('令和', '2019-05-01', 2019);
