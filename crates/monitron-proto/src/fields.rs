//! Field errors: input field name (a JSON path such as `config.headers.Authorization` or
//! `probes[0].config.url`) to what is wrong with it, exactly as the `error` object of the
//! server's and the agent's envelopes carries them. One type for every crate, so a probe's
//! validation reaches the API caller unchanged.

use std::collections::BTreeMap;

/// Field name -> reason; `_` holds a reason not tied to one field.
pub type FieldErrors = BTreeMap<String, String>;

/// The same errors with every field name prefixed (`config.` + `url`).
pub fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    errors
        .into_iter()
        .map(|(field, reason)| (format!("{prefix}{field}"), reason))
        .collect()
}

/// `Ok` when no field failed.
pub fn verdict(errors: FieldErrors) -> Result<(), FieldErrors> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_every_field() {
        let errors = FieldErrors::from([("url".to_owned(), "bad".to_owned())]);
        assert_eq!(
            prefixed(errors.clone(), "config."),
            FieldErrors::from([("config.url".to_owned(), "bad".to_owned())])
        );
        assert_eq!(verdict(errors.clone()), Err(errors));
        assert_eq!(verdict(FieldErrors::new()), Ok(()));
    }
}
