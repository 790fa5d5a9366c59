//! Reading values from a model's `config.json`, with defaults for missing
//! keys and messages that name the key for wrong ones.

use serde_json::Value;

/// The first of `keys` that holds an object, or an empty object (every
/// value then takes its default).
pub fn section(json: &Value, keys: &[&str]) -> Value {
    keys.iter()
        .find_map(|key| json.get(*key).filter(|v| v.is_object()).cloned())
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// A non-negative integer at `key`, or `default` when absent or null.
pub fn get_usize(json: &Value, key: &str, default: usize) -> Result<usize, String> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| format!("expected a non-negative integer at \"{key}\", found {value}")),
    }
}

/// A number at `key`, or `default`.
pub fn get_f64(json: &Value, key: &str, default: f64) -> Result<f64, String> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_f64()
            .ok_or_else(|| format!("expected a number at \"{key}\", found {value}")),
    }
}

/// A string at `key`, or `default`.
pub fn get_str(json: &Value, key: &str, default: &str) -> Result<String, String> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(value) => value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a string at \"{key}\", found {value}")),
    }
}

/// A boolean at `key`, or `default`.
pub fn get_bool(json: &Value, key: &str, default: bool) -> Result<bool, String> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_bool()
            .ok_or_else(|| format!("expected true or false at \"{key}\", found {value}")),
    }
}
