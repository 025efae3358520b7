//! IAM-style wildcard matching: `*` matches any run of characters (also
//! empty), `?` exactly one. Callers lowercase both sides for the
//! case-insensitive `Action` element; `Resource` ARNs match case-sensitively.

pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Iterative glob matching with single-star backtracking: linear in practice,
/// never exponential. Ignores ASCII case.
pub fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    wildcard_match_case(pattern, text, true)
}

/// [`wildcard_match`], ignoring ASCII case only when `fold`.
pub fn wildcard_match_case(pattern: &[u8], text: &[u8], fold: bool) -> bool {
    let same = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || same(pattern[p], text[t])) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::wildcard_match as m;

    #[test]
    fn stars_and_questions() {
        assert!(m(b"get*", b"getobject"));
        assert!(m(b"*", b""));
        assert!(m(b"*object", b"getobject"));
        assert!(m(b"g?t*", b"getobject"));
        assert!(!m(b"g?t", b"gt"));
        assert!(m(b"*a*b*c", b"xxaxxbxxc"));
        assert!(!m(b"*a*b*c", b"xxaxxbxx"));
        assert!(!m(b"list*", b"getobject"));
        assert!(m(b"describe*s", b"describeinstances"));
        assert!(!m(b"describe*s", b"describeinstance"));
    }

    #[test]
    fn ascii_case_is_ignored() {
        assert!(m(b"GetObject", b"getobject"));
    }
}
