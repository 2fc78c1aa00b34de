//! The routes of the year as city halls run it: the mid-year check (opened by planning staff,
//! recorded by sections, commented by heads, read by citizens) and the posts that change
//! hands. Kept apart from the main table so each stays readable.

use crate::routes::{midyear_open_data, midyear_public, staff};
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The staff routes (behind the sign-in guard the caller adds).
pub fn staff_routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            "/staff/admin/years/{year}/midyear",
            get(staff::organization::midyear::show).post(staff::organization::midyear::open),
        )
        .route(
            "/staff/departments/{id}/midyear",
            get(staff::midyear::show_report),
        )
        .route(
            "/staff/departments/{id}/midyear/comments",
            get(staff::midyear::comments::edit_comments)
                .post(staff::midyear::comments::save_comments),
        )
        .route(
            "/staff/initiatives/{id}/midyear",
            get(staff::midyear::edit_entry).post(staff::midyear::save_entry),
        )
        .route(
            "/staff/departments/{id}/last-year",
            get(staff::sheets::last_year::edit_review).post(staff::sheets::last_year::save_review),
        )
        .route(
            "/staff/admin/departments/{id}/holder",
            post(staff::organization::posts::replace_head),
        )
        .route(
            "/staff/admin/sections/{id}/holder",
            post(staff::organization::posts::replace_chief),
        )
}

/// The citizens' routes.
pub fn public_routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/{city}/{year}/midyear", get(midyear_public::show_booklet))
        .route(
            "/{city}/{year}/midyear.json",
            get(midyear_open_data::show_json),
        )
        .route(
            "/{city}/{year}/midyear.csv",
            get(midyear_open_data::show_csv),
        )
        .route(
            "/{city}/{year}/midyear/{department}",
            get(midyear_public::show_department),
        )
        .route(
            "/{city}/{year}/midyear/{department}/versions/{version}",
            get(midyear_public::show_department),
        )
}
