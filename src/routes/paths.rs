//! The public pages' addresses, read once: a city's slug, a western year (four digits), a
//! department's slug, a version or item number as the pages write it (digits, no leading
//! zero). A segment that is not what its place says is a page that does not exist (404),
//! answered here before any handler or query runs.

use crate::error::AppError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

/// A number in a URL (a version, a pillar, an item) written as the pages write it: digits
/// without a leading zero or sign, so each page has one address (and the page cache one entry).
pub fn parse_number(s: &str) -> Result<i32, AppError> {
    let canonical = !s.is_empty()
        && s.len() <= 9
        && s.bytes().all(|b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'));
    match s.parse::<i32>() {
        Ok(n) if canonical => Ok(n),
        _ => Err(AppError::NotFound),
    }
}

/// A western year in a URL; anything else is a page that does not exist.
pub fn parse_year(s: &str) -> Result<i32, AppError> {
    match s.parse::<i32>() {
        Ok(y) if (1900..=2200).contains(&y) && s.len() == 4 => Ok(y),
        _ => Err(AppError::NotFound),
    }
}

/// The path's `N` segments, in order.
async fn segments<const N: usize, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<[String; N], AppError> {
    let Path(values) = Path::<Vec<String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    values.try_into().map_err(|_| AppError::NotFound)
}

/// `/{city}/{year}/…`.
pub struct CityYear {
    pub city: String,
    pub year: i32,
}

impl<S: Send + Sync> FromRequestParts<S> for CityYear {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [city, year] = segments(parts, state).await?;
        Ok(CityYear {
            city,
            year: parse_year(&year)?,
        })
    }
}

/// `/{city}/{year}/…/{department}`, with a version when the path has one more segment
/// (`…/versions/{n}`).
pub struct CityYearDepartment {
    pub city: String,
    pub year: i32,
    pub department: String,
    pub version: Option<i32>,
}

impl<S: Send + Sync> FromRequestParts<S> for CityYearDepartment {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(values) = Path::<Vec<String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let (city, year, department, version) = match values.as_slice() {
            [c, y, d] => (c, y, d, None),
            [c, y, d, v] => (c, y, d, Some(parse_number(v)?)),
            _ => return Err(AppError::NotFound),
        };
        Ok(CityYearDepartment {
            year: parse_year(year)?,
            city: city.clone(),
            department: department.clone(),
            version,
        })
    }
}

/// `/{city}/{year}/…/{number}` (a pillar's number).
pub struct CityYearNumber {
    pub city: String,
    pub year: i32,
    pub number: i32,
}

impl<S: Send + Sync> FromRequestParts<S> for CityYearNumber {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [city, year, number] = segments(parts, state).await?;
        Ok(CityYearNumber {
            city,
            year: parse_year(&year)?,
            number: parse_number(&number)?,
        })
    }
}

/// `/{city}/plans/{plan}/items/{number}`.
pub struct CityPlanNumber {
    pub city: String,
    pub plan: String,
    pub number: i32,
}

impl<S: Send + Sync> FromRequestParts<S> for CityPlanNumber {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [city, plan, number] = segments(parts, state).await?;
        Ok(CityPlanNumber {
            city,
            plan,
            number: parse_number(&number)?,
        })
    }
}

/// `/staff/plans/{plan}/…/{x}`: a plan's slug and one number after it (a year, an item's
/// number, a row's id); a number that does not parse is a 404, as on the public pages.
pub struct PlanAnd<T>(pub String, pub T);

impl<S: Send + Sync, T: std::str::FromStr> FromRequestParts<S> for PlanAnd<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [slug, value] = segments(parts, state).await?;
        let value = value.parse().map_err(|_| AppError::NotFound)?;
        Ok(PlanAnd(slug, value))
    }
}
