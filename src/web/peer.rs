//! The client's address for rate limits: the socket's peer, unless that peer is a configured
//! trusted proxy, in which case the right-most `X-Forwarded-For` hop that is not a trusted proxy.
//! A client can therefore never pick its own address by sending a header. The socket's peer is
//! the client's when the request came through the server's own public listener ([`super::front`]),
//! which connects to Rocket over loopback and names the client in a header only it can set.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};

use rocket::request::{FromRequest, Outcome, Request};

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client address given the socket peer, the trusted proxies and the forwarded chain.
pub fn resolve(peer: IpAddr, trusted: &[IpAddr], forwarded_for: Option<&str>) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = forwarded_for.unwrap_or("").split(',').rev();
    for hop in hops {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddr {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Infallible> {
        let remote = req
            .remote()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
        let vouched = req.headers().get_one(super::front::PEER_HEADER);
        let peer = super::front::forwarded_peer(remote, vouched).unwrap_or(remote);
        let trusted = req
            .rocket()
            .state::<Settings>()
            .map_or(&[][..], |s| s.trusted_proxies.as_slice());
        let forwarded = req.headers().get_one("X-Forwarded-For");
        Outcome::Success(ClientAddr(resolve(peer, trusted, forwarded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn untrusted_peer_ignores_forwarded_header() {
        assert_eq!(
            resolve(ip("10.0.0.9"), &[], Some("1.2.3.4")),
            ip("10.0.0.9")
        );
    }

    #[test]
    fn trusted_proxy_uses_rightmost_untrusted_hop() {
        let proxies = [ip("127.0.0.1"), ip("10.0.0.2")];
        let chain = "6.6.6.6, 203.0.113.7, 10.0.0.2";
        assert_eq!(
            resolve(ip("127.0.0.1"), &proxies, Some(chain)),
            ip("203.0.113.7")
        );
        assert_eq!(resolve(ip("127.0.0.1"), &proxies, None), ip("127.0.0.1"));
        assert_eq!(
            resolve(ip("127.0.0.1"), &proxies, Some("garbage")),
            ip("127.0.0.1")
        );
    }
}
