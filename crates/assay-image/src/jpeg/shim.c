/*
 * A small shim over the libjpeg API of the system's libjpeg-turbo.
 *
 * libjpeg reports fatal errors through error_exit, which must not return;
 * the default one calls exit(). Here it jumps back (longjmp) into the
 * function that started the work, which returns an error code and the
 * library's message, so a corrupt file becomes an error in Rust, never an
 * exit or a jump across Rust frames: every setjmp and longjmp happens in
 * this file, and no Rust code runs between them.
 *
 * Decoding uses libjpeg's defaults, as Pillow does (accurate integer IDCT,
 * fancy upsampling), so the pixels equal Pillow's. A file that ends early
 * (libjpeg's "Premature end of JPEG file" warning, after which it would
 * pad the image with grey) is an error, as Pillow reports "image file is
 * truncated"; other warnings are ignored, as Pillow ignores them.
 */

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#define ASSAY_JPEG_MESSAGE 200

struct assay_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[ASSAY_JPEG_MESSAGE];
};

static void assay_error_exit(j_common_ptr cinfo) {
    struct assay_error *err = (struct assay_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    strncpy(err->message, text, ASSAY_JPEG_MESSAGE - 1);
    err->message[ASSAY_JPEG_MESSAGE - 1] = '\0';
    longjmp(err->jump, 1);
}

static void assay_emit_message(j_common_ptr cinfo, int level) {
    struct assay_error *err = (struct assay_error *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        strncpy(err->message, "the file is truncated", ASSAY_JPEG_MESSAGE - 1);
        err->message[ASSAY_JPEG_MESSAGE - 1] = '\0';
        longjmp(err->jump, 1);
    }
    /* Other warnings and trace messages: ignored, as Pillow does. */
}

static void assay_init_error(struct assay_error *err) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = assay_error_exit;
    err->pub.emit_message = assay_emit_message;
    err->message[0] = '\0';
}

static void assay_copy_message(char *out, size_t out_len, const char *message) {
    if (out == NULL || out_len == 0) {
        return;
    }
    strncpy(out, message, out_len - 1);
    out[out_len - 1] = '\0';
}

/* Colour spaces of a file, as told by its header. */
#define ASSAY_SPACE_GRAY 1
#define ASSAY_SPACE_COLOR 3 /* YCbCr or RGB: decoded to RGB */
#define ASSAY_SPACE_OTHER 4 /* CMYK, YCCK and others: not decoded here */

/*
 * Reads the header of `data`: width, height and colour space.
 * Returns 0, or -1 with the reason in `message`.
 */
int assay_jpeg_header(const unsigned char *data, unsigned long len, unsigned int *width,
                      unsigned int *height, int *space, char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    struct assay_error err;
    assay_init_error(&err);
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        assay_copy_message(message, message_len, err.message);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, len);
    jpeg_read_header(&cinfo, TRUE);
    *width = cinfo.image_width;
    *height = cinfo.image_height;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        *space = ASSAY_SPACE_GRAY;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        *space = ASSAY_SPACE_COLOR;
        break;
    default:
        *space = ASSAY_SPACE_OTHER;
        break;
    }
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/*
 * Decodes `data` into `out` (`out_len` bytes: width * height * channels,
 * of the size scaled by 1 / `denom`: ceil(width / denom) and so on),
 * as greyscale (`channels` 1), RGB (`channels` 3) or, for CMYK and YCCK
 * files, CMYK (`channels` 4, as stored: YCCK converted, nothing inverted).
 * Returns 0, or -1 with the reason in `message`.
 */
int assay_jpeg_decode(const unsigned char *data, unsigned long len, int channels, int denom,
                      unsigned char *out, size_t out_len, char *message, size_t message_len) {
    struct jpeg_decompress_struct cinfo;
    struct assay_error err;
    assay_init_error(&err);
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        assay_copy_message(message, message_len, err.message);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 4 ? JCS_CMYK : JCS_RGB;
    /* 1 (full size), 2, 4 or 8: libjpeg's reduced-size IDCT. */
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)denom;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)channels;
    if (cinfo.output_components != channels ||
        stride * (size_t)cinfo.output_height != out_len) {
        assay_copy_message(message, message_len, "unexpected output size");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/*
 * Encodes packed RGB rows as a baseline JPEG of `quality` (libjpeg's
 * defaults: 4:2:0 chroma subsampling). On success `*out` holds
 * `*out_len` bytes that the caller frees with assay_jpeg_free.
 * Returns 0, or -1 with the reason in `message`.
 */
int assay_jpeg_encode_rgb(const unsigned char *rgb, unsigned int width, unsigned int height,
                          int quality, unsigned char **out, unsigned long *out_len,
                          char *message, size_t message_len) {
    struct jpeg_compress_struct cinfo;
    struct assay_error err;
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    assay_init_error(&err);
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        assay_copy_message(message, message_len, err.message);
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_len = size;
    return 0;
}

/* Frees a buffer returned by assay_jpeg_encode_rgb. */
void assay_jpeg_free(unsigned char *buffer) { free(buffer); }

/* The library's version number (libjpeg-turbo: 2001005 for 2.1.5), or 0. */
int assay_jpeg_turbo_version(void) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
    return LIBJPEG_TURBO_VERSION_NUMBER;
#else
    return 0;
#endif
}
