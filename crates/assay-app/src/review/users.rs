//! Users: a name, a role and a token shown once; the store keeps only the
//! token's BLAKE3 hash.

use anyhow::{bail, Result};
use assay_store::{Role, Store, User};

/// The hash the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// Adds a user; returns them with their token (shown once, never stored).
pub fn add_user(store: &mut Store, name: &str, role: Role) -> Result<(User, String)> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if !valid {
        bail!("user name {name:?}: use 1 to 64 letters, digits, '_', '-', '.' or '@'");
    }
    let bytes: [u8; 24] = rand::random();
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    store.add_user(name, role, &token_hash(&token))?;
    let user = store
        .users()?
        .into_iter()
        .find(|u| u.name == name)
        .expect("the user just added");
    Ok((user, token))
}

/// The user a token belongs to.
pub fn authenticate(store: &Store, token: &str) -> Result<Option<User>> {
    Ok(store.user_by_token_hash(&token_hash(token))?)
}
