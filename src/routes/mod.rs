//! HTTP: the route table, and the layers every response passes through.

pub mod assets;
pub mod auth;
pub mod citizens;
pub mod city_list;
pub mod cycle;
pub mod input;
mod layers;
pub mod midyear_open_data;
pub mod midyear_public;
pub mod open_data;
pub mod paths;
pub mod pdf;
pub mod pdf_reports;
pub mod plan_open_data;
pub mod plan_progress;
pub mod plans;
pub mod public;
pub mod results_public;
pub mod staff;
pub mod welcome;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let pages = state.pages.clone();
    // Sign-in and the staff pages: the session is loaded and forged posts refused here.
    let staff = cycle::staff_routes(Router::new())
        .route("/login", get(auth::show_login).post(auth::login))
        .route(
            "/login/welcome/{token}",
            get(welcome::show).post(welcome::set_password),
        )
        .route("/logout", post(auth::logout))
        .route("/staff", get(staff::show_home))
        .route(
            "/staff/password",
            get(auth::show_password).post(auth::change_password),
        )
        .route(
            "/staff/departments/{id}",
            get(staff::sheets::department::show_department),
        )
        .route(
            "/staff/departments/{id}/preview",
            get(staff::sheets::workflow::show_preview),
        )
        .route(
            "/staff/departments/{id}/diff",
            get(staff::sheets::workflow::show_diff),
        )
        .route(
            "/staff/departments/{id}/results",
            get(staff::results::show_department_results),
        )
        .route(
            "/staff/departments/{id}/export.xlsx",
            get(staff::imports::downloads::export_department),
        )
        .route(
            "/staff/admin/years/{year}/export.xlsx",
            get(staff::imports::downloads::export_year),
        )
        .route(
            "/staff/departments/{id}/profile",
            get(staff::results::profile::edit_profile).post(staff::results::profile::save_profile),
        )
        .route(
            "/staff/goals/{id}/status",
            get(staff::results::profile::edit_goal_status)
                .post(staff::results::profile::save_goal_status),
        )
        .route(
            "/staff/initiatives/{id}/results",
            get(staff::results::edit_results).post(staff::results::save_results),
        )
        .route(
            "/staff/admin/years/{year}/deadlines",
            get(staff::organization::deadlines::show_deadlines)
                .post(staff::organization::deadlines::save_deadlines),
        )
        .route(
            "/staff/admin/years/{year}/personnel",
            get(staff::organization::personnel::show_form)
                .post(staff::organization::personnel::upload)
                .layer(DefaultBodyLimit::max(
                    crate::auth::guard::MAX_UPLOAD_BODY_BYTES,
                )),
        )
        .route(
            "/staff/admin/years/{year}/personnel/{id}",
            get(staff::organization::personnel::show_upload),
        )
        .route(
            "/staff/admin/years/{year}/personnel/{id}/confirm",
            post(staff::organization::personnel::confirm),
        )
        .route(
            "/staff/admin/years/{year}/evaluation",
            get(staff::organization::evaluation::show).post(staff::organization::evaluation::save),
        )
        .route(
            "/staff/admin/directory",
            get(staff::organization::directory::show_directory),
        )
        .route(
            "/staff/admin/mail",
            get(staff::organization::mail::show_mail).post(staff::organization::mail::save_mail),
        )
        .route(
            "/staff/admin/mail/test",
            post(staff::organization::mail::send_test),
        )
        .route(
            "/staff/admin/mail/sent",
            get(staff::organization::mail::show_log),
        )
        .route(
            "/staff/admin/years/{year}/progress",
            get(staff::results::progress::show_progress),
        )
        .route(
            "/staff/admin/years/{year}/publication",
            get(staff::publishing::year::show_overview),
        )
        .route(
            "/staff/admin/years/{year}/publish-all",
            post(staff::publishing::year::publish_all),
        )
        .route(
            "/staff/admin/years/{year}/publish",
            post(staff::publishing::year::publish_year),
        )
        .route(
            "/staff/departments/{id}/workflow",
            post(staff::sheets::workflow::change_state),
        )
        .route(
            "/staff/departments/{id}/history",
            get(staff::sheets::history::show_department_history),
        )
        .route(
            "/staff/departments/{id}/goals/new",
            get(staff::sheets::goals::new_goal),
        )
        .route(
            "/staff/departments/{id}/goals",
            post(staff::sheets::goals::create_goal),
        )
        .route(
            "/staff/goals/{id}/edit",
            get(staff::sheets::goals::edit_goal),
        )
        .route("/staff/goals/{id}", post(staff::sheets::goals::update_goal))
        .route(
            "/staff/goals/{id}/delete",
            post(staff::sheets::goals::delete_goal),
        )
        .route(
            "/staff/goals/{id}/move",
            post(staff::sheets::goals::move_goal),
        )
        .route(
            "/staff/goals/{id}/history",
            get(staff::sheets::history::show_goal_history),
        )
        .route(
            "/staff/goals/{id}/initiatives/new",
            get(staff::sheets::initiatives::new_initiative),
        )
        .route(
            "/staff/goals/{id}/initiatives",
            post(staff::sheets::initiatives::create_initiative),
        )
        .route(
            "/staff/initiatives/{id}/edit",
            get(staff::sheets::initiatives::edit_initiative),
        )
        .route(
            "/staff/initiatives/{id}",
            post(staff::sheets::initiatives::update_initiative),
        )
        .route(
            "/staff/initiatives/{id}/delete",
            post(staff::sheets::initiatives::delete_initiative),
        )
        .route(
            "/staff/initiatives/{id}/move",
            post(staff::sheets::initiatives::move_initiative),
        )
        .route(
            "/staff/initiatives/{id}/criteria/new",
            get(staff::sheets::criteria::new_criterion),
        )
        .route(
            "/staff/initiatives/{id}/criteria",
            post(staff::sheets::criteria::create_criterion),
        )
        .route(
            "/staff/criteria/{id}/edit",
            get(staff::sheets::criteria::edit_criterion),
        )
        .route(
            "/staff/criteria/{id}",
            post(staff::sheets::criteria::update_criterion),
        )
        .route(
            "/staff/criteria/{id}/delete",
            post(staff::sheets::criteria::delete_criterion),
        )
        .route(
            "/staff/criteria/{id}/move",
            post(staff::sheets::criteria::move_criterion),
        )
        .route("/staff/admin", get(staff::organization::years::show_admin))
        .route(
            "/staff/admin/years",
            post(staff::organization::years::create_year),
        )
        .route(
            "/staff/admin/years/{year}",
            get(staff::organization::show_organization),
        )
        .route(
            "/staff/admin/years/{year}/departments",
            post(staff::organization::create_department),
        )
        .route(
            "/staff/admin/departments/{id}",
            post(staff::organization::rename_department),
        )
        .route(
            "/staff/admin/departments/{id}/move",
            post(staff::organization::move_department),
        )
        .route(
            "/staff/admin/departments/{id}/delete",
            post(staff::organization::delete_department),
        )
        .route(
            "/staff/admin/departments/{id}/sections",
            post(staff::organization::sections::create_section),
        )
        .route(
            "/staff/admin/sections/{id}",
            post(staff::organization::sections::rename_section),
        )
        .route(
            "/staff/admin/sections/{id}/department",
            post(staff::organization::section_transfer::transfer_section),
        )
        .route(
            "/staff/admin/sections/{id}/move",
            post(staff::organization::sections::move_section),
        )
        .route(
            "/staff/admin/sections/{id}/delete",
            post(staff::organization::sections::delete_section),
        )
        .route(
            "/staff/admin/pillars",
            get(staff::organization::pillars::show_pillars)
                .post(staff::organization::pillars::create_pillar),
        )
        .route(
            "/staff/admin/pillars/{id}",
            post(staff::organization::pillars::update_pillar),
        )
        .route(
            "/staff/admin/users",
            get(staff::organization::accounts::show_users)
                .post(staff::organization::accounts::create_user),
        )
        .route(
            "/staff/admin/users/{id}/roles",
            post(staff::organization::accounts::add_role),
        )
        .route(
            "/staff/admin/users/{id}/email",
            post(staff::organization::accounts::set_email),
        )
        .route(
            "/staff/admin/users/{id}/disable",
            post(staff::organization::accounts::set_disabled),
        )
        .route(
            "/staff/admin/roles/{id}/delete",
            post(staff::organization::accounts::remove_role),
        )
        .route("/staff/plans", get(staff::plans::show_plans))
        .route(
            "/staff/plans/import",
            get(staff::plans::import::show_form)
                .post(staff::plans::import::upload)
                .layer(DefaultBodyLimit::max(
                    crate::auth::guard::MAX_UPLOAD_BODY_BYTES,
                )),
        )
        .route("/staff/plans/import/{id}", get(staff::plans::import::show))
        .route(
            "/staff/plans/{plan}/years/{year}/actuals.xlsx",
            get(staff::plans::actuals_import::download),
        )
        .route(
            "/staff/plans/{plan}/years/{year}/actuals",
            post(staff::plans::actuals_import::upload).layer(DefaultBodyLimit::max(
                crate::auth::guard::MAX_UPLOAD_BODY_BYTES,
            )),
        )
        .route(
            "/staff/plans/{plan}/actuals-imports/{id}",
            get(staff::plans::actuals_import::show),
        )
        .route(
            "/staff/plans/{plan}/actuals-imports/{id}/confirm",
            post(staff::plans::actuals_import::confirm),
        )
        .route(
            "/staff/plans/new",
            get(staff::plans::editor::new_plan_form).post(staff::plans::editor::create_plan),
        )
        .route(
            "/staff/plans/{plan}",
            get(staff::plans::editor::show).post(staff::plans::editor::save_head),
        )
        .route(
            "/staff/plans/{plan}/publication",
            post(staff::plans::publication::set_publication),
        )
        .route(
            "/staff/plans/{plan}/delete",
            post(staff::plans::publication::delete_plan),
        )
        .route(
            "/staff/plans/{plan}/nodes/new",
            get(staff::plans::nodes::new_form).post(staff::plans::nodes::create),
        )
        .route(
            "/staff/plans/{plan}/nodes/{id}",
            get(staff::plans::nodes::edit_form).post(staff::plans::nodes::save),
        )
        .route(
            "/staff/plans/{plan}/nodes/{id}/delete",
            post(staff::plans::nodes::delete),
        )
        .route(
            "/staff/plans/{plan}/nodes/{id}/move",
            post(staff::plans::nodes::move_node),
        )
        .route(
            "/staff/plans/{plan}/items/new",
            get(staff::plans::item_editor::new_form).post(staff::plans::item_editor::create),
        )
        .route(
            "/staff/plans/{plan}/items/{n}/edit",
            get(staff::plans::item_editor::edit_form).post(staff::plans::item_editor::save),
        )
        .route(
            "/staff/plans/{plan}/items/{n}/delete",
            post(staff::plans::item_editor::delete),
        )
        .route(
            "/staff/plans/import/{id}/confirm",
            post(staff::plans::import::confirm),
        )
        .route(
            "/staff/plans/{plan}/export.xlsx",
            get(staff::plans::export_plan),
        )
        .route(
            "/staff/plans/{plan}/items/{n}",
            get(staff::plans::actuals::edit_actuals).post(staff::plans::actuals::save_actuals),
        )
        .route(
            "/staff/plans/{plan}/progress/{year}",
            get(staff::plans::years::preview_progress),
        )
        .route(
            "/staff/plans/{plan}/years/{year}/publish",
            post(staff::plans::years::publish_year),
        )
        .route(
            "/staff/plans/{plan}/years/{year}/review",
            post(staff::plans::years::review_year),
        )
        .route(
            "/staff/admin/site",
            get(staff::publishing::site::show_site).post(staff::publishing::site::save_site),
        )
        .route(
            "/staff/admin/years/{year}/site.zip",
            get(staff::publishing::site::download_site),
        )
        .route(
            "/staff/admin/layout",
            get(staff::organization::settings::show_layout)
                .post(staff::organization::settings::save_layout),
        )
        .route(
            "/staff/import",
            get(staff::imports::show_import_form)
                .post(staff::imports::upload_file)
                .layer(DefaultBodyLimit::max(
                    crate::auth::guard::MAX_UPLOAD_BODY_BYTES,
                )),
        )
        .route(
            "/staff/import/template.xlsx",
            get(staff::imports::download_template),
        )
        .route("/staff/import/{id}", get(staff::imports::show_import))
        .route(
            "/staff/import/{id}/confirm",
            post(staff::imports::confirm_import),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard::staff_guard,
        ))
        // Drafts and forms are never kept by browsers or shared caches.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let public = cycle::public_routes(Router::new())
        .route("/", get(city_list::list_cities))
        .route("/prefectures/{code}", get(city_list::show_prefecture))
        .route("/static/{file}", get(assets::serve_asset))
        .route("/{city}", get(public::show_city))
        .route("/{city}/{year}", get(public::show_booklet))
        .route(
            "/{city}/{year}/departments/{department}",
            get(public::show_department),
        )
        .route(
            "/{city}/{year}/departments/{department}/versions/{version}",
            get(public::show_department_version),
        )
        .route(
            "/{city}/{year}/pillars/{number}",
            get(citizens::show_pillar),
        )
        .route("/{city}/search", get(citizens::search))
        .route("/{city}/plans/{plan}", get(plans::show_plan))
        .route("/{city}/plans/{plan}/items/{n}", get(plans::show_plan_item))
        .route(
            "/{city}/plans/{plan}/progress/{year}",
            get(plan_progress::show_plan_progress),
        )
        .route(
            "/{city}/{year}/results",
            get(results_public::show_results_booklet),
        )
        .route(
            "/{city}/{year}/results/{department}",
            get(results_public::show_results_department),
        )
        .route(
            "/{city}/{year}/results/{department}/versions/{version}",
            get(results_public::show_results_version),
        )
        .route("/{city}/{year}/heads", get(results_public::show_heads))
        .route("/{city}/{year}/heads.pdf", get(pdf::heads))
        .route("/{city}/{year}/summary.pdf", get(pdf_reports::summary))
        .route("/{city}/{year}/summary", get(results_public::show_summary))
        .route("/open-data", get(open_data::show_open_data_schema));
    let routes = Router::new()
        .merge(staff)
        .merge(public)
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state);
    layers::around(routes, pages)
}
