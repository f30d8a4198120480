// Pillow's Image.resize of 8-bit pictures (libImaging/Resample.c and, for
// NEAREST, its affine scaling), reimplemented from the algorithm: per output
// column a window of input columns with filter weights normalised to sum 1,
// the window widened by the scale when shrinking (antialiasing); weights as
// 22-bit fixed point integers, each sum started at half a unit, shifted and
// clipped to 0..255; the horizontal pass first, then the vertical one over
// its 8-bit result. Every rounding is Pillow's, so transformers' pixel
// values (which go through Pillow) come out the same.
#include "alignscope/image.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace alignscope {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2; // 8 bits of result, 2 for filters' overshoot

struct Filter {
    double (*weight)(double);
    double support;
};

double boxWeight(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }
double bilinearWeight(double x)
{
    x = std::abs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}
double hammingWeight(double x)
{
    x = std::abs(x);
    if (x == 0.0)
        return 1.0;
    if (x >= 1.0)
        return 0.0;
    x *= std::numbers::pi;
    // Pillow's constants are floats.
    return std::sin(x) / x * (double(0.54f) + double(0.46f) * std::cos(x));
}
double bicubicWeight(double x)
{
    constexpr double a = -0.5;
    x = std::abs(x);
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}
double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    x *= std::numbers::pi;
    return std::sin(x) / x;
}
double lanczosWeight(double x) { return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0; }

Filter filterOf(Resample r)
{
    switch (r) {
    case Resample::Box: return {boxWeight, 0.5};
    case Resample::Bilinear: return {bilinearWeight, 1.0};
    case Resample::Hamming: return {hammingWeight, 1.0};
    case Resample::Bicubic: return {bicubicWeight, 2.0};
    case Resample::Lanczos: return {lanczosWeight, 3.0};
    case Resample::Nearest: break;
    }
    assert(false && "nearest has no filter");
    return {bilinearWeight, 1.0};
}

/// One pass's fixed-point weights: output position o reads inputs
/// [first[o], first[o] + count[o]) with weights k[o·width ..].
struct Window {
    int width = 0;
    std::vector<int> first, count;
    std::vector<std::int32_t> k;
};

Window windowOf(int inSize, int outSize, const Filter &filter)
{
    const double scale = double(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0), inverse = 1.0 / filterScale;
    const double support = filter.support * filterScale;
    Window w;
    w.width = int(std::ceil(support)) * 2 + 1;
    w.first.resize(size_t(outSize));
    w.count.resize(size_t(outSize));
    w.k.assign(size_t(outSize) * size_t(w.width), 0);
    std::vector<double> weights(size_t(w.width));
    for (int o = 0; o < outSize; ++o) {
        const double center = (o + 0.5) * scale;
        // Rounded by truncation, as Pillow does (negative values are clamped to 0 anyway).
        const int first = std::max(0, int(center - support + 0.5));
        const int count = std::min(inSize, int(center + support + 0.5)) - first;
        double sum = 0.0;
        for (int x = 0; x < count; ++x) {
            weights[size_t(x)] = filter.weight((x + first - center + 0.5) * inverse);
            sum += weights[size_t(x)];
        }
        for (int x = 0; x < count; ++x) {
            const double v = sum != 0.0 ? weights[size_t(x)] / sum : weights[size_t(x)];
            const double fixed = v * (1 << kPrecisionBits);
            w.k[size_t(o) * size_t(w.width) + size_t(x)] = std::int32_t(v < 0 ? -0.5 + fixed : 0.5 + fixed);
        }
        w.first[size_t(o)] = first;
        w.count[size_t(o)] = count;
    }
    return w;
}

std::uint8_t clip8(int sum) { return std::uint8_t(std::clamp(sum >> kPrecisionBits, 0, 255)); }

/// One separable pass: `horizontal` resamples columns of each row, else rows of each column.
RgbImage pass(const RgbImage &in, int outSize, const Filter &filter, bool horizontal)
{
    const Window w = windowOf(horizontal ? in.width : in.height, outSize, filter);
    RgbImage out;
    out.width = horizontal ? outSize : in.width;
    out.height = horizontal ? in.height : outSize;
    out.pixels.resize(size_t(out.width) * size_t(out.height) * 3);
    // Input pixel i of output pixel (x, y)'s window: its byte offset.
    auto at = [&](int x, int y, int i) {
        return 3 * (horizontal ? size_t(y) * size_t(in.width) + size_t(i) : size_t(i) * size_t(in.width) + size_t(x));
    };
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x) {
            const int o = horizontal ? x : y;
            const std::int32_t *k = &w.k[size_t(o) * size_t(w.width)];
            for (int c = 0; c < 3; ++c) {
                int sum = 1 << (kPrecisionBits - 1);
                for (int i = 0; i < w.count[size_t(o)]; ++i)
                    sum += in.pixels[at(x, y, w.first[size_t(o)] + i) + size_t(c)] * k[i];
                out.pixels[3 * (size_t(y) * size_t(out.width) + size_t(x)) + size_t(c)] = clip8(sum);
            }
        }
    return out;
}

/// Pillow's NEAREST: an affine scale whose source coordinate is accumulated
/// step by step from half a pixel in, and truncated.
std::vector<int> nearestTable(int inSize, int outSize)
{
    const double step = double(inSize) / outSize;
    std::vector<int> table(static_cast<size_t>(outSize));
    double at = step * 0.5;
    for (int o = 0; o < outSize; ++o, at += step)
        table[size_t(o)] = std::min(inSize - 1, at < 0.0 ? 0 : int(at));
    return table;
}

RgbImage nearest(const RgbImage &in, int width, int height)
{
    const std::vector<int> xs = nearestTable(in.width, width), ys = nearestTable(in.height, height);
    RgbImage out{width, height, std::vector<std::uint8_t>(size_t(width) * size_t(height) * 3)};
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            std::copy_n(&in.pixels[3 * (size_t(ys[size_t(y)]) * size_t(in.width) + size_t(xs[size_t(x)]))], 3,
                        &out.pixels[3 * (size_t(y) * size_t(width) + size_t(x))]);
    return out;
}

} // namespace

std::string toString(Resample filter)
{
    switch (filter) {
    case Resample::Nearest: return "nearest";
    case Resample::Lanczos: return "lanczos";
    case Resample::Bilinear: return "bilinear";
    case Resample::Bicubic: return "bicubic";
    case Resample::Box: return "box";
    case Resample::Hamming: return "hamming";
    }
    return "?";
}

RgbImage resizeImage(const RgbImage &image, int width, int height, Resample filter)
{
    assert(width > 0 && height > 0 && image.width > 0 && image.height > 0);
    if (width == image.width && height == image.height)
        return image;
    if (filter == Resample::Nearest)
        return nearest(image, width, height);
    const Filter f = filterOf(filter);
    // Pillow skips a pass whose size does not change.
    const RgbImage across = width != image.width ? pass(image, width, f, true) : image;
    return height != image.height ? pass(across, height, f, false) : across;
}

} // namespace alignscope
