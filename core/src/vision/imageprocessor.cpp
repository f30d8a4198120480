// preprocessor_config.json of a ViT image processor, and the pixel values it
// makes, as transformers 4.36's ViTImageProcessor: resize (Pillow, 8 bits),
// rescale (uint8 · factor in double, stored as float32), normalise
// ((v − mean) / std in float32). Text in, result out, so a fuzzer can drive it.
#include "alignscope/image.h"

#include "hf/hfweights_p.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace alignscope {

namespace {

using nlohmann::json;

constexpr int kMaxSide = 8192;

/// Reads the fields one at a time, keeping the first problem.
struct Reader {
    const json &j;
    const std::string &label;
    std::string bad;

    const json *find(const char *key) const
    {
        const auto it = j.find(key);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    }
    void fail(const std::string &what)
    {
        if (bad.empty())
            bad = label + ": " + what;
    }
    void flag(const char *key, bool &value)
    {
        if (const json *v = find(key))
            v->is_boolean() ? void(value = v->get<bool>()) : fail(std::string(key) + " must be true or false");
    }
    int side(const json &v, const char *key)
    {
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > kMaxSide) {
            fail(std::string(key) + " must be a whole number of pixels in 1.." + std::to_string(kMaxSide));
            return 1;
        }
        return v.get<int>();
    }
    /// image_mean / image_std: three numbers, or one for every channel.
    void channels(const char *key, std::array<float, 3> &value, bool positive)
    {
        const json *v = find(key);
        if (!v)
            return;
        const json list = v->is_array() ? *v : json::array({*v, *v, *v});
        if (list.size() != 3) {
            fail(std::string(key) + " must give 3 channels (R, G, B), not " + std::to_string(list.size()));
            return;
        }
        for (size_t c = 0; c < 3; ++c) {
            if (!list[c].is_number() || !std::isfinite(list[c].get<double>()) || (positive && list[c].get<double>() <= 0)) {
                fail(std::string(key) + " must be " + (positive ? "positive" : "finite") + " numbers");
                return;
            }
            value[c] = list[c].get<float>(); // numpy: np.array(mean, dtype=float32)
        }
    }
};

} // namespace

Result<ImageProcessorConfig> parseImageProcessorConfig(const std::string &text, const std::string &label)
{
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError(label + " is not a JSON object; the folder's image processor settings are damaged");
    for (const char *key : {"image_processor_type", "feature_extractor_type"})
        if (const auto t = j.find(key); t != j.end() && !t->is_null() &&
                                        !(t->is_string() && (t->get<std::string>() == "ViTImageProcessor" ||
                                                             t->get<std::string>() == "ViTFeatureExtractor")))
            return fileError(label + ": " + key + " " + t->dump() +
                             " is not ViTImageProcessor, the only image processor AlignScope computes");
    Reader r{j, label, {}};
    ImageProcessorConfig c;
    r.flag("do_resize", c.doResize);
    r.flag("do_rescale", c.doRescale);
    r.flag("do_normalize", c.doNormalize);
    bool crop = false;
    r.flag("do_center_crop", crop);
    if (crop)
        r.fail("do_center_crop is set; AlignScope's image processor resizes to a fixed size and does not crop");
    if (const json *size = r.find("size")) {
        if (size->is_number())
            c.height = c.width = r.side(*size, "size");
        else if (size->is_object() && size->contains("height") && size->contains("width"))
            c.height = r.side(size->at("height"), "size.height"), c.width = r.side(size->at("width"), "size.width");
        else
            r.fail("size " + size->dump() + " is not {\"height\", \"width\"}; AlignScope resizes to a fixed size only");
    }
    if (const json *resample = r.find("resample")) {
        if (resample->is_number_integer() && resample->get<long long>() >= 0 && resample->get<long long>() <= 5)
            c.resample = Resample(resample->get<int>());
        else
            r.fail("resample " + resample->dump() + " is not one of Pillow's filters 0..5");
    }
    if (const json *factor = r.find("rescale_factor")) {
        if (factor->is_number() && std::isfinite(factor->get<double>()))
            c.rescaleFactor = factor->get<double>();
        else
            r.fail("rescale_factor must be a number");
    }
    r.channels("image_mean", c.mean, false);
    r.channels("image_std", c.std, true);
    if (!r.bad.empty())
        return fileError(r.bad);
    return c;
}

std::string imageProcessorConfigToJson(const ImageProcessorConfig &c)
{
    const json j = {{"image_processor_type", "ViTImageProcessor"},
                    {"do_resize", c.doResize},
                    {"size", {{"height", c.height}, {"width", c.width}}},
                    {"resample", int(c.resample)},
                    {"do_rescale", c.doRescale},
                    {"rescale_factor", c.rescaleFactor},
                    {"do_normalize", c.doNormalize},
                    {"image_mean", c.mean},
                    {"image_std", c.std}};
    return j.dump();
}

Result<ImageProcessorConfig> readImageProcessorConfig(const std::string &path)
{
    auto text = hf::readSmallFile(path, 1u << 20);
    if (!text)
        return text.error();
    return parseImageProcessorConfig(text.value(), path);
}

PixelValues pixelValues(const RgbImage &image, const ImageProcessorConfig &config)
{
    PixelValues out;
    out.seen = config.doResize ? resizeImage(image, config.width, config.height, config.resample) : image;
    const RgbImage &seen = out.seen;
    const Eigen::Index pixels = Eigen::Index(seen.width) * seen.height;
    out.values.resize(3, pixels);
    for (int c = 0; c < 3; ++c)
        for (Eigen::Index i = 0; i < pixels; ++i) {
            const std::uint8_t v = seen.pixels[size_t(3 * i + c)];
            // rescale: uint8 × a Python float is float64, then cast to float32; normalise in float32.
            float x = config.doRescale ? float(double(v) * config.rescaleFactor) : float(v);
            if (config.doNormalize)
                x = (x - config.mean[size_t(c)]) / config.std[size_t(c)];
            out.values(c, i) = x;
        }
    return out;
}

} // namespace alignscope
