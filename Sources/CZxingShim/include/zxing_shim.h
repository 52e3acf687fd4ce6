// A C API over zxing-cpp 1.4 (Debian's libzxing-dev) for Swift: decode QR codes in a luma buffer.
// No C++ type or exception crosses this boundary; errors come back as a negative count and a message.
#ifndef HG_ZXING_SHIM_H
#define HG_ZXING_SHIM_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// zxing-cpp's binarizers (ZXing::Binarizer), in its order.
enum hg_zxing_binarizer {
    HG_ZXING_LOCAL_AVERAGE = 0,   ///< threshold = mean of the neighbourhood ("hybrid")
    HG_ZXING_GLOBAL_HISTOGRAM = 1,///< threshold = valley between the two biggest histogram peaks
    HG_ZXING_FIXED_THRESHOLD = 2, ///< threshold = 127 (pair with normalise)
    HG_ZXING_BOOL_CAST = 3,       ///< threshold = 0
};

typedef struct hg_zxing_options {
    int binarizer;     ///< enum hg_zxing_binarizer
    int try_harder;    ///< zxing's tryHarder (more finder-pattern scan lines)
    int try_rotate;    ///< zxing's tryRotate (90/180/270: irrelevant for QR, costs time)
    int try_downscale; ///< zxing's tryDownscale (also decode downscaled copies of a large image)
    int invert;        ///< decode 255 - luma: light modules on dark (a phone in dark mode); 1.4 has no option for it
    int upscale;       ///< 1, or 2: bilinear 2x, for codes whose modules are under ~3 px
    int normalise;     ///< stretch the 1st..99th percentile of the region to 0..255 (faint codes, glare)
} hg_zxing_options;

typedef struct hg_zxing hg_zxing;

/// A decoder with its own scratch buffers (reused from call to call). NULL when out of memory.
hg_zxing *hg_zxing_create(void);
void hg_zxing_destroy(hg_zxing *decoder);

/// Decodes QR codes in the region (x, y, region_width, region_height) of a `width` x `height` 8-bit luma
/// image whose rows are `row_stride` bytes apart (`pixel_bytes` readable bytes at `pixels`).
/// Payloads (raw bytes, no character-set conversion) are written one after another into `payloads`,
/// their lengths into `lengths` (up to `max_codes`). Returns the number of codes found (0: none), or -1 with
/// the reason in hg_zxing_last_error (bad geometry, a buffer too small, an exception inside zxing-cpp).
int hg_zxing_decode(hg_zxing *decoder, const uint8_t *pixels, size_t pixel_bytes, int width, int height, int row_stride,
                    int x, int y, int region_width, int region_height, const hg_zxing_options *options,
                    uint8_t *payloads, size_t payload_capacity, size_t *lengths, int max_codes);

/// The reason for the last -1 (empty after a call that succeeded). Valid until the next call.
const char *hg_zxing_last_error(const hg_zxing *decoder);

/// "1.4.0": the zxing-cpp this was built against.
const char *hg_zxing_version(void);

#ifdef __cplusplus
}
#endif
#endif
