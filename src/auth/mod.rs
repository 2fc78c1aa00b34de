//! Staff sign-in: password hashing, sessions stored in PostgreSQL, the signed-in person with
//! their roles, and the guard that protects every state-changing request against forgery.

pub mod directory;
pub mod guard;
pub mod hashing;
pub mod password;
pub mod session;

pub use session::Staff;
