// PNG (libpng) and JPEG (libjpeg-turbo) into 8-bit RGB, from a file or from
// memory, with the size checked from the header before the pixels are
// allocated.
#include "alignscope/imagefile.h"

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include <jpeglib.h>
#include <jerror.h> // JWRN_JPEG_EOF
#include <png.h>

namespace alignscope {

namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE *)>;

/// Where the encoded bytes come from: an open file, or bytes in memory.
struct Input {
    const std::string &label;
    std::FILE *file = nullptr;
    std::span<const std::uint8_t> bytes;
    std::size_t offset = 0; ///< next byte of `bytes` to read
};

/// A refusal of a header's size, or nothing when the size is within the limits.
Result<void> checkSize(const std::string &label, long long width, long long height, const ImageLimits &limits)
{
    if (width < 1 || height < 1 || width > limits.maxSide || height > limits.maxSide ||
        width * height > limits.maxPixels)
        return fileError(label + " claims " + std::to_string(width) + " x " + std::to_string(height) +
                         " pixels; AlignScope reads pictures of up to " + std::to_string(limits.maxSide) +
                         " pixels a side and " + std::to_string(limits.maxPixels / 1'000'000) + " megapixels");
    return {};
}

// libpng and libjpeg report errors by longjmp: what is written after setjmp
// lives on the heap behind a pointer set before it (locals changed after
// setjmp are indeterminate once it returns again).
struct PngFailure {
    std::jmp_buf jump;
    char message[200] = "";
    RgbImage image;
    std::vector<png_bytep> rows;
};

void pngError(png_structp png, png_const_charp message)
{
    auto *f = static_cast<PngFailure *>(png_get_error_ptr(png));
    std::snprintf(f->message, sizeof f->message, "%s", message);
    std::longjmp(f->jump, 1);
}

void pngWarning(png_structp, png_const_charp) {}

/// libpng's read callback over bytes in memory; running out is an error, as
/// a short read of a file is in libpng's own callback.
void pngReadMemory(png_structp png, png_bytep out, png_size_t length)
{
    auto *in = static_cast<Input *>(png_get_io_ptr(png));
    if (in->bytes.size() - in->offset < length)
        png_error(png, "Read Error");
    std::memcpy(out, in->bytes.data() + in->offset, length);
    in->offset += length;
}

Result<RgbImage> readPng(Input &in, const ImageLimits &limits)
{
    const auto state = std::make_unique<PngFailure>();
    PngFailure &failure = *state;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, pngError, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        return Error{ErrorKind::Internal, "libpng could not start"};
    }
    RgbImage &image = failure.image;
    std::vector<png_bytep> &rows = failure.rows;
    if (setjmp(failure.jump)) {
        png_destroy_read_struct(&png, &info, nullptr);
        return fileError(in.label + ": the PNG is damaged or cut short (" + failure.message + ")");
    }
    if (in.file)
        png_init_io(png, in.file);
    else
        png_set_read_fn(png, &in, pngReadMemory);
    png_read_info(png, info);
    if (auto size = checkSize(in.label, png_get_image_width(png, info), png_get_image_height(png, info), limits); !size) {
        png_destroy_read_struct(&png, &info, nullptr);
        return size.error();
    }
    // To 8-bit RGB: palettes and low bit depths expanded, 16 bits to 8, grey to RGB, alpha dropped.
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    image.width = int(png_get_image_width(png, info));
    image.height = int(png_get_image_height(png, info));
    image.pixels.resize(size_t(image.width) * size_t(image.height) * 3);
    rows.resize(size_t(image.height));
    for (int y = 0; y < image.height; ++y)
        rows[size_t(y)] = image.pixels.data() + size_t(y) * size_t(image.width) * 3;
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    png_destroy_read_struct(&png, &info, nullptr);
    return std::move(image);
}

struct JpegFailure {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = "";
    jpeg_decompress_struct cinfo;
    RgbImage image;
};

void jpegError(j_common_ptr cinfo)
{
    auto *f = reinterpret_cast<JpegFailure *>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, f->message);
    std::longjmp(f->jump, 1);
}

/// A JPEG that ends early decodes as grey in libjpeg (a warning); Pillow refuses it, and so do we.
void jpegMessage(j_common_ptr cinfo, int level)
{
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
        jpegError(cinfo);
}

Result<RgbImage> readJpeg(Input &in, const ImageLimits &limits)
{
    const auto state = std::make_unique<JpegFailure>();
    JpegFailure &failure = *state;
    jpeg_decompress_struct &cinfo = failure.cinfo;
    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpegError;
    failure.manager.emit_message = jpegMessage;
    RgbImage &image = failure.image;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return fileError(in.label + ": the JPEG is damaged or cut short (" + failure.message + ")");
    }
    jpeg_create_decompress(&cinfo);
    if (in.file)
        jpeg_stdio_src(&cinfo, in.file);
    else
        jpeg_mem_src(&cinfo, in.bytes.data(), static_cast<unsigned long>(in.bytes.size()));
    jpeg_read_header(&cinfo, TRUE);
    if (auto size = checkSize(in.label, cinfo.image_width, cinfo.image_height, limits); !size) {
        jpeg_destroy_decompress(&cinfo);
        return size.error();
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return fileError(in.label + " is a CMYK JPEG; save it as RGB first");
    }
    cinfo.out_color_space = JCS_RGB; // grey too
    jpeg_start_decompress(&cinfo);
    image.width = int(cinfo.output_width);
    image.height = int(cinfo.output_height);
    image.pixels.resize(size_t(image.width) * size_t(image.height) * 3);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = image.pixels.data() + size_t(cinfo.output_scanline) * size_t(image.width) * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return std::move(image);
}

/// The decoder the first bytes ask for; `magic` holds `got` of them.
Result<RgbImage> readSniffed(Input &in, const unsigned char *magic, std::size_t got, const ImageLimits &limits)
{
    if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0)
        return readPng(in, limits);
    if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        return readJpeg(in, limits);
    return fileError(in.label + " is not a PNG or JPEG picture (the formats --image reads)");
}

} // namespace

Result<RgbImage> readImageFile(const std::string &path, const ImageLimits &limits)
{
    File file(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!file)
        return fileError(path + ": cannot open it (" + std::strerror(errno) + ")");
    unsigned char magic[8] = {};
    const size_t got = std::fread(magic, 1, sizeof magic, file.get());
    std::rewind(file.get());
    Input in{path, file.get(), {}, 0};
    return readSniffed(in, magic, got, limits);
}

Result<RgbImage> readImageFromMemory(std::span<const std::uint8_t> bytes, const std::string &label,
                                     const ImageLimits &limits)
{
    Input in{label, nullptr, bytes};
    return readSniffed(in, bytes.data(), std::min<std::size_t>(bytes.size(), 8), limits);
}

} // namespace alignscope
