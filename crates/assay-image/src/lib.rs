//! Imaging below every crate that reads pictures: JPEG decoding and
//! encoding.
//!
//! JPEG goes through the system's libjpeg-turbo (found with pkg-config at
//! build time, called through a small C shim that turns libjpeg's fatal
//! errors into error codes), with libjpeg's default settings, which are
//! Pillow's: the pixels equal Pillow's bit for bit, which the Python
//! references (CleanVision, pytorch-fid, CLIPScore) decode through. Where
//! the system library is missing the `image` crate decodes instead, and
//! [`jpeg::BACKEND`] says so.

pub mod jpeg;
