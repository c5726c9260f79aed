//! The prize draw algorithm `hearken-draw-v1`, as published in the API contract: the entrants
//! digest, the draw key and the winner selection. Pure functions, so that the server, the
//! `hearken draw verify` command and the tests all run the very same code, and anyone can
//! rewrite it in a few lines of another language to check a draw.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The name published beside every draw; a later change to the algorithm gets a new name.
pub const ALGORITHM: &str = "hearken-draw-v1";

/// One completion's entry in a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub ticket: u64,
    pub receipt: String,
}

/// What a draw publishes besides its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub entrants_digest: String,
    /// In the order picked: the first is the first prize where prizes differ.
    pub winners: Vec<u64>,
}

/// Lowercase hex SHA-256 of the seed, published at publish time so that the seed cannot be
/// changed once the entries are known.
pub fn commitment(seed: &[u8; 32]) -> String {
    to_hex(&Sha256::digest(seed))
}

/// Lowercase hex SHA-256 of one line `"<ticket>:<receipt>\n"` per entry, tickets ascending. The
/// entries are sorted here so that the digest never depends on the order a caller read them in.
pub fn entrants_digest(entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|entry| entry.ticket);
    let mut hasher = Sha256::new();
    for entry in sorted {
        hasher.update(entry.ticket.to_string().as_bytes());
        hasher.update(b":");
        hasher.update(entry.receipt.as_bytes());
        hasher.update(b"\n");
    }
    to_hex(&hasher.finalize())
}

/// The key the winners are drawn with. It binds the secret seed to this survey, these exact
/// entrants and the public beacon value (`""` when the draw has none), so the owner, who knew
/// the seed all along, could not have steered the result without the beacon.
pub fn draw_key(
    seed: &[u8; 32],
    survey_id: &str,
    entrants_digest: &str,
    beacon_value: &str,
) -> [u8; 32] {
    let message = format!("{ALGORITHM}|{survey_id}|{entrants_digest}|{beacon_value}");
    hmac_sha256(seed, message.as_bytes())
}

/// Picks up to `wanted` distinct tickets from `tickets_ascending`, in the order picked.
pub fn winners(key: &[u8; 32], tickets_ascending: &[u64], wanted: usize) -> Vec<u64> {
    let mut pool = tickets_ascending.to_vec();
    let mut picked = Vec::with_capacity(wanted.min(pool.len()));
    // A bounded range rather than a counter that could overflow; each k is rejected with a
    // probability under one half, so the end of the range is never reached.
    for k in 0..=u64::MAX {
        if picked.len() >= wanted || pool.is_empty() {
            break;
        }
        let block = hmac_sha256(key, &k.to_be_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&block[..8]);
        let x = u64::from_be_bytes(first);
        let n = pool.len() as u64;
        if rejected(x, n) {
            continue;
        }
        // x mod n < n = pool.len(), so the conversion back to usize is lossless.
        let index = (x % n) as usize;
        picked.push(pool.remove(index));
    }
    picked
}

/// Whether `x` falls in the incomplete last stretch of the u64 range, where `x mod n` would
/// favour the small remainders. The bound 2^64 − (2^64 mod n) does not fit in a u64 (it is 2^64
/// itself whenever n divides 2^64), hence u128.
pub fn rejected(x: u64, n: u64) -> bool {
    if n == 0 {
        return true;
    }
    let whole = 1u128 << 64;
    let limit = whole - whole % u128::from(n);
    u128::from(x) >= limit
}

/// Runs a whole draw: digest, key and winners.
pub fn draw(
    seed: &[u8; 32],
    survey_id: &str,
    entries: &[Entry],
    beacon_value: &str,
    wanted: usize,
) -> Outcome {
    let digest = entrants_digest(entries);
    let key = draw_key(seed, survey_id, &digest, beacon_value);
    let mut tickets: Vec<u64> = entries.iter().map(|entry| entry.ticket).collect();
    tickets.sort_unstable();
    Outcome {
        winners: winners(&key, &tickets, wanted),
        entrants_digest: digest,
    }
}

fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    // HMAC pads a key shorter than the hash's 64-byte block with zeros; padding it here gives the
    // same MAC and lets the constructor that cannot fail be used.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&block.into());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex, the form every published value takes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Reads 64 lowercase hex characters; anything else is `None`, since a published seed in
/// another form would not be the one its commitment was computed from.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// A fixed draw whose expected results were computed by a separate Python implementation
/// (hashlib and hmac), so a mistake shared by this module and its tests cannot go unnoticed.
#[cfg(test)]
pub(crate) mod test_vector {
    use super::Entry;

    pub const SURVEY_ID: &str = "svy-test-vector";
    pub const BEACON: &str = "42";
    pub const WANTED: usize = 2;
    pub const RECEIPTS: [&str; 5] = [
        "3f6c0e2a9b41d85c7e20f1a4b9d3c657",
        "a01b2c3d4e5f60718293a4b5c6d7e8f9",
        "5e9d8c7b6a5948372615f4e3d2c1b0a9",
        "0123456789abcdef0fedcba987654321",
        "deadbeefcafef00d0badc0de8badf00d",
    ];
    pub const COMMITMENT: &str = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd";
    pub const DIGEST: &str = "38aeb797a8294e85f069f3a98db8431ee607bbf159286022491fb087ce54130a";
    pub const KEY: &str = "6432ca890a40aceaa8fe8e77d9667e93f55d80981d4b578ffe4a783de2309f9d";
    pub const WINNERS: [u64; 2] = [5, 1];

    /// Bytes 0x00, 0x01, …, 0x1f.
    pub fn seed() -> [u8; 32] {
        std::array::from_fn(|i| i as u8)
    }

    /// Tickets 1 to 5 with the receipts above.
    pub fn entries() -> Vec<Entry> {
        (1u64..)
            .zip(RECEIPTS)
            .map(|(ticket, receipt)| Entry {
                ticket,
                receipt: receipt.to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_vector_gives_the_independently_computed_results() {
        let seed = test_vector::seed();
        let entries = test_vector::entries();
        assert_eq!(commitment(&seed), test_vector::COMMITMENT);
        assert_eq!(entrants_digest(&entries), test_vector::DIGEST);
        let key = draw_key(
            &seed,
            test_vector::SURVEY_ID,
            test_vector::DIGEST,
            test_vector::BEACON,
        );
        assert_eq!(to_hex(&key), test_vector::KEY);
        let outcome = draw(
            &seed,
            test_vector::SURVEY_ID,
            &entries,
            test_vector::BEACON,
            test_vector::WANTED,
        );
        assert_eq!(outcome.entrants_digest, test_vector::DIGEST);
        assert_eq!(outcome.winners, test_vector::WINNERS);
    }

    #[test]
    fn the_digest_does_not_depend_on_the_order_entries_come_in() {
        let mut entries = test_vector::entries();
        entries.reverse();
        assert_eq!(entrants_digest(&entries), test_vector::DIGEST);
    }

    #[test]
    fn hex_round_trips_and_refuses_other_forms() {
        let seed = test_vector::seed();
        assert_eq!(parse_hex32(&to_hex(&seed)), Some(seed));
        assert_eq!(parse_hex32(&to_hex(&seed).to_uppercase()), None);
        assert_eq!(parse_hex32(&to_hex(&seed)[..62]), None);
        assert_eq!(parse_hex32(&format!("{}zz", &to_hex(&seed)[..62])), None);
    }

    /// The 0.999 quantile of the chi-square distribution with 9 degrees of freedom: a fair draw
    /// among 10 tickets exceeds it with probability 0.001.
    const CHI_SQUARE_9_DF_0_999: f64 = 27.877;

    fn chi_square(counts: &[u64], expected: f64) -> f64 {
        counts
            .iter()
            .map(|&count| (count as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// 10,000 draws among tickets 1..=10, each with a seed derived from its index, so the test
    /// is deterministic yet covers many unrelated keys. Returns, for each pick position, how
    /// often each ticket was picked there.
    fn position_counts(wanted: usize) -> Vec<[u64; 10]> {
        let entries: Vec<Entry> = (1..=10u64)
            .map(|ticket| Entry {
                ticket,
                receipt: format!("{ticket:032x}"),
            })
            .collect();
        let mut counts = vec![[0u64; 10]; wanted];
        for index in 0..10_000u64 {
            let seed: [u8; 32] = Sha256::digest(index.to_be_bytes()).into();
            let outcome = draw(&seed, "svy-uniformity", &entries, "", wanted);
            assert_eq!(outcome.winners.len(), wanted);
            for (position, ticket) in outcome.winners.iter().enumerate() {
                counts[position][(ticket - 1) as usize] += 1;
            }
        }
        counts
    }

    #[test]
    fn a_single_winner_is_uniform_over_the_tickets() {
        let counts = position_counts(1);
        let statistic = chi_square(&counts[0], 1_000.0);
        assert!(
            statistic < CHI_SQUARE_9_DF_0_999,
            "chi-square {statistic} for {:?}",
            counts[0]
        );
    }

    #[test]
    fn every_pick_position_is_uniform_over_the_tickets() {
        for (position, counts) in position_counts(3).iter().enumerate() {
            let statistic = chi_square(counts, 1_000.0);
            assert!(
                statistic < CHI_SQUARE_9_DF_0_999,
                "position {position}: chi-square {statistic} for {counts:?}"
            );
        }
    }

    #[test]
    fn wanting_at_least_every_entry_picks_each_ticket_once() {
        let key = [7u8; 32];
        let tickets = [2, 3, 5, 8, 13];
        for wanted in [5, 6, 100] {
            let mut picked = winners(&key, &tickets, wanted);
            assert_eq!(picked.len(), tickets.len());
            picked.sort_unstable();
            assert_eq!(picked, tickets);
        }
    }

    #[test]
    fn no_entries_means_no_winners() {
        assert!(winners(&[7u8; 32], &[], 3).is_empty());
        let outcome = draw(&test_vector::seed(), "svy-empty", &[], "", 3);
        assert!(outcome.winners.is_empty());
        // SHA-256 of the empty text.
        assert_eq!(
            outcome.entrants_digest,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn wanting_none_picks_none() {
        assert!(winners(&[7u8; 32], &[1, 2, 3], 0).is_empty());
    }

    #[test]
    fn rejection_cuts_off_exactly_the_incomplete_last_stretch() {
        // 2^64 mod 3 = 1, so only u64::MAX (that is 2^64 − 1) is rejected.
        assert!(!rejected(0, 3));
        assert!(!rejected(u64::MAX - 1, 3));
        assert!(rejected(u64::MAX, 3));
        // A power of two divides 2^64: nothing is rejected.
        assert!(!rejected(u64::MAX, 1));
        assert!(!rejected(u64::MAX, 2));
        assert!(!rejected(u64::MAX, 1 << 40));
        // 2^64 mod (2^63 + 1) = 2^63 − 1, so the limit is 2^63 + 1.
        let n = (1u64 << 63) + 1;
        assert!(!rejected(1 << 63, n));
        assert!(rejected((1 << 63) + 1, n));
        assert!(rejected(0, 0));
    }
}
