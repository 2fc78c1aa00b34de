//! Integration tests: the real router, a real PostgreSQL, a fresh database per test.

mod bench;
mod citizens;
mod city_list;
mod city_workbooks;
mod demo_data;
mod deployment;
mod end_to_end;
mod era;
mod export;
mod faults;
mod heads_demo;
mod helpers;
mod import;
mod page_cache;
mod plan_editor;
mod plan_import;
mod plans;
mod public_pages;
mod publication;
mod query_count;
mod results;
mod server_limits;
mod staff_admin;
mod staff_auth;
mod staff_editing;
mod static_site;
