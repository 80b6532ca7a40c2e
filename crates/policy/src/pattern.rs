//! IAM wildcard patterns: `*` matches any run of characters (also none), `?` exactly one.
//! Actions compare case-insensitively, resource ARNs case-sensitively, as in IAM.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

fn same(a: u8, b: u8, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    }
}

/// Byte length of the UTF-8 character starting with `lead`, so that `?` takes one character.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether `pattern` matches all of `text`. Linear in practice: on a mismatch it backtracks
/// only to the most recent `*`.
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                ti += char_len(t[ti]);
            }
            Some(&c) if same(c, t[ti], case) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    // Let the last `*` swallow one more character and retry after it.
                    let next = st + char_len(t[st]);
                    star = Some((sp, next));
                    pi = sp + 1;
                    ti = next;
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == b'*') && ti == t.len()
}

pub fn has_wildcard(pattern: &str) -> bool {
    pattern.bytes().any(|b| b == b'*' || b == b'?')
}

/// Whether every text `specific` matches is also matched by `general` — for example
/// `arn:aws:neptune-db:*` covers `arn:aws:neptune-db:us-east-1:1:cluster-A/*`. Wildcards in
/// `specific` stand for unknown text, so only a wildcard of `general` can absorb them. Sound
/// (never claims a cover that does not hold); patterns are short, so a table is cheap.
pub fn covers(general: &str, specific: &str, case: Case) -> bool {
    // Fast paths (the analyzer's hot spot): only a pattern pair with wildcards on both sides
    // needs the table.
    match (has_wildcard(general), has_wildcard(specific)) {
        (false, false) => {
            general.len() == specific.len()
                && general
                    .bytes()
                    .zip(specific.bytes())
                    .all(|(a, b)| same(a, b, case))
        }
        (false, true) => false,
        (true, false) => matches(general, specific, case),
        (true, true) => covers_by_table(general, specific, case),
    }
}

/// [`covers`] for any pair, by dynamic programming over both patterns.
fn covers_by_table(general: &str, specific: &str, case: Case) -> bool {
    let (g, s) = (general.as_bytes(), specific.as_bytes());
    let width = s.len() + 1;
    // cover[i][j]: general[i..] covers specific[j..]; filled from the ends backwards.
    let mut cover = vec![false; (g.len() + 1) * width];
    cover[g.len() * width + s.len()] = true;
    for i in (0..g.len()).rev() {
        for j in (0..=s.len()).rev() {
            cover[i * width + j] = match g[i] {
                b'*' => cover[(i + 1) * width + j] || (j < s.len() && cover[i * width + j + 1]),
                b'?' => j < s.len() && s[j] != b'*' && cover[(i + 1) * width + j + 1],
                c => {
                    j < s.len()
                        && !matches!(s[j], b'*' | b'?')
                        && same(c, s[j], case)
                        && cover[(i + 1) * width + j + 1]
                }
            };
        }
    }
    cover[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Case::*;

    #[test]
    fn wildcards_match_as_iam_does() {
        let cases = [
            ("*", "neptune-db:ResetDatabase", Insensitive, true),
            (
                "neptune-db:*",
                "neptune-db:ResetDatabase",
                Insensitive,
                true,
            ),
            (
                "NEPTUNE-DB:reset*",
                "neptune-db:ResetDatabase",
                Insensitive,
                true,
            ),
            (
                "neptune-db:Reset*",
                "neptune-db:ReadDataViaQuery",
                Insensitive,
                false,
            ),
            (
                "neptune-db:*Data*",
                "neptune-db:DeleteDataViaQuery",
                Insensitive,
                true,
            ),
            (
                "neptune-db:?etEngineStatus",
                "neptune-db:GetEngineStatus",
                Insensitive,
                true,
            ),
            ("neptune-db:?", "neptune-db:", Insensitive, false),
            (
                "neptune-db:Get*Status",
                "neptune-db:GetQueryStatus",
                Insensitive,
                true,
            ),
            (
                "neptune-db:Get*Status",
                "neptune-db:GetQueryStatusX",
                Insensitive,
                false,
            ),
            ("nept*:*", "neptune-db:connect", Insensitive, true),
            (
                "neptune-db:connect",
                "neptune-db:Connect",
                Insensitive,
                true,
            ),
            (
                "arn:aws:neptune-db:*:*:cluster-ABC/*",
                "arn:aws:neptune-db:us-east-1:1:cluster-abc/*",
                Sensitive,
                false,
            ),
            ("", "", Sensitive, true),
            ("**", "", Sensitive, true),
            ("a?c", "aéc", Sensitive, true),
        ];
        for (pattern, text, case, expected) in cases {
            assert_eq!(
                matches(pattern, text, case),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn covers_is_pattern_inclusion() {
        let cases = [
            ("*", "arn:aws:neptune-db:us-east-1:1:cluster-A/*", true),
            (
                "arn:aws:neptune-db:*",
                "arn:aws:neptune-db:us-east-1:1:cluster-A/*",
                true,
            ),
            (
                "arn:aws:neptune-db:us-east-1:1:cluster-A/*",
                "arn:aws:neptune-db:us-east-1:1:cluster-A/*",
                true,
            ),
            (
                "arn:aws:neptune-db:us-east-1:1:cluster-A/*",
                "arn:aws:neptune-db:*:1:cluster-A/*",
                false,
            ),
            ("arn:aws:neptune-db:us-east-1:1:cluster-A/*", "*", false),
            (
                "arn:aws:neptune-db:?s-east-1:1:*",
                "arn:aws:neptune-db:us-east-1:1:cluster-A/*",
                true,
            ),
            (
                "arn:aws:neptune-db:?s-east-1:1:*",
                "arn:aws:neptune-db:*-east-1:1:cluster-A/*",
                false,
            ),
            ("a*", "a?", true),
            ("a?", "a*", false),
            ("*", "*", true),
        ];
        for (general, specific, expected) in cases {
            assert_eq!(
                covers(general, specific, Sensitive),
                expected,
                "{general} ⊇ {specific}"
            );
        }
        assert!(covers(
            "NEPTUNE-DB:Reset*",
            "neptune-db:ResetDatabase",
            Insensitive
        ));
        assert!(covers(
            "neptune-db:ReadDataViaQuery",
            "NEPTUNE-DB:readdataviaquery",
            Insensitive
        ));
        assert!(!covers(
            "neptune-db:ReadDataViaQuery",
            "NEPTUNE-DB:readdataviaquery",
            Sensitive
        ));
        assert!(!covers(
            "neptune-db:ReadDataViaQuery",
            "neptune-db:Read*",
            Insensitive
        ));
        assert!(
            covers("arn:?", "arn:é", Sensitive),
            "`?` is one character, as in IAM"
        );
    }

    proptest::proptest! {
        /// The fast paths agree with the table on every ASCII pattern pair.
        #[test]
        fn fast_paths_agree_with_the_table(
            general in "[ab*?]{0,6}",
            specific in "[ab*?]{0,6}",
            insensitive in proptest::bool::ANY,
        ) {
            let case = if insensitive { Insensitive } else { Sensitive };
            proptest::prop_assert_eq!(
                covers(&general, &specific, case),
                covers_by_table(&general, &specific, case)
            );
        }
    }
}
