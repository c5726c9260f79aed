//! `hearken serve`: the application on a loopback port of its own behind the public listener
//! ([`crate::web::front`], which sets the timeouts Rocket leaves open), and, once both have
//! stopped, a way to wait until the database is closed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::tokio::net::TcpListener;
use rocket::tokio::sync::oneshot;

use crate::db::{Closing, Db};
use crate::web::front::{self, Timeouts};

/// Runs the server until it is told to stop (SIGTERM, Ctrl-C).
pub async fn run(figment: Figment) -> Result<Option<Closing>, String> {
    let settings =
        crate::Settings::from_figment(&figment).map_err(|e| format!("cannot start: {e}"))?;
    let address: IpAddr = figment
        .extract_inner("address")
        .map_err(|e| format!("ROCKET_ADDRESS: {e}"))?;
    let port: u16 = figment
        .extract_inner("port")
        .map_err(|e| format!("ROCKET_PORT: {e}"))?;
    let public = TcpListener::bind((address, port))
        .await
        .map_err(|e| format!("cannot start: cannot listen on {address}:{port}: {e}"))?;
    let public_addr = public
        .local_addr()
        .map_err(|e| format!("cannot listen on {address}:{port}: {e}"))?;
    // Links name the public address, not the internal one, unless a base URL is set.
    let figment = figment
        .join(("base_url", format!("http://{public_addr}")))
        .merge(("address", IpAddr::V4(Ipv4Addr::LOCALHOST)))
        .merge(("port", 0));

    let (bound, internal) = oneshot::channel::<u16>();
    let bound = Mutex::new(Some(bound));
    let rocket = crate::build(figment)
        .attach(AdHoc::on_liftoff("Public listener", move |rocket| {
            let port = rocket.config().port;
            Box::pin(async move {
                if let Some(bound) = bound.lock().ok().and_then(|mut b| b.take()) {
                    let _ = bound.send(port);
                }
            })
        }))
        .ignite()
        .await
        .map_err(|e| format!("the server did not start: {e}"))?;
    let closing = rocket.state::<Db>().map(Db::closing);
    let shutdown = rocket.shutdown();
    let timeouts = Timeouts {
        header: settings.header_timeout,
        body: settings.body_timeout,
        form_limit: rocket
            .config()
            .limits
            .get("form")
            .map_or(u64::MAX, |limit| limit.as_u64()),
    };
    rocket::tokio::spawn(async move {
        let Ok(port) = internal.await else {
            return;
        };
        // Printed whatever the log level, and a moment later than Rocket's own launch line
        // (which names the internal port and follows the liftoff fairings), so the last
        // address on the console is the one to open. Serving does not wait for it.
        rocket::tokio::spawn(async move {
            rocket::tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            crate::web::logging::announce(&format!("Hearken is listening on http://{public_addr}"));
        });
        let backend = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        front::serve(public, backend, timeouts, shutdown).await;
    });
    match rocket.launch().await {
        Ok(_) => {}
        // Rocket counts a stop that outlasts its grace and mercy periods (the shutdown drain of
        // the submission writer and the mail worker under load, or a client's connection still
        // open) as failed, though by then the drain has finished and every acknowledged answer
        // is stored: that is still a stop, not a crash, so the exit code says so.
        Err(e) if matches!(e.kind(), rocket::error::ErrorKind::Shutdown(_, None)) => {
            log::warn!("the stop took longer than the shutdown grace period");
        }
        Err(e) => return Err(format!("the server stopped: {e}")),
    }
    Ok(closing)
}
