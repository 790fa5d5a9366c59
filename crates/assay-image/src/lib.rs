//! Imaging below every crate that reads pictures: decoding, PIL-exact
//! resampling, thumbnails, image hashes and finding image files.
//!
//! - [`decode`]: one decode per image, format from the first bytes, to
//!   8-bit L, LA, RGB or RGBA ([`decode::Pixels`]); with
//!   [`decode::decode_with_pil`] also the image as Pillow opens it, where
//!   its mode or samples differ ([`pil_image::PilImage`]).
//! - [`jpeg`]: the JPEG codec. JPEG goes through the system's
//!   libjpeg-turbo (found with pkg-config at build time, called through a
//!   small C shim that turns libjpeg's fatal errors into error codes), with
//!   libjpeg's default settings, which are Pillow's: the pixels equal
//!   Pillow's bit for bit, which the Python references (CleanVision,
//!   pytorch-fid, CLIPScore) decode through. Where the system library is
//!   missing the `image` crate decodes instead, and [`jpeg::BACKEND`] says
//!   so.
//! - [`resample`]: PIL's `Image.resize` (bicubic, Lanczos) byte for byte,
//!   and its mode-F resize.
//! - [`hash`]: `imagehash`'s pHash and dHash, and a hash of decoded pixels.
//! - [`thumbnail`]: small JPEG previews for the web UI and the report.
//! - [`listing`]: the files of a folder and which of them are images.

pub mod decode;
pub mod hash;
pub mod jpeg;
pub mod listing;
pub mod pil_image;
mod pil_open;
pub mod resample;
pub mod thumbnail;
