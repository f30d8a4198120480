#pragma once
// The scenes task: small pictures AlignScope draws itself, one to three
// coloured shapes that do not overlap on a plain, lightly noisy background,
// each with a caption naming the shapes from left to right ("a red circle
// left of a blue square"). Deterministic by seed; the shapes' boxes are kept
// so tests (and the window) know where each named shape lies. What the
// bundled `scenes` captioner is trained on.

#include "alignscope/image.h"
#include "alignscope/source.h"
#include "alignscope/tasks.h"

#include <string>
#include <vector>

namespace alignscope {

enum class ShapeKind { Circle, Square, Triangle, Cross };

/// "circle", "square", "triangle", "cross".
std::string toString(ShapeKind kind);

/// The colours shapes are drawn in, by name.
const std::vector<std::string> &sceneColourNames();

struct SceneShape {
    ShapeKind kind = ShapeKind::Circle;
    int colour = 0;  ///< index into sceneColourNames()
    PixelBox box;    ///< the square the shape fills (a circle's is its bounding square)
};

struct Scene {
    RgbImage image;
    std::vector<SceneShape> shapes;  ///< left to right (by the boxes' centres), as the caption names them
    std::vector<std::string> words;  ///< the caption's words
    std::string caption;             ///< "a red circle left of a blue square"
};

struct SceneOptions {
    int size = 32;       ///< pixels per side
    int minShapes = 1;
    int maxShapes = 3;
    int minSide = 8;     ///< a shape's box side, pixels
    int maxSide = 13;
    int noise = 6;       ///< background noise amplitude (± levels of 255); 0: plain
};

/// A random scene, the same for the same seed and options.
Scene drawScene(unsigned seed, const SceneOptions &options = {});

/// The caption of shapes already ordered left to right.
std::vector<std::string> sceneCaption(const std::vector<SceneShape> &shapes);

/// Train, dev and test scenes (TaskOptions' sizes; seed picks them), no scene
/// in two splits: each pair's source is its picture (SentencePair::image,
/// no source tokens), its target the caption. `shapes`, when given,
/// receives the shapes of every split's scenes in pair order.
struct SceneSplits {
    std::vector<std::vector<SceneShape>> train, dev, test;
};
TaskSplits makeScenesTask(const TaskOptions &options = {}, SceneSplits *shapes = nullptr,
                          const SceneOptions &scene = {});

/// How a scenes model reads a picture: resized to the task's size, then
/// (v / 255 − 0.5) / 0.5 per channel. Stored in the model file.
ImageProcessorConfig scenesImageProcessor(const SceneOptions &scene = {});

} // namespace alignscope
