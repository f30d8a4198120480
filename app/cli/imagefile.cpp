// PNG (libpng) and JPEG (libjpeg-turbo) into 8-bit RGB, with the size
// checked from the header before the pixels are allocated.
#include "cli/imagefile.h"

#include "cli/commands.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include <jpeglib.h>
#include <jerror.h> // JWRN_JPEG_EOF
#include <png.h>

namespace alignscope::cli {

namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE *)>;

/// A refusal of a header's size, or nothing when the size is within the limits.
Result<void> checkSize(const std::string &path, long long width, long long height)
{
    if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide || width * height > kMaxImagePixels)
        return fileError(path + " claims " + std::to_string(width) + " x " + std::to_string(height) +
                         " pixels; AlignScope reads pictures of up to " + std::to_string(kMaxImageSide) + " pixels a side and " +
                         std::to_string(kMaxImagePixels / 1'000'000) + " megapixels");
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

Result<RgbImage> readPng(const std::string &path, std::FILE *file)
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
        return fileError(path + ": the PNG is damaged or cut short (" + failure.message + ")");
    }
    png_init_io(png, file);
    png_read_info(png, info);
    if (auto size = checkSize(path, png_get_image_width(png, info), png_get_image_height(png, info)); !size) {
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

Result<RgbImage> readJpeg(const std::string &path, std::FILE *file)
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
        return fileError(path + ": the JPEG is damaged or cut short (" + failure.message + ")");
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    if (auto size = checkSize(path, cinfo.image_width, cinfo.image_height); !size) {
        jpeg_destroy_decompress(&cinfo);
        return size.error();
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return fileError(path + " is a CMYK JPEG; save it as RGB first");
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

} // namespace

Result<RgbImage> readImageFile(const std::string &path)
{
    File file(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!file)
        return fileError(path + ": cannot open it (" + std::strerror(errno) + ")");
    unsigned char magic[8] = {};
    const size_t got = std::fread(magic, 1, sizeof magic, file.get());
    std::rewind(file.get());
    if (got == 8 && png_sig_cmp(magic, 0, 8) == 0)
        return readPng(path, file.get());
    if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        return readJpeg(path, file.get());
    return fileError(path + " is not a PNG or JPEG picture (the formats --image reads)");
}

int translateImage(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection)
{
    if (!args.positionals().empty())
        return fail(usageError("give either a sentence or --image FILE, not both"));
    if (args.value("audio"))
        return fail(usageError("give either --audio FILE or --image FILE, not both"));
    auto picture = readImageFile(*args.value("image"));
    if (!picture)
        return fail(picture.error());
    auto source = model.prepareImage(picture.value());
    if (!source)
        return fail(source.error());
    auto trace = translateSource(model, std::move(source.value()), options);
    if (!trace)
        return fail(trace.error());
    const auto path = trace->bestPath();
    if (args.has("json"))
        std::cout << traceToJson(trace.value(), path, true, selection) << "\n";
    else
        std::cout << trace->translation(path) << "\n";
    return 0;
}

} // namespace alignscope::cli
