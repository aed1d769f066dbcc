//! Getting notifications to the person: the database listener that claims them exactly once,
//! and the desktop side that raises native OS notifications.

pub mod desktop;
pub mod listener;
