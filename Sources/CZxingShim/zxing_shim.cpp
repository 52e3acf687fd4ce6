// The C boundary over zxing-cpp 1.4. Every entry point catches every C++ exception: an exception
// unwinding into Swift frames is undefined behaviour, and a malformed frame must cost one frame, not the daemon.
#include "zxing_shim.h"

#include <ZXing/ReadBarcode.h>
#include <ZXing/ZXVersion.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct hg_zxing {
    std::vector<uint8_t> prepared;  // region after the lookup table (normalise / invert)
    std::vector<uint8_t> scaled;    // the 2x upscale of `prepared`
    std::string error;
};

namespace {

constexpr int maximumSide = 16384;
// An upscaled image beyond this is refused: zxing's cost grows with the area, and a frame never needs it.
constexpr long maximumUpscaledArea = 4096L * 4096L;

/// 256-entry table: optional percentile stretch, then optional inversion.
void buildTable(const uint8_t *origin, int rowStride, int width, int height, bool normalise, bool invert, uint8_t table[256])
{
    int low = 0, high = 255;
    if (normalise) {
        long histogram[256] = {};
        for (int row = 0; row < height; ++row) {
            const uint8_t *line = origin + long(row) * rowStride;
            for (int column = 0; column < width; ++column) ++histogram[line[column]];
        }
        // 1st and 99th percentiles: a few specular pixels (glare) or dead ones must not set the range.
        const long total = long(width) * height, cut = total / 100;
        long seen = 0;
        for (low = 0; low < 255 && seen + histogram[low] <= cut; ++low) seen += histogram[low];
        seen = 0;
        for (high = 255; high > 0 && seen + histogram[high] <= cut; --high) seen += histogram[high];
        if (high - low < 8) { low = 0; high = 255; }  // flat region: stretching would only amplify noise
    }
    for (int value = 0; value < 256; ++value) {
        int mapped = value <= low ? 0 : value >= high ? 255 : (value - low) * 255 / (high - low);
        table[value] = uint8_t(invert ? 255 - mapped : mapped);
    }
}

/// Bilinear 2x: module edges stay ramps, which binarizers threshold better than nearest-neighbour steps.
void upscale2x(const uint8_t *source, int width, int height, uint8_t *target)
{
    const int targetWidth = width * 2;
    for (int row = 0; row < height; ++row) {
        const uint8_t *line = source + long(row) * width;
        const uint8_t *next = source + long(std::min(row + 1, height - 1)) * width;
        uint8_t *even = target + long(row * 2) * targetWidth, *odd = even + targetWidth;
        for (int column = 0; column < width; ++column) {
            const int right = std::min(column + 1, width - 1);
            const int a = line[column], b = line[right], c = next[column], d = next[right];
            even[column * 2] = uint8_t(a);
            even[column * 2 + 1] = uint8_t((a + b + 1) / 2);
            odd[column * 2] = uint8_t((a + c + 1) / 2);
            odd[column * 2 + 1] = uint8_t((a + b + c + d + 2) / 4);
        }
    }
}

int fail(hg_zxing *decoder, const std::string &message)
{
    decoder->error = message;
    return -1;
}

} // namespace

extern "C" hg_zxing *hg_zxing_create(void)
{
    try {
        return new hg_zxing();
    } catch (...) {
        return nullptr;
    }
}

extern "C" void hg_zxing_destroy(hg_zxing *decoder)
{
    delete decoder;
}

extern "C" const char *hg_zxing_last_error(const hg_zxing *decoder)
{
    return decoder ? decoder->error.c_str() : "no decoder";
}

extern "C" const char *hg_zxing_version(void)
{
#define HG_STRING2(x) #x
#define HG_STRING(x) HG_STRING2(x)
    return HG_STRING(ZXING_VERSION_MAJOR) "." HG_STRING(ZXING_VERSION_MINOR) "." HG_STRING(ZXING_VERSION_PATCH);
}

extern "C" int hg_zxing_decode(hg_zxing *decoder, const uint8_t *pixels, size_t pixel_bytes, int width, int height,
                               int row_stride, int x, int y, int region_width, int region_height,
                               const hg_zxing_options *options, uint8_t *payloads, size_t payload_capacity,
                               size_t *lengths, int max_codes)
{
    if (!decoder) return -1;
    try {
        decoder->error.clear();
        if (!pixels || !options || (!payloads && payload_capacity) || !lengths || max_codes < 0)
            return fail(decoder, "null argument");
        if (width <= 0 || height <= 0 || width > maximumSide || height > maximumSide)
            return fail(decoder, "frame size " + std::to_string(width) + "x" + std::to_string(height) + " out of range");
        if (row_stride < width)
            return fail(decoder, "row stride " + std::to_string(row_stride) + " below width " + std::to_string(width));
        if (pixel_bytes < size_t(row_stride) * size_t(height - 1) + size_t(width))
            return fail(decoder, "frame of " + std::to_string(pixel_bytes) + " bytes is too small for its size");
        if (options->binarizer < 0 || options->binarizer > HG_ZXING_BOOL_CAST)
            return fail(decoder, "unknown binarizer " + std::to_string(options->binarizer));
        if (options->upscale != 1 && options->upscale != 2)
            return fail(decoder, "upscale must be 1 or 2");
        // Clip the region to the frame; an empty one holds no code.
        const int left = std::clamp(x, 0, width), top = std::clamp(y, 0, height);
        const int cropWidth = std::clamp(region_width, 0, width - left), cropHeight = std::clamp(region_height, 0, height - top);
        if (cropWidth == 0 || cropHeight == 0) return 0;

        const uint8_t *origin = pixels + size_t(top) * size_t(row_stride) + size_t(left);
        const uint8_t *image = origin;
        int imageWidth = cropWidth, imageHeight = cropHeight, imageStride = row_stride;
        if (options->normalise || options->invert || options->upscale == 2) {
            uint8_t table[256];
            buildTable(origin, row_stride, cropWidth, cropHeight, options->normalise, options->invert, table);
            decoder->prepared.resize(size_t(cropWidth) * cropHeight);  // keeps its capacity: no allocation once warm
            for (int row = 0; row < cropHeight; ++row) {
                const uint8_t *line = origin + size_t(row) * row_stride;
                uint8_t *target = decoder->prepared.data() + size_t(row) * cropWidth;
                for (int column = 0; column < cropWidth; ++column) target[column] = table[line[column]];
            }
            image = decoder->prepared.data();
            imageStride = cropWidth;
            if (options->upscale == 2) {
                if (4L * cropWidth * cropHeight > maximumUpscaledArea) return fail(decoder, "region too large to upscale");
                decoder->scaled.resize(size_t(cropWidth) * cropHeight * 4);
                upscale2x(decoder->prepared.data(), cropWidth, cropHeight, decoder->scaled.data());
                image = decoder->scaled.data();
                imageWidth = cropWidth * 2;
                imageHeight = cropHeight * 2;
                imageStride = imageWidth;
            }
        }

        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode)
            .setBinarizer(ZXing::Binarizer(options->binarizer))
            .setTryHarder(options->try_harder != 0)
            .setTryRotate(options->try_rotate != 0)
            .setTryDownscale(options->try_downscale != 0)
            .setMaxNumberOfSymbols(uint8_t(std::clamp(max_codes, 1, 255)));
        const ZXing::ImageView view(image, imageWidth, imageHeight, ZXing::ImageFormat::Lum, imageStride);
        const ZXing::Results results = ZXing::ReadBarcodes(view, hints);

        int count = 0;
        size_t used = 0;
        for (const ZXing::Result &result : results) {
            if (count == max_codes) break;
            if (!result.isValid() || result.format() != ZXing::BarcodeFormat::QRCode) continue;
            // bytes(): the payload as encoded, no ECI or character-set conversion (Base45 and tokens stay intact).
            const ZXing::ByteArray &bytes = result.bytes();
            if (bytes.size() > payload_capacity - used) return fail(decoder, "payload buffer too small");
            if (!bytes.empty()) std::memcpy(payloads + used, bytes.data(), bytes.size());
            lengths[count++] = bytes.size();
            used += bytes.size();
        }
        return count;
    } catch (const std::exception &exception) {
        return fail(decoder, std::string("zxing-cpp: ") + exception.what());
    } catch (...) {
        return fail(decoder, "zxing-cpp: unknown exception");
    }
}
