//! Running Hearken: the Prometheus figures at `/metrics` and `hearken backup`.

#[cfg(feature = "sqlite")]
pub mod backup;
pub mod metrics;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket.mount("/", metrics::routes())
}
