// The scenes task: shapes drawn into small pictures and captioned left to
// right. Every draw goes through detail::uniformInt over std::mt19937, so a
// seed gives the same pictures on every platform.
#include "alignscope/scenes.h"

#include "data/taskrandom_p.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>

namespace alignscope {

namespace {

struct Colour {
    const char *name;
    std::array<std::uint8_t, 3> rgb;
};

constexpr std::array<Colour, 5> kColours{{{"red", {220, 40, 40}},
                                          {"green", {40, 190, 60}},
                                          {"blue", {50, 90, 235}},
                                          {"yellow", {230, 210, 40}},
                                          {"white", {240, 240, 240}}}};
constexpr int kShapeKinds = 4;

/// Twice a box's centre x, an integer (boxes have integer corners).
int centre2(const PixelBox &b) { return 2 * b.x + b.width; }

/// Whether two boxes keep a pixel of background between them, and their
/// centres are far enough apart that "left of" is plain to see.
bool apart(const PixelBox &a, const PixelBox &b)
{
    const bool separate = a.x + a.width < b.x || b.x + b.width < a.x || a.y + a.height < b.y || b.y + b.height < a.y;
    return separate && std::abs(centre2(a) - centre2(b)) >= 6;
}

/// Whether the centre of pixel (x, y) lies inside `shape`.
bool covers(const SceneShape &shape, int x, int y)
{
    const PixelBox &b = shape.box;
    const double side = b.width;
    const double px = x + 0.5 - (b.x + side / 2), py = y + 0.5 - (b.y + side / 2); // from the centre
    switch (shape.kind) {
    case ShapeKind::Circle: return px * px + py * py <= side * side / 4;
    case ShapeKind::Square: return true;
    case ShapeKind::Triangle: return std::abs(px) <= (py + side / 2) / 2; // apex at the top, base at the bottom
    case ShapeKind::Cross: return std::abs(px) <= side / 6 || std::abs(py) <= side / 6;
    }
    return false;
}

void paint(RgbImage &image, const SceneShape &shape)
{
    const auto &rgb = kColours[size_t(shape.colour)].rgb;
    for (int y = shape.box.y; y < shape.box.y + shape.box.height; ++y)
        for (int x = shape.box.x; x < shape.box.x + shape.box.width; ++x)
            if (covers(shape, x, y))
                std::copy(rgb.begin(), rgb.end(), image.pixels.begin() + (size_t(y) * size_t(image.width) + size_t(x)) * 3);
}

RgbImage background(std::mt19937 &rng, const SceneOptions &o)
{
    RgbImage image;
    image.width = image.height = o.size;
    image.pixels.resize(size_t(o.size) * size_t(o.size) * 3);
    const int base = 25 + detail::uniformInt(rng, 50); // a dark grey, so every colour stands out
    for (size_t i = 0; i < image.pixels.size(); i += 3) {
        const int v = base + (o.noise > 0 ? detail::uniformInt(rng, 2 * o.noise + 1) - o.noise : 0);
        image.pixels[i] = image.pixels[i + 1] = image.pixels[i + 2] = std::uint8_t(std::clamp(v, 0, 255));
    }
    return image;
}

/// The scene's shapes placed by rejection; fewer than asked when there is no room.
std::vector<SceneShape> placeShapes(std::mt19937 &rng, const SceneOptions &o)
{
    const int wanted = o.minShapes + detail::uniformInt(rng, o.maxShapes - o.minShapes + 1);
    std::vector<SceneShape> shapes;
    for (int attempt = 0; attempt < 200 && int(shapes.size()) < wanted; ++attempt) {
        SceneShape s;
        const int side = o.minSide + detail::uniformInt(rng, o.maxSide - o.minSide + 1);
        s.box = {detail::uniformInt(rng, o.size - side + 1), detail::uniformInt(rng, o.size - side + 1), side, side};
        if (!std::all_of(shapes.begin(), shapes.end(), [&](const SceneShape &t) { return apart(s.box, t.box); }))
            continue;
        s.kind = ShapeKind(detail::uniformInt(rng, kShapeKinds));
        s.colour = detail::uniformInt(rng, int(kColours.size()));
        shapes.push_back(s);
    }
    std::sort(shapes.begin(), shapes.end(),
              [](const SceneShape &a, const SceneShape &b) { return centre2(a.box) < centre2(b.box); });
    return shapes;
}

/// What makes two scenes the same for the splits: the shapes and where they are.
std::string sceneKey(const std::vector<SceneShape> &shapes)
{
    std::string key;
    for (const SceneShape &s : shapes)
        key += sceneColourNames()[size_t(s.colour)] + " " + toString(s.kind) + " at " + std::to_string(s.box.x) + "," +
               std::to_string(s.box.y) + " size " + std::to_string(s.box.width) + "; ";
    return key;
}

} // namespace

std::string toString(ShapeKind kind)
{
    switch (kind) {
    case ShapeKind::Circle: return "circle";
    case ShapeKind::Square: return "square";
    case ShapeKind::Triangle: return "triangle";
    case ShapeKind::Cross: return "cross";
    }
    return "circle";
}

const std::vector<std::string> &sceneColourNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const Colour &c : kColours)
            n.push_back(c.name);
        return n;
    }();
    return names;
}

std::vector<std::string> sceneCaption(const std::vector<SceneShape> &shapes)
{
    std::vector<std::string> words;
    for (const SceneShape &s : shapes) {
        if (!words.empty())
            words.insert(words.end(), {"left", "of"});
        words.insert(words.end(), {"a", sceneColourNames()[size_t(s.colour)], toString(s.kind)});
    }
    return words;
}

Scene drawScene(unsigned seed, const SceneOptions &options)
{
    std::mt19937 rng(seed);
    Scene scene;
    scene.image = background(rng, options);
    scene.shapes = placeShapes(rng, options);
    for (const SceneShape &s : scene.shapes)
        paint(scene.image, s);
    scene.words = sceneCaption(scene.shapes);
    scene.caption = detail::joinWordTokens(scene.words);
    return scene;
}

TaskSplits makeScenesTask(const TaskOptions &options, SceneSplits *shapes, const SceneOptions &scene)
{
    std::mt19937 seeds(options.seed);
    std::map<std::string, std::vector<SceneShape>> shapesOf; // by pair.source, the scene's key
    auto next = [&] {
        Scene s = drawScene(unsigned(seeds()), scene);
        SentencePair pair;
        pair.source = sceneKey(s.shapes);
        pair.target = s.caption;
        pair.targetTokens = s.words;
        pair.image = std::make_shared<const RgbImage>(std::move(s.image));
        if (shapes)
            shapesOf[pair.source] = std::move(s.shapes);
        return pair;
    };
    TaskSplits splits = detail::drawSplits(options, next, {});
    if (shapes) {
        const std::pair<const Corpus *, std::vector<std::vector<SceneShape>> *> parts[] = {
            {&splits.train, &shapes->train}, {&splits.dev, &shapes->dev}, {&splits.test, &shapes->test}};
        for (const auto &[corpus, out] : parts)
            for (const SentencePair &p : corpus->pairs)
                out->push_back(shapesOf.at(p.source));
    }
    return splits;
}

ImageProcessorConfig scenesImageProcessor(const SceneOptions &scene)
{
    ImageProcessorConfig c;
    c.height = c.width = scene.size;
    c.resample = Resample::Bilinear;
    c.mean = {0.5f, 0.5f, 0.5f};
    c.std = {0.5f, 0.5f, 0.5f};
    return c;
}

} // namespace alignscope
