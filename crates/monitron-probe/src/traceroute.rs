//! `traceroute`: the routers between here and `host`, with the round trip to each.
//!
//! Unprivileged, the way Linux's own `traceroute` does it without root: UDP datagrams to a
//! high port with the TTL (IPv6: hop limit) raised by one per hop, on a socket with
//! `IP_RECVERR`. Each router that drops a datagram for its expired TTL answers with ICMP
//! "time exceeded", and the destination answers "port unreachable"; the kernel queues both
//! on the socket's error queue with the address of the router that sent it. No raw socket,
//! no CAP_NET_RAW, no `ping_group_range` needed. One probe per hop; a hop that stays silent
//! within `hop_timeout_ms` is recorded without an address, as `*` in classic traceroute.
//!
//! Up when the destination answered within `max_hops`; the response time is the round trip
//! to the destination. Linux only.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Most hops.
pub const MAX_HOPS: u8 = 64;

/// Settings of a traceroute check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// Most routers to cross, 1-64.
    #[serde(default = "default_max_hops")]
    pub max_hops: u8,
    /// How long to wait for each hop's answer, 50-10000 ms.
    #[serde(default = "default_hop_timeout_ms")]
    pub hop_timeout_ms: u32,
    /// Destination UDP port of the first probe (raised by one per hop); it should be closed
    /// on the destination so that it answers "port unreachable".
    #[serde(default = "default_port")]
    pub port: u16,
}

fn default_max_hops() -> u8 {
    30
}

fn default_hop_timeout_ms() -> u32 {
    1000
}

fn default_port() -> u16 {
    33434
}

/// One hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    /// The TTL (hop number), from 1.
    pub ttl: u8,
    /// Who answered; `None` when nobody did in time.
    pub address: Option<IpAddr>,
    /// Round trip, in milliseconds.
    pub rtt_ms: Option<f64>,
}

/// What a traceroute found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Address traced to.
    pub resolved_ip: Option<IpAddr>,
    /// Whether the destination answered.
    pub reached: bool,
    /// Every hop tried, in order.
    pub hops: Vec<Hop>,
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Agent;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        if !(1..=MAX_HOPS).contains(&self.max_hops) {
            errors.insert(
                "max_hops".into(),
                format!("must be between 1 and {MAX_HOPS}"),
            );
        }
        if !(50..=10_000).contains(&self.hop_timeout_ms) {
            errors.insert(
                "hop_timeout_ms".into(),
                "must be between 50 and 10000".into(),
            );
        }
        if self.port == 0 || u32::from(self.port) + u32::from(self.max_hops) > 65_535 {
            errors.insert(
                "port".into(),
                "must be between 1 and 65535 minus max_hops".into(),
            );
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details::default();
        let deadline = Instant::now() + timeout;
        let address = match crate::resolve::first(&self.host, 0, timeout).await {
            Ok(a) => a.ip(),
            Err(message) => return Outcome::down(None, message, details),
        };
        details.resolved_ip = Some(address);
        let config = self.clone();
        let traced = tokio::task::spawn_blocking(move || trace(&config, address, deadline)).await;
        let (hops, reached) = match traced {
            Ok(Ok(found)) => found,
            Ok(Err(err)) => {
                return Outcome::down(None, format!("cannot send probes: {err}"), details)
            }
            Err(err) => return Outcome::down(None, format!("traceroute failed: {err}"), details),
        };
        details.hops = hops;
        details.reached = reached;
        let count = details.hops.len();
        if reached {
            let rtt = details.hops.last().and_then(|h| h.rtt_ms).unwrap_or(0.0);
            let message = format!(
                "reached {address} in {count} hop{}",
                if count == 1 { "" } else { "s" }
            );
            Outcome::up(rtt, message, details)
        } else if Instant::now() >= deadline {
            Outcome::down(
                None,
                format!("timed out after {count} hops without reaching {address}"),
                details,
            )
        } else {
            Outcome::down(
                None,
                format!("{address} not reached within {} hops", self.max_hops),
                details,
            )
        }
    }
}

/// An answer from the error queue.
struct IcmpAnswer {
    from: Option<IpAddr>,
    /// Whether it came from the destination (port unreachable, or any answer from it).
    final_hop: bool,
}

/// Sends one probe per TTL until the destination answers, `max_hops` is reached or the
/// deadline passes. Blocking.
fn trace(config: &Config, address: IpAddr, deadline: Instant) -> std::io::Result<(Vec<Hop>, bool)> {
    let bind: SocketAddr = match address {
        IpAddr::V4(_) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = std::net::UdpSocket::bind(bind)?;
    set_recv_err(&socket, address.is_ipv6())?;
    let mut hops = Vec::new();
    for ttl in 1..=config.max_hops {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        set_ttl(&socket, address.is_ipv6(), ttl)?;
        let port = config.port + u16::from(ttl) - 1;
        let sent_at = Instant::now();
        // A send can fail with the error of an earlier probe; that answer is read below.
        let _ = socket.send_to(b"monitron-traceroute", SocketAddr::new(address, port));
        let wait_until =
            deadline.min(sent_at + Duration::from_millis(u64::from(config.hop_timeout_ms)));
        let answer = wait_for_answer(&socket, address, port, wait_until)?;
        let rtt = answer.as_ref().map(|_| millis(sent_at.elapsed()));
        let reached = answer.as_ref().is_some_and(|a| a.final_hop);
        hops.push(Hop {
            ttl,
            address: answer.and_then(|a| a.from),
            rtt_ms: rtt,
        });
        if reached {
            return Ok((hops, true));
        }
    }
    Ok((hops, false))
}

fn set_recv_err(socket: &std::net::UdpSocket, v6: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let (level, name) = if v6 {
        (libc::IPPROTO_IPV6, libc::IPV6_RECVERR)
    } else {
        (libc::IPPROTO_IP, libc::IP_RECVERR)
    };
    let on: libc::c_int = 1;
    // SAFETY: a valid socket fd and a pointer to a c_int of the stated size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn set_ttl(socket: &std::net::UdpSocket, v6: bool, ttl: u8) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    if !v6 {
        return socket.set_ttl(u32::from(ttl));
    }
    let hops: libc::c_int = ttl.into();
    // SAFETY: a valid socket fd and a pointer to a c_int of the stated size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_HOPS,
            (&hops as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Waits until `until` for an ICMP answer to the probe sent to `port` on the error queue
/// (late answers to earlier probes, sent to other ports, are skipped).
fn wait_for_answer(
    socket: &std::net::UdpSocket,
    destination: IpAddr,
    port: u16,
    until: Instant,
) -> std::io::Result<Option<IcmpAnswer>> {
    use std::os::fd::AsRawFd;
    let fd = socket.as_raw_fd();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        // POLLIN too: a UDP service on the destination's port answers with data, not ICMP.
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN | libc::POLLERR,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, ms) };
        if ready < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if ready == 0 {
            return Ok(None);
        }
        if poll.revents & libc::POLLERR != 0 {
            if let Some(answer) = read_error_queue(fd, destination, port)? {
                return Ok(Some(answer));
            }
            continue;
        }
        if poll.revents & libc::POLLIN != 0 {
            // Data from the destination (a UDP service answered): reached.
            if read_datagram(fd) == Some(destination) {
                return Ok(Some(IcmpAnswer {
                    from: Some(destination),
                    final_hop: true,
                }));
            }
            continue;
        }
        // POLLHUP or POLLNVAL: the socket is unusable.
        return Err(std::io::Error::other(format!(
            "the probe socket failed (poll events {:#x})",
            poll.revents
        )));
    }
}

/// Reads (and discards) one waiting datagram without blocking; says who sent it. `None`
/// when there was none after all (`poll` may report readiness spuriously) or it failed.
fn read_datagram(fd: libc::c_int) -> Option<IpAddr> {
    let mut data = [0u8; 512];
    let mut from: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut from_len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: valid buffers of the stated sizes; MSG_DONTWAIT so that a datagram gone
    // between poll and here cannot block the thread until the next one.
    let n = unsafe {
        libc::recvfrom(
            fd,
            data.as_mut_ptr().cast(),
            data.len(),
            libc::MSG_DONTWAIT,
            (&mut from as *mut libc::sockaddr_storage).cast(),
            &mut from_len,
        )
    };
    if n < 0 {
        return None;
    }
    // SAFETY: recvfrom wrote the sender's address, a sockaddr of the socket's family.
    unsafe { sockaddr_ip((&from as *const libc::sockaddr_storage).cast()) }
}

/// Reads one message from the socket's error queue; `None` when there is none or it answers
/// a probe to another port than `port`.
fn read_error_queue(
    fd: libc::c_int,
    destination: IpAddr,
    port: u16,
) -> std::io::Result<Option<IcmpAnswer>> {
    let mut data = [0u8; 512];
    let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut control = [0u64; 64];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data; every pointer set below outlives the recvmsg call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut name as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at valid buffers of the stated sizes.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) };
    if n < 0 {
        let err = std::io::Error::last_os_error();
        return match err.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(None),
            _ => Err(err),
        };
    }
    // The message's name is the probe's original destination: which probe this answers.
    // SAFETY: recvmsg wrote a sockaddr of the socket's family into `name`.
    let probe_port = unsafe {
        match i32::from(name.ss_family) {
            libc::AF_INET => {
                u16::from_be((*(&name as *const _ as *const libc::sockaddr_in)).sin_port)
            }
            libc::AF_INET6 => {
                u16::from_be((*(&name as *const _ as *const libc::sockaddr_in6)).sin6_port)
            }
            _ => port,
        }
    };
    if probe_port != port {
        return Ok(None);
    }
    // SAFETY: walking the control messages recvmsg filled in, with the libc macros.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let header = &*cmsg;
            let is_err = (header.cmsg_level == libc::IPPROTO_IP
                && header.cmsg_type == libc::IP_RECVERR)
                || (header.cmsg_level == libc::IPPROTO_IPV6
                    && header.cmsg_type == libc::IPV6_RECVERR);
            if is_err {
                let ee = &*(libc::CMSG_DATA(cmsg) as *const libc::sock_extended_err);
                // Local errors (a too large datagram, say) are not answers from the path.
                let icmp = ee.ee_origin == libc::SO_EE_ORIGIN_ICMP
                    || ee.ee_origin == libc::SO_EE_ORIGIN_ICMP6;
                if !icmp {
                    cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
                    continue;
                }
                let offender = libc::SO_EE_OFFENDER(ee);
                let from = sockaddr_ip(offender);
                // Time exceeded: v4 type 11, v6 type 3. Anything else (unreachable) ends the trace.
                let time_exceeded = (ee.ee_origin == libc::SO_EE_ORIGIN_ICMP && ee.ee_type == 11)
                    || (ee.ee_origin == libc::SO_EE_ORIGIN_ICMP6 && ee.ee_type == 3);
                let final_hop = !time_exceeded || from == Some(destination);
                return Ok(Some(IcmpAnswer { from, final_hop }));
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(None)
}

/// The IP address in a `sockaddr` the kernel wrote (`SO_EE_OFFENDER`).
///
/// # Safety
/// `addr` must point at a sockaddr the kernel filled in (at least its family field).
unsafe fn sockaddr_ip(addr: *const libc::sockaddr) -> Option<IpAddr> {
    match i32::from((*addr).sa_family) {
        libc::AF_INET => {
            let v4 = &*(addr as *const libc::sockaddr_in);
            Some(IpAddr::V4(std::net::Ipv4Addr::from(u32::from_be(
                v4.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 => {
            let v6 = &*(addr as *const libc::sockaddr_in6);
            Some(IpAddr::V6(std::net::Ipv6Addr::from(v6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: Config = serde_json::from_value(serde_json::json!({ "host": "127.0.0.1" })).unwrap();
        assert_eq!((c.max_hops, c.hop_timeout_ms, c.port), (30, 1000, 33434));
        let mut bad = Config {
            host: "".into(),
            max_hops: 0,
            hop_timeout_ms: 10,
            port: 65_530,
        };
        let errors = bad.validate().unwrap_err();
        for field in ["host", "max_hops", "hop_timeout_ms"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let mut high = Config {
            host: "x".into(),
            max_hops: 30,
            hop_timeout_ms: 1000,
            port: 65_530,
        };
        assert!(high.validate().unwrap_err().contains_key("port"));
    }
}
