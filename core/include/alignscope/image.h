#pragma once
// Images for vision encoders: an image processor's preprocessor_config.json
// (ViTImageProcessor: resize, rescale, normalise) and the pixel values it
// makes of a picture, computed as transformers 4.36 does with Pillow. The
// resize is Pillow's own on 8-bit pictures: a separable filter whose support
// widens when shrinking, coefficients and sums in 22-bit fixed point,
// rounded and clipped to 8 bits between the horizontal and vertical pass.
// Core receives pixels (RgbImage); decoding PNG or JPEG is the caller's.
// Shapes: H, W = the processed picture's height and width.

#include "alignscope/result.h"
#include "alignscope/source.h"
#include "alignscope/tensor.h"

#include <array>
#include <string>

namespace alignscope {

/// Pillow's resampling filters, by their codes (PIL.Image.Resampling), as
/// preprocessor_config.json's "resample" names them.
enum class Resample { Nearest = 0, Lanczos = 1, Bilinear = 2, Bicubic = 3, Box = 4, Hamming = 5 };

/// "nearest", "lanczos", "bilinear", "bicubic", "box", "hamming".
std::string toString(Resample filter);

/// `image` resized to width × height as Pillow's Image.resize(size, filter)
/// does for an RGB picture (no reducing_gap); the same size: a copy.
/// Both sizes must be positive.
RgbImage resizeImage(const RgbImage &image, int width, int height, Resample filter);

/// The fields of a ViTImageProcessor's preprocessor_config.json, with its defaults.
struct ImageProcessorConfig {
    bool doResize = true;
    int height = 224;                 ///< size.height (a plain number: both)
    int width = 224;                  ///< size.width
    Resample resample = Resample::Bilinear;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool doNormalize = true;
    std::array<float, 3> mean{0.5f, 0.5f, 0.5f}; ///< image_mean, per channel
    std::array<float, 3> std{0.5f, 0.5f, 0.5f};  ///< image_std
};

/// Reads preprocessor_config.json as ViTImageProcessor.from_pretrained does
/// (absent fields take its defaults). Other processors (a crop, a shortest
/// edge) are refused naming what they ask for; sizes are bounded (1..8192).
/// BadFile errors start with `label` and name the field.
Result<ImageProcessorConfig> parseImageProcessorConfig(const std::string &json, const std::string &label);
/// `config` as preprocessor_config.json writes it (ViTImageProcessor), which
/// parseImageProcessorConfig reads back the same: AlignScope's own image
/// models keep it in their model file.
std::string imageProcessorConfigToJson(const ImageProcessorConfig &config);
/// The same from a file (at most 1 MB).
Result<ImageProcessorConfig> readImageProcessorConfig(const std::string &path);

/// What an image processor makes of a picture.
struct PixelValues {
    RgbImage seen;   ///< the picture after the resize: what the model sees, in 8 bits
    Matrix values;   ///< (3, H·W) channel planes, pixel (y, x) in column y·W + x
};

/// The pixel values ViTImageProcessor(config) gives for `image` (already
/// RGB, as transformers' load_image converts it): resized in 8 bits, then
/// v · rescale_factor and (v − mean) / std per channel in float32.
PixelValues pixelValues(const RgbImage &image, const ImageProcessorConfig &config);

} // namespace alignscope
