#pragma once
// A session: what the window shows, saved as versioned JSON so a user can
// close AlignScope and come back to the same sentence, model, what-if prefix
// and view settings. Reading refuses, whole, anything it does not understand:
// a file from a newer AlignScope, another program's JSON, wrong field types.
// Qt Core only, so the reader can be fuzzed without the widgets.

#include "alignscope/heads.h"
#include "alignscope/intervention.h"
#include "alignscope/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace alignscope::ui {

struct Session {
    /// 2 added "intervention_history", 3 "audio" and "image"; older files still
    /// open (without undo steps, with the sentence).
    static constexpr int kVersion = 3;

    QString model;              ///< bundled name, file path or Hugging Face model folder
    QString sentence;
    /// The source when it is not the sentence: a clip's path ("audio"), or a
    /// picture ("image"): its file, or for one that came from no file (pasted,
    /// dropped, a random scene) its pixels as PNG with the label it was shown under.
    QString audio;
    QString imageFile;
    QByteArray imagePng;
    QString imageLabel;
    QStringList history;
    int beamWidth = 1;
    std::vector<int> prefix;    ///< forced target ids (what-if), in the model's vocabulary
    int step = 0;               ///< 0-based step shown
    int speed = 1;              ///< playback speed index
    QString colormap = QStringLiteral("viridis"); ///< one of sessionColormaps()
    bool hideSpecial = false;
    bool renormalise = false;
    bool logScale = false;
    bool mergeWords = false;    ///< the heatmap merges a subword model's pieces into words
    HeadSelection selection;    ///< the layer and head the views show
    /// Attention edits, dropped source positions and switched-off heads
    /// (stored 0-based, −1 for "every"; checked against the model when decoded).
    Intervention intervention;
    /// The interventions Undo steps back through, oldest first (the last is
    /// what one Undo restores); empty when there is nothing to undo.
    std::vector<Intervention> interventionHistory;
    QString layout = QStringLiteral("step"); ///< the workspace: "step", "compare" or "train"
    QByteArray windowState;     ///< QMainWindow::saveState(), dock layout
};

/// The colormap names a session may hold (Colormap::sequentialNames()).
QStringList sessionColormaps();

/// A selection as a session stores it: {"layer": "last" | 1-based,
/// "head": "mean" | "max" | 1-based}; and back (nullopt when malformed).
QJsonObject selectionToJson(const HeadSelection &selection);
std::optional<HeadSelection> selectionFromJson(const QJsonObject &json);

/// An intervention as a session stores it, {"edits": [{"step", "layer",
/// "head", "position"[, "weights"]}], "dropped_source": [..],
/// "ablated_heads": [{"layer", "head"}]}; and back (an error naming the bad
/// field; `field` names where in the session the object sits).
QJsonObject interventionToJson(const Intervention &intervention);
Result<Intervention> interventionFromJson(const QJsonObject &json,
                                          const QString &field = QStringLiteral("\"intervention\""));

QByteArray sessionToJson(const Session &session);
/// The session in `json`; a BadFile error naming what is wrong otherwise.
Result<Session> sessionFromJson(const QByteArray &json);

/// Writes atomically: the previous file stays whole if anything fails.
Result<void> saveSession(const Session &session, const QString &path);
Result<Session> loadSession(const QString &path);

} // namespace alignscope::ui
