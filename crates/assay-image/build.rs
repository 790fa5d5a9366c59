//! Finds the system's libjpeg (libjpeg-turbo on Debian: `libjpeg62-turbo-dev`)
//! with pkg-config and compiles the small C shim against it. Without it (or
//! with `ASSAY_JPEG=image`), JPEG goes through the `image` crate instead and
//! `assay --version` says so: that build works anywhere but does not decode
//! bit for bit as Pillow does.

fn main() {
    println!("cargo:rerun-if-changed=src/jpeg/shim.c");
    println!("cargo:rerun-if-env-changed=ASSAY_JPEG");
    println!("cargo::rustc-check-cfg=cfg(assay_system_libjpeg)");
    if std::env::var("ASSAY_JPEG").is_ok_and(|v| v == "image") {
        println!("cargo:rustc-env=ASSAY_JPEG_BACKEND=image crate (ASSAY_JPEG=image at build time)");
        return;
    }
    let library = match pkg_config::Config::new().probe("libjpeg") {
        Ok(library) => library,
        Err(e) => {
            println!(
                "cargo:warning=libjpeg not found with pkg-config ({}); JPEG decoding falls back to the image crate, which is not bit-exact with Pillow. Install libjpeg62-turbo-dev (Debian) or libjpeg-turbo-devel for Pillow-exact JPEG.",
                e.to_string().lines().next().unwrap_or("not found")
            );
            println!(
                "cargo:rustc-env=ASSAY_JPEG_BACKEND=image crate (no system libjpeg at build time)"
            );
            return;
        }
    };
    let mut build = cc::Build::new();
    build.file("src/jpeg/shim.c").warnings(true);
    for dir in &library.include_paths {
        build.include(dir);
    }
    build.compile("assay_jpeg_shim");
    println!("cargo:rustc-cfg=assay_system_libjpeg");
    println!(
        "cargo:rustc-env=ASSAY_JPEG_BACKEND=system libjpeg {} (pkg-config)",
        library.version
    );
}
