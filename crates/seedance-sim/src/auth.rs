//! The bearer-key check every API call passes first (401 otherwise), with
//! the gateway habit of repeating the refused credential when asked to.

use seedance_transport::wire::ApiResponse;

use crate::responses::error_response;

/// Checks `authorization` against `key`; `echo` makes the 401 repeat what
/// the client sent, as some gateways do. `force` refuses even a good key.
pub(crate) fn check(
    key: &str,
    authorization: Option<&str>,
    echo: bool,
    force: bool,
) -> Result<(), ApiResponse> {
    let good = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .is_some_and(|k| k == key);
    if good && !force {
        return Ok(());
    }
    let message = if echo {
        format!("Invalid token: {}", authorization.unwrap_or("(none)"))
    } else {
        "Authentication failed. Please check your API key".to_owned()
    };
    Err(error_response(401, "authentication_error", &message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_key_passes_and_echo_repeats_the_header() {
        assert!(check("k", Some("Bearer k"), false, false).is_ok());
        assert!(check("k", Some("Bearer kk"), false, false).is_err());
        assert!(check("k", Some("k"), false, false).is_err());
        assert!(check("k", None, false, false).is_err());
        let r = check("k", Some("Bearer secret"), true, false).unwrap_err();
        assert!(String::from_utf8_lossy(&r.body).contains("Bearer secret"));
        assert!(check("k", Some("Bearer k"), false, true).is_err());
    }
}
