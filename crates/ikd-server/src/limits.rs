//! Rate limits per client address and per account, counted in the database (fixed
//! windows), so several service instances enforce one limit. Per-address budgets are
//! generous because Indonesian mobile carriers put many subscribers behind one address
//! (carrier-grade NAT); the per-account limits and the PIN lockout are the tight ones.

use std::net::IpAddr;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: i64,
    pub window_secs: i64,
}

pub const REGISTRATION_PER_IP: Limit = Limit {
    name: "registration",
    max: 120,
    window_secs: 600,
};
pub const CAPTCHA_PER_IP: Limit = Limit {
    name: "captcha",
    max: 200,
    window_secs: 600,
};
pub const CHALLENGE_PER_IP: Limit = Limit {
    name: "challenge",
    max: 600,
    window_secs: 60,
};
pub const OFFICER_LOGIN_PER_IP: Limit = Limit {
    name: "officer-login",
    max: 20,
    window_secs: 600,
};
/// On top of the PIN lockout: attempts on one NIK from anywhere.
pub const LOGIN_PER_NIK: Limit = Limit {
    name: "login-nik",
    max: 20,
    window_secs: 600,
};

/// Lupa PIN codes mailed per account a day: with 5 tries per code, at most 25 guesses a day
/// at a 6-digit code, and no mailbox flooded.
pub const PIN_RESET_PER_NIK: Limit = Limit {
    name: "pin-reset-nik",
    max: 5,
    window_secs: 86_400,
};
/// The same per device key, so one phone cannot run resets for NIK after NIK.
pub const PIN_RESET_PER_DEVICE: Limit = Limit {
    name: "pin-reset-device",
    max: 5,
    window_secs: 86_400,
};

/// Device changes (a registration of a NIK active on another phone) started per NIK a day:
/// each can end in the owner's inbox and the officers' queue.
pub const DEVICE_CHANGE_PER_NIK: Limit = Limit {
    name: "device-change-nik",
    max: 3,
    window_secs: 86_400,
};

/// Email/phone changes started per NIK a day (each mails a code).
pub const CONTACT_CHANGE_PER_NIK: Limit = Limit {
    name: "contact-change-nik",
    max: 5,
    window_secs: 86_400,
};

/// Cancel links (Lupa PIN's and a device change's) tried per client address: a link is a
/// 256-bit secret, so this only bounds the work of someone trying links at random.
pub const CANCEL_LINK_PER_IP: Limit = Limit {
    name: "cancel-link",
    max: 30,
    window_secs: 600,
};

/// Counts one hit of `limit` for `subject`; refuses once the window's budget is spent.
pub async fn hit(state: &crate::app::AppState, limit: Limit, subject: &str) -> Result<()> {
    let at = state.now();
    let window = at - at.rem_euclid(limit.window_secs);
    let key = format!("{}:{subject}", limit.name);
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
             window_start = excluded.window_start
         RETURNING count",
    )
    .bind(key)
    .bind(window)
    .fetch_one(&state.db.pool)
    .await?;
    if count > limit.max {
        Err(Error::RateLimited {
            wait_secs: window + limit.window_secs - at,
        })
    } else {
        Ok(())
    }
}

/// The per-address key: IPv6 clients by their /64, since one host holds a whole /64.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_eq!(ip_key("10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}
