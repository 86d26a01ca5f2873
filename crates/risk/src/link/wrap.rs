//! Redirect wrappers of big sites (`google.com/url?q=`, `l.facebook.com/l.php?u=`,
//! Outlook safe links...): the address in the wrapper's parameter is where the link
//! really goes. The wrappers are data (`data/redirects.txt`).

/// The wrapper list shipped with marketguard.
const REDIRECTS: &str = include_str!("../../data/redirects.txt");

/// One wrapper: where it lives and the parameters that carry the target.
#[derive(Debug, Clone)]
pub(super) struct Wrapper {
    domain: String,
    path: String,
    params: Vec<String>,
}

/// The built-in wrappers.
pub(super) fn wrappers() -> Vec<Wrapper> {
    REDIRECTS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace().map(str::to_string);
            Some(Wrapper {
                domain: parts.next()?,
                path: parts.next()?,
                params: parts.collect(),
            })
        })
        .collect()
}

impl Wrapper {
    fn matches(&self, host: &str, registrable: &str, suffix: &str) -> bool {
        if let Some(brand) = self.domain.strip_suffix(".*") {
            return registrable
                .strip_suffix(suffix)
                .map(|l| l.trim_end_matches('.'))
                == Some(brand);
        }
        registrable == self.domain
            || host == self.domain
            || host.ends_with(&self.domain)
                && host.as_bytes()[host.len() - self.domain.len() - 1] == b'.'
    }
}

/// The address a wrapped URL leads to, when `url` is a known wrapper with a target.
pub(super) fn unwrap(
    wrappers: &[Wrapper],
    url: &url::Url,
    host: &str,
    registrable: &str,
    suffix: &str,
) -> Option<String> {
    let w = wrappers
        .iter()
        .find(|w| url.path().starts_with(&w.path) && w.matches(host, registrable, suffix))?;
    url.query_pairs()
        .find(|(k, v)| w.params.iter().any(|p| p == k) && looks_like_address(v))
        .map(|(_, v)| v.trim().to_string())
}

/// Whether a parameter's value is an address worth scanning.
fn looks_like_address(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    v.contains("://") || v.starts_with("www.") || v.starts_with("data:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(u: &str) -> Option<String> {
        let url = url::Url::parse(u).unwrap();
        let host = url.host_str().unwrap().to_string();
        let registrable = psl::domain_str(&host).unwrap().to_string();
        let suffix = psl::suffix_str(&host).unwrap().to_string();
        unwrap(&wrappers(), &url, &host, &registrable, &suffix)
    }

    #[test]
    fn wrappers_give_their_target() {
        assert_eq!(
            target("https://www.google.de/url?sa=t&q=https%3A%2F%2Fexample.org%2Fa").as_deref(),
            Some("https://example.org/a")
        );
        assert_eq!(
            target(
                "https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2Fx.test%2F&data=1"
            )
            .as_deref(),
            Some("http://x.test/")
        );
        assert_eq!(
            target("https://vk.com/away.php?to=http://x.test").as_deref(),
            Some("http://x.test")
        );
        assert_eq!(target("https://www.google.com/search?q=shoes"), None);
        assert_eq!(target("https://www.google.com/url?q=shoes"), None);
    }
}
